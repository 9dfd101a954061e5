package web

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/schedule"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// customerStart is 1 April 2026: a 30-day month of 720 hours.
var customerStart = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

// customerFixture is a marketplace where customer_direct subscribes to
// Drive Basic with 2 seats, paid and deployed:
//
//   - Drive (vendor_a): Basic at 30.00 a month with a 10.00 setup fee and
//     Seats at 5.00 each, upgrading to Pro at 60.00 a month;
//   - Italian VAT at 22 %, and bank details printed on invoices;
//   - the first invoice, INV-2026-000001: 10.00 + 30.00 + 2 × 5.00 = 50.00,
//     plus 11.00 VAT = 61.00, paid by bank transfer.
type customerFixture struct {
	*env
	clock *clock.Test
	plans map[string]catalog.Plan
	// seats is the id of Basic's Seats extra.
	seats string
	// sub is customer_direct's Drive Basic subscription, order its order,
	// inv its first invoice.
	sub   subscription.Subscription
	order subscription.Order
	inv   billing.Invoice
}

const customerIBAN = "IBAN IT60 X054 2811 1010 0000 0123 456"

func newCustomerFixture(t *testing.T) *customerFixture {
	t.Helper()
	clk := clock.NewTest(customerStart)
	f := customerSetup(t, clk)
	f.clock = clk
	return f
}

// customerSetup builds the fixture on a server running on clk.
func customerSetup(t *testing.T, clk clock.Clock) *customerFixture {
	t.Helper()
	f := &customerFixture{env: newEnv(t, envOptions{clock: clk}), plans: map[string]catalog.Plan{}}
	sys := actor.With(context.Background(), actor.System)
	admin := f.as("admin")
	if _, err := f.bill.CreateTaxRate(admin, billing.TaxRateInput{Country: catalogtest.Ptr("IT"), Rate: catalogtest.DP("22"),
		Name: catalogtest.Ptr("VAT IT")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.bill.UpdateSettings(admin, billing.SettingsInput{PaymentInstructions: catalogtest.Ptr(customerIBAN + "\nBeneficiary: Test Marketplace")}); err != nil {
		t.Fatal(err)
	}
	monthly := func(name, price string, mods ...func(*catalog.PlanInput)) catalog.PlanInput {
		in := catalog.PlanInput{Name: catalogtest.Ptr(name), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
			RecurringPrice: catalogtest.DP(price)}
		for _, m := range mods {
			m(&in)
		}
		return in
	}
	_, plans := catalogtest.Published(t, f.cat, f.world.Orgs["vendor_a"].ID, "Drive",
		monthly("Basic", "30.00", func(in *catalog.PlanInput) {
			in.SetupFee = catalogtest.DP("10.00")
			in.Extras = &[]catalog.ExtraInput{{Name: "Seats", Unit: "seat", Billing: "prepaid",
				Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: catalogtest.D("5.00")}}}
		}),
		monthly("Pro", "60.00"),
	)
	for _, p := range plans {
		f.plans[p.Name] = p
	}
	_, retainer := catalogtest.Published(t, f.cat, f.world.Orgs["vendor_b"].ID, "Consulting", monthly("Retainer", "100.00"))
	f.plans["Retainer"] = retainer[0]
	if _, _, err := f.cat.UpdatePlan(sys, f.plans["Basic"].ID, catalog.PlanInput{Upgrades: &[]string{f.plans["Pro"].ID}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.cat.UpdatePlan(sys, f.plans["Pro"].ID, catalog.PlanInput{Downgrades: &[]string{f.plans["Basic"].ID}}); err != nil {
		t.Fatal(err)
	}
	for name, p := range f.plans {
		p, err := f.cat.GetPlan(sys, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.plans[name] = p
	}
	f.seats = f.plans["Basic"].Extras[0].ID

	f.order = f.place("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID,
		Quantities: map[string]money.Decimal{f.seats: catalogtest.D("2")}})
	f.inv = f.invoices("customer_direct")[0]
	f.pay(f.inv)
	if _, err := f.subs.SetProvisioning(f.as("vendor_a"), f.order.SubscriptionID, subscription.ProvisioningInput{
		Status:       subscription.ProvDeployed,
		Endpoints:    &[]subscription.Endpoint{{Name: "Console", URL: "https://drive.example.com/acme"}},
		Instructions: catalogtest.Ptr("Sign in with the admin account below.\nChange its password at once."),
		Credentials:  &map[string]string{"username": "admin@acme", "password": "s3cret-Pa55word"},
	}); err != nil {
		t.Fatal(err)
	}
	f.deliver()
	f.sub = f.subscription(f.order.SubscriptionID)
	f.inv = f.invoice(f.inv.ID)
	return f
}

// as acts as fixture user name (through a real login, at the clock's now).
func (f *customerFixture) as(name string) context.Context { return f.world.As(f.t, name) }

// place places an order as who and delivers its events.
func (f *customerFixture) place(who string, in subscription.PlaceOrderInput) subscription.Order {
	f.t.Helper()
	o, err := f.subs.PlaceOrder(f.as(who), in)
	if err != nil {
		f.t.Fatalf("order %+v: %v", in, err)
	}
	f.deliver()
	return o
}

// invoices lists the documents a customer received, oldest first, with
// their lines.
func (f *customerFixture) invoices(who string) []billing.Invoice {
	f.t.Helper()
	list, _, err := f.bill.ListInvoices(f.as("admin"), billing.InvoiceFilter{RecipientOrgID: f.world.Orgs[who].ID})
	if err != nil {
		f.t.Fatal(err)
	}
	slices.Reverse(list)
	for i := range list {
		list[i] = f.invoice(list[i].ID)
	}
	return list
}

func (f *customerFixture) invoice(id string) billing.Invoice {
	f.t.Helper()
	inv, err := f.bill.GetInvoice(f.as("admin"), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return inv
}

// pay records a bank transfer of what is due and delivers its events.
func (f *customerFixture) pay(inv billing.Invoice) {
	f.t.Helper()
	if _, err := f.bill.RecordPayment(f.as("admin"), inv.ID, billing.PaymentInput{Reference: "SLIP-" + inv.Number, ReceivedOn: f.d.Now(context.Background())}); err != nil {
		f.t.Fatalf("pay %s: %v", inv.Number, err)
	}
	f.deliver()
}

func (f *customerFixture) subscription(id string) subscription.Subscription {
	f.t.Helper()
	s, err := f.subs.GetSubscription(f.as("admin"), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// orders lists a subscription's orders, newest first.
func (f *customerFixture) orders(subID string) []subscription.Order {
	f.t.Helper()
	os, _, err := f.subs.ListOrders(f.as("admin"), subscription.OrderFilter{SubscriptionID: subID})
	if err != nil {
		f.t.Fatal(err)
	}
	return os
}

// advance walks the clock to t running the lifecycle and billing on the
// way, as the workers would. Browser sessions idle out: sign in again.
func (f *customerFixture) advance(to time.Time) {
	f.t.Helper()
	err := schedule.Advance(context.Background(), f.clock, to, []schedule.Work{f.subs, f.bill}, func(ctx context.Context) error {
		_, err := f.ob.DeliverPending(ctx)
		return err
	})
	if err != nil {
		f.t.Fatalf("advance to %s: %v", to, err)
	}
}

// customer signs fixture user name in.
func (f *customerFixture) customer(name string) *client {
	c := f.client()
	c.login(name)
	return c
}
