package channel_test

import (
	"context"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/services/servicestest"
)

var (
	dec  = catalogtest.D
	decp = catalogtest.DP
	str  = catalogtest.Ptr[string]
	yes  = catalogtest.Ptr(true)
)

type fixture struct {
	d    *db.DB
	w    *identitytest.World
	cat  *catalog.Service
	ch   *channel.Service
	ob   *outbox.Outbox
	plan catalog.Plan
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	world := servicestest.New(t, d, servicestest.Options{})
	w, cat, ch := world.Market, world.Catalog, world.Channel
	in := catalogtest.SeedPlanInput("Standard")
	in.RecurringPrice = decp("100.00")
	_, plans := catalogtest.Published(t, cat, w.Orgs["vendor_a"].ID, "Drive", in)
	return fixture{d: d, w: w, cat: cat, ch: ch, ob: world.Outbox, plan: plans[0]}
}

func pct(v string) *pricing.Markup {
	return &pricing.Markup{Kind: pricing.MarkupPercent, Value: dec(v)}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

// chain sets up wholesale +10 %, sell-in +20 % and reseller_a's own price
// of 150.00 for the plan.
func (f fixture) chain(t *testing.T) (wholesale, sellIn, sellOut channel.PriceCatalog) {
	t.Helper()
	var err error
	wholesale, err = f.ch.CreatePriceCatalog(f.w.As(t, "admin"), channel.PriceCatalogInput{Tier: channel.Wholesale, Name: str("Distributors"),
		Markups: &pricing.ChargeMarkups{Recurring: pct("10"), Extras: pct("10")}, IsDefault: yes})
	if err != nil {
		t.Fatal(err)
	}
	sellIn, err = f.ch.CreatePriceCatalog(f.w.As(t, "distributor"), channel.PriceCatalogInput{Tier: channel.SellIn, Name: str("Resellers"),
		Markups: &pricing.ChargeMarkups{Recurring: pct("20")}, IsDefault: yes})
	if err != nil {
		t.Fatal(err)
	}
	sellOut, err = f.ch.CreatePriceCatalog(f.w.As(t, "reseller_a"), channel.PriceCatalogInput{Tier: channel.SellOut, Name: str("Shop"), IsDefault: yes})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ch.SetPlanRule(f.w.As(t, "reseller_a"), sellOut.ID, f.plan.ID, nil, &pricing.PlanPriceOverride{Recurring: decp("150.00")}); err != nil {
		t.Fatal(err)
	}
	return wholesale, sellIn, sellOut
}

func TestThreeLevelChain(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.chain(t)
		admin := f.w.As(t, "admin")
		cases := []struct {
			customer string
			levels   []string // recurring price sold at each level, vendor first
		}{
			{"customer_a1", []string{"100", "110", "132", "150"}}, // vendor → owner → distributor → reseller_a's own price
			{"customer_b1", []string{"100", "110", "132", "132"}}, // reseller_b has no price list yet: passes through
			{"customer_dist", []string{"100", "110", "110"}},      // the distributor's direct customer
			{"customer_direct", []string{"100", "100"}},           // the owner's direct sale at list price
		}
		for _, c := range cases {
			chain, err := f.ch.Resolve(admin, f.plan.ID, f.w.Orgs[c.customer].ID)
			if err != nil {
				t.Fatalf("%s: %v", c.customer, err)
			}
			if len(chain.Levels) != len(c.levels) {
				t.Fatalf("%s: %d levels, want %d", c.customer, len(chain.Levels), len(c.levels))
			}
			for i, want := range c.levels {
				l := chain.Levels[i]
				if !l.Sells.Recurring.Equal(dec(want)) {
					t.Errorf("%s level %d (%s) sells at %s, want %s", c.customer, i, l.OrgKind, l.Sells.Recurring, want)
				}
				if i > 0 && !l.Buys.Recurring.Equal(chain.Levels[i-1].Sells.Recurring) {
					t.Errorf("%s level %d buys at %s, not what the level above sells at", c.customer, i, l.Buys.Recurring)
				}
			}
		}
		// Extras carry their own markup: the tiered range price 5.00 becomes
		// 5.50 at wholesale and stays there (sell-in marks up the licence only).
		chain, _ := f.ch.Resolve(admin, f.plan.ID, f.w.Orgs["customer_b1"].ID)
		if got := chain.Price().Extras[0].Scheme.Ranges[0].UnitPrice; !got.Equal(dec("5.5")) {
			t.Fatalf("extra price %s, want 5.5", got)
		}
		// Only staff see the whole chain.
		_, err := f.ch.Resolve(f.w.As(t, "reseller_a"), f.plan.ID, f.w.Orgs["customer_a1"].ID)
		wantCode(t, err, "permission_denied")
	})
}

