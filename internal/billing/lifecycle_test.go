package billing_test

import (
	"slices"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// A monthly plan with a setup fee: the first invoice charges the setup fee
// and the first month in advance, each later month its licence, numbered
// in sequence; paying the first starts provisioning; the ledger says the
// marketplace owes the vendor its price less the platform fee.
func TestMonthlyInvoicesInAdvance(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		invs := f.invoices("customer_direct")
		if len(invs) != 1 {
			t.Fatalf("%d invoices after ordering", len(invs))
		}
		first := invs[0]
		if first.Number != "INV-2026-000001" || first.Status != billing.StatusIssued || first.Subtotal.String() != "40.00" ||
			first.Tax.String() != "8.80" || first.Total.String() != "48.80" || !first.DueAt.Equal(start.AddDate(0, 0, 15)) ||
			first.IssuerOrgID != f.org("operator") || len(first.Lines) != 2 {
			t.Fatalf("first invoice: %+v", first)
		}
		if l := first.Lines[1]; l.Description != "Drive Basic: Licence, 1 month" || l.Amount.String() != "30.00" ||
			!l.PeriodStart.Equal(start) || !l.PeriodEnd.Equal(start.AddDate(0, 1, 0)) || l.SubscriptionID != o.SubscriptionID ||
			l.TaxName != "VAT IT" || !l.TaxRate.Equal(dec("22")) {
			t.Fatalf("licence line: %+v", l)
		}
		if s := f.sub(o.SubscriptionID); s.Provisioning != subscription.ProvWaitingPayment {
			t.Fatalf("before payment: %s", s.Provisioning)
		}
		f.pay(first)
		if s := f.sub(o.SubscriptionID); s.Provisioning != subscription.ProvPending || s.Status != subscription.StatusActive {
			t.Fatalf("after payment: %s/%s", s.Status, s.Provisioning)
		}
		// The customer owes nothing; the marketplace owes the vendor 40.00
		// (setup and licence at its price), the vendor owes it 8.00 of fees.
		if c, v := f.balance("customer_direct", "operator"), f.balance("vendor_a", "operator"); c != 0 || v != 4000-800 {
			t.Fatalf("balances: customer %d, vendor %d", c, v)
		}

		f.advance(start.AddDate(0, 3, 0).Add(time.Hour))
		invs = f.invoices("customer_direct")
		if len(invs) != 4 {
			t.Fatalf("%d invoices after three months", len(invs))
		}
		for i, inv := range invs[1:] {
			want := start.AddDate(0, i+1, 0)
			if inv.Number != billing.FormatNumber(billing.KindInvoice, 2026, int64(i+2)) || inv.Total.String() != "36.60" ||
				len(inv.Lines) != 1 || !inv.Lines[0].PeriodStart.Equal(want) || !inv.IssuedAt.Equal(want) {
				t.Fatalf("invoice %d: %s %s %v", i+2, inv.Number, inv.Total, amounts(inv))
			}
		}
		if v := f.balance("vendor_a", "operator"); v != 3200+3*(3000-600) {
			t.Fatalf("vendor's balance after three renewals: %d", v)
		}
	})
}

// The seed example: 15 users in the tiered, volume and stairstep schemes
// are invoiced 63.00, 45.00 and 100.00.
func TestSeedExtrasInvoiced(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		p := f.plans["Seed"]
		q := map[string]string{}
		for _, x := range p.Extras {
			q[x.ID] = "15"
		}
		in := subscription.PlaceOrderInput{PlanID: p.ID, Quantities: decimals(q)}
		f.order("customer_direct", in)
		inv := f.invoices("customer_direct")[0]
		got := amounts(inv)
		for _, want := range []string{"Drive Seed: Users (tiered), 1 month=63.00", "Drive Seed: Users (volume), 1 month=45.00",
			"Drive Seed: Users (stairstep), 1 month=100.00"} {
			if !slices.Contains(got, want) {
				t.Fatalf("lines %v lack %s", got, want)
			}
		}
	})
}
