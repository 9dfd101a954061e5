package billing_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// A self-billed plan: the vendor bills its customer itself; the customer
// gets a pro-forma, pays nothing through the platform, and provisioning
// starts when the vendor declares it paid; the vendor owes the fee.
func TestSelfBilledProforma(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		if _, err := f.bill.UpdateSettings(f.as("admin"), billing.SettingsInput{PaymentInstructions: str("IBAN IT60 X054 2811 1010 0000 0123 456")}); err != nil {
			t.Fatal(err)
		}
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Retainer"].ID})
		pf := f.invoices("customer_direct")[0]
		if pf.Kind != billing.KindProforma || pf.Number != "PF-2026-000001" || pf.IssuerOrgID != f.org("vendor_b") || pf.Total.String() != "122.00" {
			t.Fatalf("pro-forma: %s %s by %s, %s", pf.Kind, pf.Number, pf.IssuerOrgID, pf.Total)
		}
		// The marketplace's bank details are not the seller's: the
		// pro-forma sends the customer to the seller instead.
		doc, err := f.bill.PDFDocument(context.Background(), pf.ID)
		if err != nil || doc.PaymentInstructions != "" || len(doc.Notes) == 0 || !strings.Contains(doc.Notes[len(doc.Notes)-1], pf.Issuer.Name) {
			t.Fatalf("pro-forma pdf: instructions %q, notes %q, %v", doc.PaymentInstructions, doc.Notes, err)
		}
		if f.sub(o.SubscriptionID).Provisioning != subscription.ProvWaitingPayment {
			t.Fatal("a self-billed sale started before it was declared paid")
		}
		_, err = f.bill.RecordPayment(f.as("admin"), pf.ID, billing.PaymentInput{Reference: "X", ReceivedOn: start})
		wantCode(t, err, "proforma_declared")
		_, err = f.bill.DeclarePaid(f.as("vendor_a"), pf.ID, "")
		wantCode(t, err, "invoice_not_found")
		_, err = f.bill.DeclarePaid(f.as("customer_direct"), pf.ID, "")
		wantCode(t, err, "not_issuer")
		if _, err := f.bill.DeclarePaid(f.as("vendor_b"), pf.ID, "wire 778"); err != nil {
			t.Fatal(err)
		}
		f.deliver() // invoice.paid pays the order
		if f.sub(o.SubscriptionID).Provisioning != subscription.ProvPending {
			t.Fatal("declaring the pro-forma paid did not start provisioning")
		}
		bal, err := f.bill.VendorBalance(f.as("vendor_b"), f.org("vendor_b"), "2026-04")
		if err != nil || bal.Lines[0].CollectedDirectly.String() != "100.00" || bal.Lines[0].PlatformFee.String() != "20.00" ||
			bal.Lines[0].AmountDue.String() != "-20.00" {
			t.Fatalf("self-billing vendor's balance: %+v %v", bal, err)
		}
	})
}

// An upgrade mid-period is invoiced at once: the new plan for the rest of
// the period and the unused part of the old as a negative line.
func TestUpgradeInvoicedWithProration(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		f.pay(f.invoices("customer_direct")[0])
		f.advance(start.Add(10 * 24 * time.Hour)) // 480 of 720 hours left
		if _, err := f.subs.ChangePlan(f.as("customer_direct"), o.SubscriptionID, subscription.ChangeInput{PlanID: f.plans["Pro"].ID}); err != nil {
			t.Fatal(err)
		}
		f.run()
		invs := f.invoices("customer_direct")
		up := invs[len(invs)-1]
		// 60 × 480/720 = 40.00 charged, 30 × 480/720 = 20.00 credited.
		if len(up.Lines) != 2 || up.Lines[0].Amount.String() != "40.00" || up.Lines[1].Amount.String() != "-20.00" ||
			up.Subtotal.String() != "20.00" || up.Total.String() != "24.40" {
			t.Fatalf("upgrade invoice: %v %s", amounts(up), up.Total)
		}
		// The vendor gets the same proration of its price, less its fee.
		if v := f.balance("vendor_a", "operator"); v != 3200+1600 {
			t.Fatalf("vendor's balance: %d", v)
		}
		f.pay(up)
		if s := f.sub(o.SubscriptionID); s.PaymentDue {
			t.Fatal("the upgrade's payment is still due")
		}
	})
}

// A subscription renewed by hand gets its renewal invoice with the first
// reminder; paid late inside the grace period it renews. One left unpaid
// is suspended, then destroyed, and its renewal invoice credited.
func TestManualRenewalInvoices(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		paid := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Manual"].ID})
		unpaid := f.order("customer_a1", subscription.PlaceOrderInput{PlanID: f.plans["Manual"].ID})
		f.pay(f.invoices("customer_direct")[0])
		f.pay(f.invoices("customer_a1")[0])
		expiry := start.AddDate(0, 1, 0)
		f.advance(expiry.AddDate(0, 0, -14).Add(time.Minute))
		ren := f.invoices("customer_direct")
		if len(ren) != 2 || ren[1].Total.String() != "18.30" || !ren[1].Lines[0].PeriodStart.Equal(expiry) {
			t.Fatalf("renewal invoice: %d invoices, %v", len(ren), amounts(ren[len(ren)-1]))
		}
		f.advance(expiry.AddDate(0, 0, 3))
		if s := f.sub(paid.SubscriptionID); s.Status != subscription.StatusSuspended {
			t.Fatalf("unpaid at expiry: %s", s.Status)
		}
		f.pay(ren[1])
		if s := f.sub(paid.SubscriptionID); s.Status != subscription.StatusActive || !s.CurrentPeriodStart.Equal(expiry) {
			t.Fatalf("paid inside the grace period: %s from %v", s.Status, s.CurrentPeriodStart)
		}
		// No second invoice for the period the renewal invoice charged (the
		// next renewal is invoiced with its first reminder, on 18 May).
		f.advance(expiry.AddDate(0, 0, 16).Add(time.Hour))
		if all := f.invoices("customer_direct"); len(all) != 2 {
			for _, i := range all {
				t.Log(i.Number, i.Status, amounts(i), i.Lines[0].PeriodStart)
			}
			t.Fatalf("%d invoices after the renewal", len(all))
		}
		if s := f.sub(unpaid.SubscriptionID); s.Status != subscription.StatusExpired {
			t.Fatalf("never paid: %s", s.Status)
		}
		other := f.invoices("customer_a1")
		if other[1].Status != billing.StatusVoid {
			t.Fatalf("the unpaid renewal invoice is %s", other[1].Status)
		}
		if c := f.balance("operator", "customer_a1"); c != 0 {
			t.Fatalf("the lapsed customer still owes %d", c)
		}
	})
}