// Each party sees only its own buy and sell prices.
func TestPartiesSeeOnlyTheirOwnPrices(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		wholesale, sellIn, sellOut := f.chain(t)
		type view struct {
			who, catalog string
			visible      bool
			relation     string
			buys, sells  string // recurring; buys "" means not shown
		}
		views := []view{
			{"distributor", wholesale.ID, true, "buyer", "", "110"},
			{"distributor", sellIn.ID, true, "owner", "110", "132"},
			{"reseller_a", wholesale.ID, false, "", "", ""},
			{"reseller_a", sellIn.ID, true, "buyer", "", "132"},
			{"reseller_a", sellOut.ID, true, "owner", "132", "150"},
			{"reseller_b", sellOut.ID, false, "", "", ""},
			{"customer_a1", sellOut.ID, true, "buyer", "", "150"},
			{"customer_a1", sellIn.ID, false, "", "", ""},
			{"customer_b1", sellOut.ID, false, "", "", ""},
			{"vendor_a", wholesale.ID, false, "", "", ""},
			{"supervisor", sellOut.ID, true, "staff", "132", "150"},
		}
		for _, v := range views {
			ctx := f.w.As(t, v.who)
			c, err := f.ch.GetPriceCatalog(ctx, v.catalog)
			if !v.visible {
				if !errs.Is(err, "price_catalog_not_found") {
					t.Errorf("%s sees %s: %v", v.who, v.catalog, err)
				}
				continue
			}
			if err != nil || c.Relation != v.relation || (v.relation == "buyer") != (c.Markups == nil) {
				t.Errorf("%s on %s: relation %q, markups shown %v, %v", v.who, v.catalog, c.Relation, c.Markups != nil, err)
				continue
			}
			prices, err := f.ch.CatalogPrices(ctx, v.catalog)
			if err != nil || len(prices) != 1 {
				t.Errorf("%s prices of %s: %v %v", v.who, v.catalog, prices, err)
				continue
			}
			p := prices[0]
			if !p.Sells.Recurring.Equal(dec(v.sells)) || (v.buys == "") != (p.Buys == nil) || (p.Buys != nil && !p.Buys.Recurring.Equal(dec(v.buys))) {
				t.Errorf("%s on %s: sells %s, buys %+v; want %s / %q", v.who, v.catalog, p.Sells.Recurring, p.Buys, v.sells, v.buys)
			}
		}
		// Only the owner changes a catalog.
		_, err := f.ch.UpdatePriceCatalog(f.w.As(t, "reseller_a"), sellIn.ID, channel.PriceCatalogInput{Name: str("Mine")})
		wantCode(t, err, "permission_denied")
		_, err = f.ch.CreatePriceCatalog(f.w.As(t, "reseller_a"), channel.PriceCatalogInput{Tier: channel.Wholesale, Name: str("No")})
		wantCode(t, err, "validation_failed")
		_, err = f.ch.CreatePriceCatalog(f.w.As(t, "customer_a1"), channel.PriceCatalogInput{Tier: channel.SellOut, Name: str("No")})
		wantCode(t, err, "validation_failed")
	})
}

func TestAssignmentsAndOfferings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		_, _, sellOut := f.chain(t)
		other, plans2 := catalogtest.Published(t, f.cat, f.w.Orgs["vendor_b"].ID, "Mail")
		reseller := f.w.As(t, "reseller_a")
		// A second, narrower price list offering only Mail, for one customer.
		vip, err := f.ch.CreatePriceCatalog(reseller, channel.PriceCatalogInput{Tier: channel.SellOut, Name: str("VIP"),
			AllProducts: catalogtest.Ptr(false), Markups: &pricing.ChargeMarkups{Recurring: pct("-10")}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.ch.SetProductOffered(reseller, vip.ID, other.ID, true); err != nil {
			t.Fatal(err)
		}
		a, err := f.ch.AssignCatalog(reseller, f.w.Orgs["customer_a2"].ID, vip.ID)
		if err != nil || a.CatalogID != vip.ID || a.Default {
			t.Fatalf("assign: %+v %v", a, err)
		}
		// customer_a2 now buys Mail at 10 % off, and cannot buy Drive.
		q, err := f.ch.Quote(f.w.As(t, "customer_a2"), channel.QuoteInput{PlanID: plans2[0].ID})
		if err != nil || q.CatalogID != vip.ID {
			t.Fatalf("quote on the VIP list: %+v %v", q.CatalogID, err)
		}
		_, err = f.ch.Quote(f.w.As(t, "customer_a2"), channel.QuoteInput{PlanID: f.plan.ID})
		wantCode(t, err, "plan_not_offered")
		// A peer cannot assign another reseller's customers, nor a customer
		// a catalog of the wrong tier.
		_, err = f.ch.AssignCatalog(f.w.As(t, "reseller_b"), f.w.Orgs["customer_a2"].ID, "")
		wantCode(t, err, "organization_not_found")
		_, err = f.ch.AssignCatalog(f.w.As(t, "distributor"), f.w.Orgs["customer_a2"].ID, vip.ID)
		wantCode(t, err, "price_catalog_not_found")
		// Back to the default.
		if a, err := f.ch.AssignCatalog(reseller, f.w.Orgs["customer_a2"].ID, ""); err != nil || a.CatalogID != sellOut.ID || !a.Default {
			t.Fatalf("unassign: %+v %v", a, err)
		}
		// Offerings feed the catalog: the reseller may bundle and discount
		// what it offers, not what it does not.
		ok, err := f.ch.Offers(context.Background(), f.w.Orgs["reseller_a"].ID, other.ID)
		if err != nil || !ok {
			t.Fatalf("reseller_a offers Mail: %v %v", ok, err)
		}
		ok, _ = f.ch.Offers(context.Background(), f.w.Orgs["vendor_b"].ID, other.ID)
		if ok {
			t.Fatal("a vendor offers through no price catalog")
		}
		// The default catalog cannot be archived; a used one neither.
		_, err = f.ch.ArchivePriceCatalog(reseller, sellOut.ID)
		wantCode(t, err, "default_catalog")
	})
}

