package billing_test

import (
	"slices"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Usage is recorded per period by the vendor and invoiced in arrears, with
// the next period's licence on the same invoice; a postpaid extra without
// usage bills its ordered quantity; once invoiced the usage is final.
func TestUsageInvoicedInArrears(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		p := f.plans["Metered"]
		backup := p.Extras[0].ID
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: p.ID, Quantities: decimals(map[string]string{backup: "4"})})
		f.pay(f.invoices("customer_direct")[0])
		vendor := f.as("vendor_a")
		if _, err := f.bill.RecordUsage(vendor, o.SubscriptionID, billing.UsageInput{Item: "api_calls", Quantity: dec("180")}); err != nil {
			t.Fatal(err)
		}
		// A correction replaces the value.
		u, err := f.bill.RecordUsage(vendor, o.SubscriptionID, billing.UsageInput{Item: "api_calls", Quantity: dec("250")})
		if err != nil || !u.PeriodStart.Equal(start) || u.Name != "API calls" {
			t.Fatalf("usage: %+v %v", u, err)
		}
		// Who may report, and what.
		_, err = f.bill.RecordUsage(f.as("vendor_b"), o.SubscriptionID, billing.UsageInput{Item: "api_calls", Quantity: dec("1")})
		wantCode(t, err, "subscription_not_found")
		_, err = f.bill.RecordUsage(f.as("customer_direct"), o.SubscriptionID, billing.UsageInput{Item: "api_calls", Quantity: dec("1")})
		wantCode(t, err, "not_vendor")
		_, err = f.bill.RecordUsage(vendor, o.SubscriptionID, billing.UsageInput{Item: "gpu_hours", Quantity: dec("1")})
		wantCode(t, err, "unknown_item")
		_, err = f.bill.RecordUsage(vendor, o.SubscriptionID, billing.UsageInput{Item: "api_calls", Quantity: dec("-1")})
		wantCode(t, err, "out_of_range")
		_, err = f.bill.RecordUsage(vendor, o.SubscriptionID, billing.UsageInput{Item: "api_calls", Quantity: dec("1"), PeriodStart: start.Add(time.Hour)})
		wantCode(t, err, "no_such_period")

		f.advance(start.AddDate(0, 1, 0).Add(time.Minute))
		invs := f.invoices("customer_direct")
		if len(invs) != 2 {
			t.Fatalf("%d invoices", len(invs))
		}
		got := amounts(invs[1])
		want := []string{"Drive Metered: Licence, 1 month=5.00", "Drive Metered: API calls: 250 call, 100 included=1.50", "Drive Metered: Backup: 4 GB=2.00"}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Fatalf("second invoice %v lacks %s", got, w)
			}
		}
		for _, l := range invs[1].Lines {
			if l.Kind != "licence" && (!l.PeriodStart.Equal(start) || !l.PeriodEnd.Equal(start.AddDate(0, 1, 0))) {
				t.Fatalf("usage line %s for %v - %v", l.Description, l.PeriodStart, l.PeriodEnd)
			}
		}
		_, err = f.bill.RecordUsage(vendor, o.SubscriptionID, billing.UsageInput{Item: "api_calls", Quantity: dec("9"), PeriodStart: start})
		wantCode(t, err, "period_invoiced")
		us, err := f.bill.ListUsage(f.as("customer_direct"), o.SubscriptionID)
		if err != nil || len(us) != 1 || !us[0].Invoiced || !us[0].Quantity.Equal(dec("250")) {
			t.Fatalf("usage list: %+v %v", us, err)
		}
		// The vendor is owed its usage price too.
		bal, err := f.bill.VendorBalance(f.as("vendor_a"), f.org("vendor_a"), "2026-05")
		if err != nil || bal.Lines[0].UsageRevenue.String() != "3.50" || bal.Lines[0].LicenceRevenue.String() != "5.00" {
			t.Fatalf("May balance: %+v %v", bal, err)
		}
	})
}

// Trials and sandboxes charge their infrastructure to the vendor, which
// its balance report subtracts.
func TestTrialAndSandboxCostsChargedToVendor(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		f.order("customer_direct", subscription.PlaceOrderInput{Type: "trial", PlanID: f.plans["Trial"].ID})
		if n := len(f.invoices("customer_direct")); n != 0 {
			t.Fatalf("the trial customer got %d invoices", n)
		}
		vinv := f.invoices("vendor_a")
		// 2.00 a month of 720 hours, 336 of them for 14 days: 0.93.
		if len(vinv) != 1 || vinv[0].Subtotal.String() != "0.93" || vinv[0].IssuerOrgID != f.org("operator") || vinv[0].Lines[0].Kind != "vendor_cost" {
			t.Fatalf("vendor invoices: %+v", vinv)
		}
		f.order("vendor_a", subscription.PlaceOrderInput{Type: "sandbox", PlanID: f.plans["Trial"].ID})
		vinv = f.invoices("vendor_a")
		if len(vinv) != 2 || vinv[1].Subtotal.String() != "2.00" {
			t.Fatalf("sandbox cost: %v", amounts(vinv[len(vinv)-1]))
		}
		bal, err := f.bill.VendorBalance(f.as("vendor_a"), f.org("vendor_a"), "2026-04")
		if err != nil || bal.Lines[0].VendorCosts.String() != "2.93" || bal.Lines[0].AmountDue.String() != "-2.93" {
			t.Fatalf("balance: %+v %v", bal, err)
		}
	})
}
