package billing_test

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// A customer of a reseller is invoiced by the reseller at its sell-out
// price; each party owes the one above at its buy price; the reports show
// each its own share.
func TestChannelChainSettles(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		f.markups()
		f.order("customer_a1", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID})
		inv := f.invoices("customer_a1")[0]
		// 60.00 list: the distributor buys at 48.00, the reseller at 52.80,
		// the customer pays 66.00 + 22 % VAT.
		if inv.IssuerOrgID != f.org("reseller_a") || inv.Number != "INV-2026-000001" || inv.Subtotal.String() != "66.00" || inv.Total.String() != "80.52" {
			t.Fatalf("invoice: %s by %s, %s / %s", inv.Number, inv.IssuerOrgID, inv.Subtotal, inv.Total)
		}
		for _, c := range []struct {
			debtor, creditor string
			want             int64
		}{
			{"customer_a1", "reseller_a", 8052},
			{"reseller_a", "distributor", 5280},
			{"distributor", "operator", 4800},
			{"operator", "vendor_a", 6000 - 1200}, // the vendor's price less its 20 % fee
		} {
			if got := f.balance(c.creditor, c.debtor); got != c.want {
				t.Errorf("%s owes %s %d, want %d", c.debtor, c.creditor, got, c.want)
			}
		}
		month := start.Format("2006-01")
		rep, err := f.bill.ChannelProceeds(f.as("reseller_a"), f.org("reseller_a"), month)
		if err != nil || len(rep.Lines) != 1 || rep.Lines[0].Sales.String() != "66.00" || rep.Lines[0].Purchases.String() != "52.80" ||
			rep.Lines[0].Margin.String() != "13.20" {
			t.Fatalf("reseller's proceeds: %+v %v", rep, err)
		}
		dist, err := f.bill.ChannelProceeds(f.as("distributor"), f.org("distributor"), month)
		if err != nil || dist.Lines[0].Margin.String() != "4.80" {
			t.Fatalf("distributor's proceeds: %+v %v", dist, err)
		}
		bal, err := f.bill.VendorBalance(f.as("vendor_a"), f.org("vendor_a"), month)
		if err != nil || len(bal.Lines) != 1 || bal.Lines[0].LicenceRevenue.String() != "60.00" || bal.Lines[0].PlatformFee.String() != "12.00" ||
			bal.Lines[0].AmountDue.String() != "48.00" {
			t.Fatalf("vendor's balance: %+v %v", bal, err)
		}
		// Each sees only its own report.
		_, err = f.bill.VendorBalance(f.as("vendor_b"), f.org("vendor_a"), month)
		wantCode(t, err, "organization_not_found")
		_, err = f.bill.ChannelProceeds(f.as("reseller_b"), f.org("reseller_a"), month)
		wantCode(t, err, "organization_not_found")
		_, err = f.bill.ChannelProceeds(f.as("customer_a1"), f.org("reseller_a"), month)
		wantCode(t, err, "organization_not_found")
		if _, err := f.bill.VendorBalance(f.as("admin"), f.org("vendor_a"), month); err != nil {
			t.Fatal(err)
		}
		// The customer sees the invoice; another reseller's customer not.
		if _, err := f.bill.GetInvoice(f.as("customer_a1"), inv.ID); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"customer_a2", "reseller_b", "vendor_a", "distributor"} {
			_, err := f.bill.GetInvoice(f.as(who), inv.ID)
			wantCode(t, err, "invoice_not_found")
		}
		st, err := f.bill.PartyStatement(f.as("reseller_a"), f.org("reseller_a"), start, start.AddDate(0, 1, 0))
		if err != nil || len(st.Entries) == 0 || len(st.Closing) != 1 || st.Closing[0].String() != "27.72" {
			t.Fatalf("reseller's statement: %+v %v", st.Closing, err)
		}
		_ = billing.KindInvoice
	})
}