// The upcoming invoice is what the next run makes.
func TestUpcomingEqualsTheRun(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		p := f.plans["Metered"]
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: p.ID})
		f.pay(f.invoices("customer_direct")[0])
		if _, err := f.bill.RecordUsage(f.as("vendor_a"), o.SubscriptionID, billing.UsageInput{Item: "api_calls", Quantity: dec("1234")}); err != nil {
			t.Fatal(err)
		}
		up, err := f.bill.UpcomingInvoice(f.as("customer_direct"), f.org("customer_direct"))
		if err != nil || up.BillAt == nil || !up.BillAt.Equal(start.AddDate(0, 1, 0)) || len(up.Invoices) != 1 {
			t.Fatalf("upcoming: %+v %v", up, err)
		}
		f.advance(start.AddDate(0, 1, 0).Add(time.Minute))
		invs := f.invoices("customer_direct")
		got, want := invs[len(invs)-1], up.Invoices[0]
		if got.Total != want.Total || got.Tax != want.Tax || len(got.Lines) != len(want.Lines) {
			t.Fatalf("upcoming %s (%v), invoiced %s (%v)", want.Total, amounts(want), got.Total, amounts(got))
		}
		for i := range got.Lines {
			if got.Lines[i].Description != want.Lines[i].Description || got.Lines[i].Amount != want.Lines[i].Amount {
				t.Fatalf("line %d: upcoming %s, invoiced %s", i+1, amounts(want)[i], amounts(got)[i])
			}
		}
		_, err = f.bill.UpcomingInvoice(f.as("customer_a1"), f.org("customer_direct"))
		wantCode(t, err, "organization_not_found")
	})
}

// A business customer in another country with a tax id is reverse-charged.
func TestReverseCharge(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		if _, err := f.w.Svc.UpdateOrganization(sys(), f.org("customer_direct"), identity.UpdateOrganizationInput{Country: str("DE"),
			TaxID: str("DE123456789"), Address: str("Unter den Linden 1\n10117 Berlin")}); err != nil {
			t.Fatal(err)
		}
		f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID})
		inv := f.invoices("customer_direct")[0]
		if !inv.ReverseCharge || !inv.Tax.IsZero() || inv.Total.String() != "60.00" || inv.Recipient.TaxID != "DE123456789" ||
			inv.Recipient.Address != "Unter den Linden 1\n10117 Berlin" {
			t.Fatalf("reverse charge: %+v", inv)
		}
		pdf, name, err := f.bill.InvoicePDF(f.as("customer_direct"), inv.ID)
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) || name != inv.Number+".pdf" {
			t.Fatalf("pdf: %s %v", name, err)
		}
	})
}

// With drafts the rule, a run makes unnumbered drafts that post nothing
// until an administrator issues them.
func TestDraftsWaitToBeIssued(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		if _, err := f.bill.UpdateSettings(f.as("admin"), billing.SettingsInput{AutoIssue: ptr(false), PaymentInstructions: str("IBAN IT60 X054 2811 1010 0000 0123 456")}); err != nil {
			t.Fatal(err)
		}
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		d := f.invoices("customer_direct")[0]
		if d.Status != billing.StatusDraft || d.Number != "" || f.count("ledger_entries") != 0 {
			t.Fatalf("draft: %s %q", d.Status, d.Number)
		}
		_, err := f.bill.RecordPayment(f.as("admin"), d.ID, billing.PaymentInput{Reference: "X", ReceivedOn: start})
		wantCode(t, err, "invoice_not_issued")
		issued, err := f.bill.Issue(f.as("admin"), d.ID)
		if err != nil || issued.Number != "INV-2026-000001" || issued.Status != billing.StatusIssued || f.count("ledger_entries") == 0 {
			t.Fatalf("issued: %+v %v", issued, err)
		}
		doc, err := f.bill.PDFDocument(context.Background(), issued.ID)
		if err != nil || doc.PaymentInstructions != "IBAN IT60 X054 2811 1010 0000 0123 456\nReference: INV-2026-000001" {
			t.Fatalf("invoice pdf instructions %q, %v", doc.PaymentInstructions, err)
		}
		_, err = f.bill.Issue(f.as("admin"), d.ID)
		wantCode(t, err, "invoice_not_draft")
		f.pay(issued)
		if f.sub(o.SubscriptionID).Provisioning != subscription.ProvPending {
			t.Fatal("paying the issued draft did not start provisioning")
		}
		_ = context.Background()
	})
}
