package billing_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/schedule"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/services/servicestest"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

var (
	dec  = catalogtest.D
	decp = catalogtest.DP
	str  = catalogtest.Ptr[string]
	eur  = money.MustCurrency("EUR")
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
	subs  *subscription.Service
	bill  *billing.Service
	led   *ledger.Ledger
	ob    *outbox.Outbox
	plans map[string]catalog.Plan
}

func plan(name, kind string, price string, mods ...func(*catalog.PlanInput)) catalog.PlanInput {
	in := catalog.PlanInput{Name: str(name), PricingKind: str(kind), Currency: str("EUR"), RecurringPrice: decp(price)}
	for _, m := range mods {
		m(&in)
	}
	return in
}

func sys() context.Context { return actor.With(context.Background(), actor.System) }

// services2 wires a second process's services on d, over the world the
// first one made.
func services2(t testing.TB, d *db.DB) (*identity.Service, *catalog.Service, *channel.Service, *subscription.Service, *billing.Service, *ledger.Ledger, *outbox.Outbox) {
	t.Helper()
	s := servicestest.Services(t, d, servicestest.Options{Billing: billing.Config{BatchPayers: 2}, BatchCustomers: 2})
	return s.Identity, s.Catalog, s.Channel, s.Subs, s.Billing, s.Ledger, s.Outbox
}

// services wires billing and what it needs on d, in small batches so
// tests cross batch boundaries.
func services(t testing.TB, d *db.DB) (*identitytest.World, *catalog.Service, *channel.Service, *subscription.Service, *billing.Service, *ledger.Ledger, *outbox.Outbox) {
	t.Helper()
	return servicesWith(t, d, billing.Config{BatchPayers: 2})
}

// servicesWith wires billing configured with cfg and what it needs on d.
func servicesWith(t testing.TB, d *db.DB, cfg billing.Config) (*identitytest.World, *catalog.Service, *channel.Service, *subscription.Service, *billing.Service, *ledger.Ledger, *outbox.Outbox) {
	t.Helper()
	w := servicestest.New(t, d, servicestest.Options{Billing: cfg, BatchCustomers: 2})
	return w.Market, w.Catalog, w.Channel, w.Subs, w.Billing, w.Ledger, w.Outbox
}

