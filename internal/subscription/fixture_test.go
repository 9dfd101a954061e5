package subscription_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/queue"
	"github.com/nephele-cloud/nephele/internal/services/servicestest"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

var (
	dec  = catalogtest.D
	decp = catalogtest.DP
	str  = catalogtest.Ptr[string]
)

// start is the first day of April 2026: a 30-day month of 720 hours.
var start = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

type fixture struct {
	t     *testing.T
	d     *db.DB
	url   string
	clock *clock.Test
	w     *identitytest.World
	cat   *catalog.Service
	ch    *channel.Service
	svc   *subscription.Service
	world *servicestest.World
	plans map[string]catalog.Plan
}

func plan(name, kind string, price string, mods ...func(*catalog.PlanInput)) catalog.PlanInput {
	in := catalog.PlanInput{Name: str(name), PricingKind: str(kind), Currency: str("EUR"), RecurringPrice: decp(price)}
	for _, m := range mods {
		m(&in)
	}
	return in
}

func setup(t *testing.T, e db.Engine) *fixture {
	t.Helper()
	clk := clock.NewTest(start)
	d, url := dbtest.OpenURL(t, e, dbtest.Options{Clock: clk})
	world := servicestest.New(t, d, servicestest.Options{})
	w, cat, ch, svc := world.Market, world.Catalog, world.Channel, world.Subs
	f := &fixture{t: t, d: d, url: url, clock: clk, w: w, cat: cat, ch: ch, svc: svc, world: world, plans: map[string]catalog.Plan{}}

	sys := actor.With(context.Background(), actor.System)
	drive, err := cat.CreateProduct(sys, catalog.CreateProductInput{OwnerOrgID: w.Orgs["vendor_a"].ID, ProductInput: catalog.ProductInput{Name: str("Drive")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []catalog.PlanInput{
		plan("Basic", "renewable_months", "30.00", func(in *catalog.PlanInput) { in.SetupFee = decp("10.00") }),
		plan("Pro", "renewable_months", "60.00"),
		plan("Yearly", "renewable_months", "20.00", func(in *catalog.PlanInput) { in.MinPeriods = catalogtest.Ptr(12) }),
		plan("Hourly", "renewable_hours", "1.20", func(in *catalog.PlanInput) { in.PeriodCount = catalogtest.Ptr(24) }),
		plan("Trial", "renewable_months", "25.00", func(in *catalog.PlanInput) { in.TrialDays = catalogtest.Ptr(14) }),
		plan("Manual", "renewable_months", "15.00", func(in *catalog.PlanInput) { in.AutoRenew = catalogtest.Ptr(false) }),
		plan("Perpetual", "everlasting", "100.00"),
		plan("Perpetual Plus", "everlasting", "150.00"),
	} {
		p, err := cat.CreatePlan(sys, drive.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		f.plans[p.Name] = p
	}
	// Basic upgrades to Pro; Pro downgrades to Basic.
	if _, _, err := cat.UpdatePlan(sys, f.plans["Basic"].ID, catalog.PlanInput{Upgrades: &[]string{f.plans["Pro"].ID}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cat.UpdatePlan(sys, f.plans["Pro"].ID, catalog.PlanInput{Downgrades: &[]string{f.plans["Basic"].ID}}); err != nil {
		t.Fatal(err)
	}
	for name := range f.plans {
		if f.plans[name], err = cat.GetPlan(sys, f.plans[name].ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cat.SubmitProduct(sys, drive.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.ApproveProduct(sys, drive.ID); err != nil {
		t.Fatal(err)
	}
	mail, err := cat.CreateProduct(sys, catalog.CreateProductInput{OwnerOrgID: w.Orgs["vendor_b"].ID, ProductInput: catalog.ProductInput{
		Name: str("Mail"), RequiresApproval: catalogtest.Ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	mp, err := cat.CreatePlan(sys, mail.ID, plan("Mail", "renewable_months", "12.00"))
	if err != nil {
		t.Fatal(err)
	}
	f.plans["Mail"] = mp
	if _, err := cat.SubmitProduct(sys, mail.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.ApproveProduct(sys, mail.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

// as acts as a fixture user.
func (f *fixture) as(who string) context.Context { return f.w.As(f.t, who) }

// order places an order as who.
func (f *fixture) order(who string, in subscription.PlaceOrderInput) subscription.Order {
	f.t.Helper()
	o, err := f.svc.PlaceOrder(f.as(who), in)
	if err != nil {
		f.t.Fatalf("order %+v: %v", in, err)
	}
	return o
}

func (f *fixture) pay(orderID string) {
	f.t.Helper()
	if err := f.svc.OrderPaid(actor.With(context.Background(), actor.System), orderID); err != nil {
		f.t.Fatalf("pay %s: %v", orderID, err)
	}
}

func (f *fixture) deploy(subID string) {
	f.t.Helper()
	eps := []subscription.Endpoint{{Name: "Console", URL: "https://console.drive.example/x"}}
	if _, err := f.svc.SetProvisioning(f.as("vendor_a"), subID, subscription.ProvisioningInput{Status: subscription.ProvDeployed, Endpoints: &eps}); err != nil {
		f.t.Fatalf("deploy: %v", err)
	}
}

func (f *fixture) sub(id string) subscription.Subscription {
	f.t.Helper()
	s, err := f.svc.GetSubscription(f.as("admin"), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// advance walks the clock to t, doing the work due on the way.
func (f *fixture) advance(to time.Time) {
	f.t.Helper()
	if err := f.svc.Advance(context.Background(), f.clock, to, nil); err != nil {
		f.t.Fatalf("advance to %s: %v", to, err)
	}
}

func (f *fixture) orders(subID, typ string) []subscription.Order {
	f.t.Helper()
	os, _, err := f.svc.ListOrders(f.as("admin"), subscription.OrderFilter{SubscriptionID: subID, Type: typ})
	if err != nil {
		f.t.Fatal(err)
	}
	slices.Reverse(os) // oldest first
	return os
}

func (f *fixture) events(typ, subID string) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE type = $1 AND subject_id = $2`, typ, subID).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// periodsStarted lists the periods of subscription subID that
// subscription.periods_started events announced, in order.
func (f *fixture) periodsStarted(subID string) []subscription.PeriodEvent {
	f.t.Helper()
	data, err := db.Select(context.Background(), f.d, func(sc db.Scanner) (string, error) {
		var d string
		return d, sc.Scan(&d)
	}, `SELECT data FROM events WHERE type = 'subscription.periods_started' ORDER BY id`)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []subscription.PeriodEvent
	for _, d := range data {
		var ps subscription.PeriodsStarted
		if err := json.Unmarshal([]byte(d), &ps); err != nil {
			f.t.Fatal(err)
		}
		for _, p := range ps.Periods {
			if p.SubscriptionID == subID {
				out = append(out, p)
			}
		}
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || (e.Code != code && !slices.ContainsFunc(e.Fields, func(f errs.FieldError) bool { return f.Code == code })) {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

// each runs a lifecycle test on both engines.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t, e))
		})
	}
}

// withTaxes makes the fixture's subscription service one that estimates
// orders' tax with t, wired otherwise as the world wires it.
func (f *fixture) withTaxes(t subscription.TaxEstimator) {
	w := f.world
	q, err := queue.New(f.d, queue.Config{})
	if err != nil {
		f.t.Fatal(err)
	}
	// Its own outbox: the world's already has the subscription service's
	// subscribers.
	f.svc = subscription.New(f.d, subscription.Deps{Audit: w.Audit, Outbox: outbox.New(f.d, q, nil), Directory: w.Identity, Catalog: w.Catalog,
		Channel: w.Channel, Taxes: t}, subscription.DefaultConfig, nil)
}