func TestQuotes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.w.As(t, "customer_direct")
		q15 := map[string]money.Decimal{}
		for _, x := range f.plan.Extras {
			q15[x.ID] = dec("15")
		}
		// The reference example, at list price, through the quote.
		q, err := f.ch.Quote(ctx, channel.QuoteInput{PlanID: f.plan.ID, Quantities: q15})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, l := range q.Lines {
			if l.Kind == pricing.LineExtraResource {
				got[l.ExtraID] = l.Amount.String()
			}
		}
		for i, want := range []string{"63.00", "45.00", "100.00"} { // tiered, volume, stairstep
			if x := f.plan.Extras[i]; got[x.ID] != want {
				t.Errorf("%s: %s, want %s", x.Name, got[x.ID], want)
			}
		}
		// Invalid combinations answer specific codes.
		cases := []struct {
			in   channel.QuoteInput
			code string
		}{
			{channel.QuoteInput{PlanID: f.plan.ID, Periods: 0, Quantities: map[string]money.Decimal{f.plan.Extras[0].ID: dec("2.5")}}, "quantity_not_whole"},
			{channel.QuoteInput{PlanID: f.plan.ID, Quantities: map[string]money.Decimal{"xtr_unknown": dec("1")}}, "unknown_extra"},
			{channel.QuoteInput{PlanID: f.plan.ID, CouponCode: "NOPE"}, "coupon_not_found"},
			{channel.QuoteInput{PlanID: "pln_01aaaaaaaaaaaaaaaaaaaaaaaa"}, "plan_not_found"},
		}
		for i, c := range cases {
			_, err := f.ch.Quote(ctx, c.in)
			if e, ok := errs.As(err); !ok || e.Kind != errs.KindInvalid || (e.Code != c.code && !hasFieldCode(e, c.code)) {
				t.Errorf("case %d: %v, want %s", i, err, c.code)
			}
		}
		// An unpublished plan is not for sale.
		draft, err := f.cat.CreateProduct(actor.With(context.Background(), actor.System), catalog.CreateProductInput{
			OwnerOrgID: f.w.Orgs["vendor_a"].ID, ProductInput: catalog.ProductInput{Name: str("Draft")}})
		if err != nil {
			t.Fatal(err)
		}
		dp, err := f.cat.CreatePlan(actor.With(context.Background(), actor.System), draft.ID, catalogtest.SeedPlanInput("D"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.ch.Quote(ctx, channel.QuoteInput{PlanID: dp.ID})
		wantCode(t, err, "plan_not_available")
		// A customer quotes only for itself; a reseller for its customers.
		_, err = f.ch.Quote(ctx, channel.QuoteInput{PlanID: f.plan.ID, CustomerOrgID: f.w.Orgs["customer_a1"].ID})
		wantCode(t, err, "organization_not_found")
		if _, err := f.ch.Quote(f.w.As(t, "reseller_a"), channel.QuoteInput{PlanID: f.plan.ID, CustomerOrgID: f.w.Orgs["customer_a1"].ID}); err != nil {
			t.Fatalf("push quote: %v", err)
		}
		_, err = f.ch.Quote(f.w.As(t, "reseller_b"), channel.QuoteInput{PlanID: f.plan.ID, CustomerOrgID: f.w.Orgs["customer_a1"].ID})
		wantCode(t, err, "organization_not_found")
		// Anonymous visitors get the marketplace's public price.
		anon, err := f.ch.Quote(context.Background(), channel.QuoteInput{PlanID: f.plan.ID})
		// 100.00 licence + 10.00 setup + 4.00 infrastructure.
		if err != nil || anon.CustomerOrgID != "" || anon.FirstInvoice.String() != "114.00" {
			t.Fatalf("anonymous quote: %+v %v", anon.FirstInvoice, err)
		}
	})
}

func hasFieldCode(e *errs.Error, code string) bool {
	for _, f := range e.Fields {
		if f.Code == code {
			return true
		}
	}
	return false
}