func setup(t *testing.T, e db.Engine) *fixture {
	t.Helper()
	clk := clock.NewTest(start)
	d, url := dbtest.OpenURL(t, e, dbtest.Options{Clock: clk})
	w, cat, ch, subs, bill, led, ob := services(t, d)
	f := &fixture{t: t, d: d, url: url, clock: clk, w: w, cat: cat, ch: ch, subs: subs, bill: bill, led: led, ob: ob, plans: map[string]catalog.Plan{}}
	// Every test ends with a balanced ledger and invoices whose parties
	// exist.
	t.Cleanup(func() {
		if err := led.Check(context.Background()); err != nil {
			t.Errorf("ledger: %v", err)
		}
		if err := bill.Check(context.Background()); err != nil {
			t.Error(err)
		}
	})
	// The operator and its customers are in Italy (22 % VAT); Germany
	// reverse-charges business customers from abroad.
	for _, r := range []billing.TaxRateInput{
		{Country: str("IT"), Rate: decp("22"), Name: str("VAT IT")},
		{Country: str("IT"), Category: str("ebooks"), Rate: decp("4"), Name: str("VAT IT reduced")},
		{Country: str("DE"), Rate: decp("19"), Name: str("VAT DE"), ReverseCharge: catalogtest.Ptr(true)},
	} {
		if _, err := bill.CreateTaxRate(f.as("admin"), r); err != nil {
			t.Fatal(err)
		}
	}
	f.product("vendor_a", "Drive", false,
		plan("Basic", "renewable_months", "30.00", func(in *catalog.PlanInput) { in.SetupFee = decp("10.00") }),
		plan("Pro", "renewable_months", "60.00"),
		plan("Yearly", "renewable_months", "20.00", func(in *catalog.PlanInput) { in.MinPeriods = catalogtest.Ptr(12) }),
		plan("Hourly", "renewable_hours", "1.20", func(in *catalog.PlanInput) { in.PeriodCount = catalogtest.Ptr(24) }),
		plan("Trial", "renewable_months", "25.00", func(in *catalog.PlanInput) {
			in.TrialDays, in.IaaSCost = catalogtest.Ptr(14), decp("2.00")
		}),
		plan("Manual", "renewable_months", "15.00", func(in *catalog.PlanInput) { in.AutoRenew = catalogtest.Ptr(false) }),
		plan("Metered", "renewable_months", "5.00", func(in *catalog.PlanInput) {
			in.Metrics = &[]catalog.MetricInput{{Key: "api_calls", Name: "API calls", Unit: "call", Aggregation: "sum", Included: dec("100"),
				Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: dec("0.01")}}}
			in.Extras = &[]catalog.ExtraInput{{Name: "Backup", Unit: "GB", Billing: "postpaid",
				Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: dec("0.50")}}}
		}),
		catalogtest.SeedPlanInput("Seed"),
	)
	if _, _, err := cat.UpdatePlan(sys(), f.plans["Basic"].ID, catalog.PlanInput{Upgrades: &[]string{f.plans["Pro"].ID}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cat.UpdatePlan(sys(), f.plans["Pro"].ID, catalog.PlanInput{Downgrades: &[]string{f.plans["Basic"].ID}}); err != nil {
		t.Fatal(err)
	}
	for name := range f.plans {
		p, err := cat.GetPlan(sys(), f.plans[name].ID)
		if err != nil {
			t.Fatal(err)
		}
		f.plans[name] = p
	}
	f.product("vendor_b", "Consulting", true, plan("Retainer", "renewable_months", "100.00"))
	return f
}

// product publishes a product of vendor with plans, recording them by name.
func (f *fixture) product(vendor, name string, selfBilled bool, plans ...catalog.PlanInput) catalog.Product {
	f.t.Helper()
	p, ps := catalogtest.Published(f.t, f.cat, f.w.Orgs[vendor].ID, name, plans...)
	if selfBilled {
		var err error
		if p, err = f.cat.UpdateProduct(sys(), p.ID, catalog.ProductInput{SelfBilled: catalogtest.Ptr(true)}); err != nil {
			f.t.Fatal(err)
		}
	}
	for _, pl := range ps {
		f.plans[pl.Name] = pl
	}
	return p
}

// markups sets the channel's price lists: wholesale -20 %, the
// distributor's sell-in +10 %, reseller_a's sell-out +25 %.
func (f *fixture) markups() {
	f.t.Helper()
	pct := func(v string) *pricing.Markup { return &pricing.Markup{Kind: pricing.MarkupPercent, Value: dec(v)} }
	all := func(v string) *pricing.ChargeMarkups {
		return &pricing.ChargeMarkups{Recurring: pct(v), Extras: pct(v), Usage: pct(v), OneOff: pct(v), IaaS: pct(v)}
	}
	for _, l := range []struct {
		owner, tier, v string
	}{{"operator", channel.Wholesale, "-20"}, {"distributor", channel.SellIn, "10"}, {"reseller_a", channel.SellOut, "25"}} {
		if _, err := f.ch.CreatePriceCatalog(sys(), channel.PriceCatalogInput{OwnerOrgID: f.org(l.owner), Tier: l.tier, Name: str(l.tier + " list"),
			Markups: all(l.v), IsDefault: catalogtest.Ptr(true)}); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) as(who string) context.Context { return f.w.As(f.t, who) }

func (f *fixture) org(who string) string { return f.w.Orgs[who].ID }

// order places an order as who and delivers its events.
func (f *fixture) order(who string, in subscription.PlaceOrderInput) subscription.Order {
	f.t.Helper()
	o, err := f.subs.PlaceOrder(f.as(who), in)
	if err != nil {
		f.t.Fatalf("order %+v: %v", in, err)
	}
	f.run()
	return o
}

// run delivers pending events and runs billing now.
func (f *fixture) run() {
	f.t.Helper()
	if _, err := f.ob.DeliverPending(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.bill.RunDue(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

// advance walks the clock to t running the lifecycle and billing on the
// way, events delivered after every step.
func (f *fixture) advance(to time.Time) {
	f.t.Helper()
	err := schedule.Advance(context.Background(), f.clock, to, []schedule.Work{f.subs, f.bill}, func(ctx context.Context) error {
		_, err := f.ob.DeliverPending(ctx)
		return err
	})
	if err != nil {
		f.t.Fatalf("advance to %s: %v", to, err)
	}
}

func (f *fixture) sub(id string) subscription.Subscription {
	f.t.Helper()
	s, err := f.subs.GetSubscription(f.as("admin"), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// invoices lists the documents a party received, oldest first, with lines.
func (f *fixture) invoices(who string) []billing.Invoice {
	f.t.Helper()
	list, _, err := f.bill.ListInvoices(f.as("admin"), billing.InvoiceFilter{RecipientOrgID: f.org(who)})
	if err != nil {
		f.t.Fatal(err)
	}
	slices.Reverse(list)
	for i := range list {
		if list[i], err = f.bill.GetInvoice(f.as("admin"), list[i].ID); err != nil {
			f.t.Fatal(err)
		}
	}
	return list
}

// pay pays an invoice in full by bank transfer and delivers the events
// that follow (the paid invoice pays its orders), as the workers would.
func (f *fixture) pay(inv billing.Invoice) {
	f.t.Helper()
	if _, err := f.bill.RecordPayment(f.as("admin"), inv.ID, billing.PaymentInput{Reference: "SLIP-" + inv.Number, ReceivedOn: f.clock.Now()}); err != nil {
		f.t.Fatalf("pay %s: %v", inv.Number, err)
	}
	f.deliver()
}

// deliver hands every pending event to its subscribers, as the workers
// would.
func (f *fixture) deliver() {
	f.t.Helper()
	if _, err := f.ob.DeliverPending(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

// balance is what counterparty owes party in the ledger (negative: what
// party owes it).
func (f *fixture) balance(party, counterparty string) int64 {
	f.t.Helper()
	sums, err := f.led.Sums(context.Background(), f.org(party), time.Time{}, time.Time{})
	if err != nil {
		f.t.Fatal(err)
	}
	var n money.WideSum
	for _, s := range sums {
		if s.CounterpartyID == f.org(counterparty) {
			n = n.AddWide(s.Amount)
		}
	}
	v, ok := n.Int64()
	if !ok {
		f.t.Fatalf("balance %s does not fit in int64", n)
	}
	return v
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || (e.Code != code && !slices.ContainsFunc(e.Fields, func(f errs.FieldError) bool { return f.Code == code })) {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

// each runs a test on both engines.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t, e))
		})
	}
}

// amounts lists lines as "description=amount".
func amounts(inv billing.Invoice) []string {
	var out []string
	for _, l := range inv.Lines {
		out = append(out, l.Description+"="+l.Amount.String())
	}
	return out
}

func decimals(m map[string]string) map[string]money.Decimal {
	out := map[string]money.Decimal{}
	for k, v := range m {
		out[k] = dec(v)
	}
	return out
}
