package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

func dec(s string) money.Decimal { return money.MustDecimal(s) }

func decp(s string) *money.Decimal { return new(dec(s)) }

// seedScheme is the reference documentation's extra-resource example:
// 1-9 at 5.00 and 10+ at 3.00 per unit; stairstep 30.00 and 100.00 flat.
func seedScheme(kind pricing.SchemeKind) pricing.Scheme {
	if kind == pricing.SchemeStairstep {
		return pricing.Scheme{Kind: kind, Ranges: []pricing.Range{
			{From: dec("1"), To: decp("9"), FlatPrice: dec("30.00"), Tag: "Small team"},
			{From: dec("10"), FlatPrice: dec("100.00"), Tag: "Large team"},
		}}
	}
	return pricing.Scheme{Kind: kind, Ranges: []pricing.Range{
		{From: dec("1"), To: decp("9"), UnitPrice: dec("5.00")},
		{From: dec("10"), UnitPrice: dec("3.00")},
	}}
}

type demoProduct struct {
	key, vendor string
	in          catalog.ProductInput
	plans       []catalog.PlanInput
}

// demoProducts show every pricing kind and scheme. CloudDrive Team's extras
// reproduce the reference example in the three schemes: 15 users cost
// 63.00 tiered, 45.00 volume and 100.00 stairstep.
var demoProducts = []demoProduct{
	{key: "clouddrive-business", vendor: "clouddrive", in: catalog.ProductInput{
		Name: new("CloudDrive Business"), Summary: new("File sync, sharing and backup for teams"), Category: new("Storage"),
		Description: new("CloudDrive keeps every file of your team in sync on every device, with version history, sharing links and nightly backups."),
		Tags:        new([]string{"storage", "backup", "sync"}), Features: new([]string{"Unlimited devices", "30-day version history", "Shared team folders"}),
		FAQ:      new([]catalog.FAQEntry{{Question: "Is my data encrypted?", Answer: "Yes, at rest and in transit."}}),
		TermsURL: new("https://clouddrive.example/terms"), PrivacyURL: new("https://clouddrive.example/privacy")},
		plans: []catalog.PlanInput{
			{Name: new("Team"), PricingKind: new("renewable_months"), Currency: new("EUR"), RecurringPrice: decp("20.00"), SetupFee: decp("10.00"),
				IaaSCost: decp("4.00"), TrialDays: new(14), Weight: new(1), Ribbon: new("Popular"), AllowedPeriods: new([]int{1, 12}),
				Extras: &[]catalog.ExtraInput{
					{Name: "Users (tiered)", Unit: "user", Scheme: seedScheme(pricing.SchemeTiered)},
					{Name: "Users (volume)", Unit: "user", Scheme: seedScheme(pricing.SchemeVolume)},
					{Name: "Support pack (stairstep)", Unit: "user", Scheme: seedScheme(pricing.SchemeStairstep)},
				},
				Metrics: &[]catalog.MetricInput{{Key: "storage_gb", Name: "Storage", Unit: "GB", Aggregation: "max", Included: dec("50"),
					Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: dec("0.10")}}}},
			{Name: new("Enterprise"), PricingKind: new("renewable_months"), PeriodCount: new(12), Currency: new("EUR"),
				RecurringPrice: decp("2000.00"), IaaSCost: decp("40.00"), Weight: new(2),
				Extras: &[]catalog.ExtraInput{
					{Name: "Extra storage (package)", Unit: "GB", Scheme: pricing.Scheme{Kind: pricing.SchemePackage, PackageSize: 100, PackagePrice: dec("5.00")}},
					{Name: "API calls", Unit: "call", Billing: "postpaid", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: dec("0.001")}},
				}},
			{Name: new("Free"), PricingKind: new("free"), Currency: new("EUR"), Weight: new(0)},
		}},
	{key: "securemail-pro", vendor: "securemail", in: catalog.ProductInput{
		Name: new("SecureMail Pro"), Summary: new("Encrypted business email"), Category: new("Email"),
		Description: new("End-to-end encrypted mailboxes with your own domain, spam filtering and archiving."),
		Tags:        new([]string{"email", "encryption", "security"}), Features: new([]string{"Your own domain", "Encrypted at rest", "Archiving"}),
		RequiresApproval: new(true)},
		plans: []catalog.PlanInput{
			{Name: new("Monthly"), PricingKind: new("renewable_months"), Currency: new("EUR"), RecurringPrice: decp("12.00"), IaaSCost: decp("1.50"),
				TrialDays: new(30), Weight: new(1), Extras: &[]catalog.ExtraInput{
					{Name: "Mailboxes", Unit: "mailbox", Required: true, Scheme: pricing.Scheme{Kind: pricing.SchemeVolume, Ranges: []pricing.Range{
						{From: dec("1"), To: decp("49"), UnitPrice: dec("4.00")}, {From: dec("50"), UnitPrice: dec("3.20")}}}},
				}},
			{Name: new("Sandbox day"), PricingKind: new("renewable_hours"), PeriodCount: new(24), Currency: new("EUR"), RecurringPrice: decp("1.50"), Weight: new(3)},
			{Name: new("Lifetime"), PricingKind: new("everlasting"), Currency: new("EUR"), RecurringPrice: decp("299.00"), Weight: new(4)},
			{Name: new("Enterprise"), PricingKind: new("contact_only"), Currency: new("EUR"), Weight: new(5)},
		}},
}

// seedDemoCatalog publishes the demo products, a bundle, coupons of every
// kind, and the channel's price lists: wholesale 20 % under list for the
// distributor, its sell-in at +10 %, and each reseller's sell-out markup
// (Skyline with its own price for the Team plan).
func (a *App) seedDemoCatalog(ctx context.Context, orgIDs map[string]string) error {
	plans := map[string]catalog.Plan{} // by "product/plan name"
	for _, p := range demoProducts {
		id, err := a.demoObject(ctx, "demo.product."+p.key, func(ctx context.Context) (string, error) {
			return a.publishDemoProduct(ctx, orgIDs[p.vendor], catalog.KindProduct, p.in, p.plans)
		})
		if err != nil {
			return fmt.Errorf("demo product %s: %w", p.key, err)
		}
		ps, err := a.Catalog.ListPlans(ctx, id, false)
		if err != nil {
			return err
		}
		for _, pl := range ps {
			plans[p.key+"/"+pl.Name] = pl
		}
	}
	team, mail := plans["clouddrive-business/Team"], plans["securemail-pro/Monthly"]
	_, err := a.demoObject(ctx, "demo.bundle.office", func(ctx context.Context) (string, error) {
		return a.publishDemoProduct(ctx, orgIDs[""], catalog.KindBundle, catalog.ProductInput{Name: new("Office Essentials"),
			Summary: new("CloudDrive Team and SecureMail together, for less"), Category: new("Bundles"), Tags: new([]string{"bundle"})},
			[]catalog.PlanInput{{Name: new("Office Essentials"), PricingKind: new("renewable_months"), Currency: new("EUR"),
				Components: &[]catalog.ComponentInput{{PlanID: team.ID, DiscountPercent: dec("10")}, {PlanID: mail.ID, DiscountPercent: dec("15")}}}})
	})
	if err != nil {
		return fmt.Errorf("demo bundle: %w", err)
	}
	if err := a.seedDemoChannel(ctx, orgIDs, team); err != nil {
		return err
	}
	return a.seedDemoCoupons(ctx, orgIDs, team)
}

func (a *App) seedDemoChannel(ctx context.Context, orgIDs map[string]string, team catalog.Plan) error {
	pct := func(v string) *pricing.Markup { return &pricing.Markup{Kind: pricing.MarkupPercent, Value: dec(v)} }
	lists := []struct {
		key, owner, tier, name string
		markups                pricing.ChargeMarkups
	}{
		{"wholesale", "", channel.Wholesale, "EuroCloud wholesale", pricing.ChargeMarkups{Recurring: pct("-20"), Extras: pct("-20"), Usage: pct("-20")}},
		{"eurocloud", "eurocloud", channel.SellIn, "EuroCloud reseller prices", pricing.ChargeMarkups{Recurring: pct("10"), Extras: pct("10"), Usage: pct("10")}},
		{"skyline", "skyline", channel.SellOut, "Skyline shop", pricing.ChargeMarkups{Recurring: pct("25"), Extras: pct("25"), Usage: pct("25"), OneOff: pct("25")}},
		{"metro", "metro", channel.SellOut, "Metro Telecom store", pricing.ChargeMarkups{Recurring: pct("15"), Extras: pct("15"), Usage: pct("15")}},
	}
	ids := map[string]string{}
	for _, l := range lists {
		id, err := a.demoObject(ctx, "demo.catalog."+l.key, func(ctx context.Context) (string, error) {
			c, err := a.Channel.CreatePriceCatalog(ctx, channel.PriceCatalogInput{OwnerOrgID: orgIDs[l.owner], Tier: l.tier, Name: new(l.name),
				Markups: &l.markups, IsDefault: new(true)})
			return c.ID, err
		})
		if err != nil {
			return fmt.Errorf("demo price list %s: %w", l.key, err)
		}
		ids[l.key] = id
	}
	// Skyline sells the Team plan at its own round price.
	_, err := a.demoObject(ctx, "demo.rule.skyline-team", func(ctx context.Context) (string, error) {
		_, err := a.Channel.SetPlanRule(ctx, ids["skyline"], team.ID, nil, &pricing.PlanPriceOverride{Recurring: decp("24.90")})
		return team.LineageID, err
	})
	return err
}

func (a *App) seedDemoCoupons(ctx context.Context, orgIDs map[string]string, team catalog.Plan) error {
	week := a.DB.Now(ctx).AddDate(1, 0, 0)
	coupons := []struct {
		owner string
		in    catalog.CouponInput
	}{
		{"", catalog.CouponInput{Code: "WELCOME10", Kind: "discount_percent", Percent: dec("10"), Scope: "licence_extras"}},
		{"clouddrive", catalog.CouponInput{Code: "SAVE5", Kind: "discount_amount", Amount: dec("5.00"), Currency: "EUR", ValidUntil: &week}},
		{"clouddrive", catalog.CouponInput{Code: "VIPDEAL", Kind: "fixed_price", FixedPrice: dec("15.00"), Currency: "EUR", Usage: catalog.OneTime, Plans: []string{team.ID}}},
		{"", catalog.CouponInput{Code: "TRIAL30", Kind: "extended_trial", TrialDays: 30, Budget: decp("100.00"), Currency: "EUR"}},
		{"skyline", catalog.CouponInput{Code: "SKYLINE20", Kind: "discount_percent", Percent: dec("20")}},
	}
	for _, c := range coupons {
		_, err := a.demoObject(ctx, "demo.coupon."+c.in.Code, func(ctx context.Context) (string, error) {
			owner, err := a.demoActorOf(ctx, orgIDs[c.owner])
			if err != nil {
				return "", err
			}
			cp, err := a.Catalog.CreateCoupon(owner, c.in)
			return cp.ID, err
		})
		if err != nil {
			return fmt.Errorf("demo coupon %s: %w", c.in.Code, err)
		}
	}
	return nil
}

// publishDemoProduct creates a product with its plans and publishes it.
func (a *App) publishDemoProduct(ctx context.Context, owner, kind string, in catalog.ProductInput, plans []catalog.PlanInput) (string, error) {
	p, err := a.Catalog.CreateProduct(ctx, catalog.CreateProductInput{OwnerOrgID: owner, Kind: kind, ProductInput: in})
	if err != nil {
		return "", err
	}
	for _, pl := range plans {
		if _, err := a.Catalog.CreatePlan(ctx, p.ID, pl); err != nil {
			return "", fmt.Errorf("plan %s: %w", *pl.Name, err)
		}
	}
	if _, err := a.Catalog.SubmitProduct(ctx, p.ID); err != nil {
		return "", err
	}
	_, err = a.Catalog.ApproveProduct(ctx, p.ID)
	return p.ID, err
}

// demoObject returns the id recorded under key, or makes the object and
// records its id, in one transaction: the demo seed runs again without
// duplicating anything.
func (a *App) demoObject(ctx context.Context, key string, make func(ctx context.Context) (string, error)) (string, error) {
	var id string
	err := a.DB.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, db.ErrNoRows) {
		return "", err
	}
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		if id, err = make(ctx); err != nil {
			return err
		}
		_, err := a.DB.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, key, id, a.DB.Now(ctx))
		return err
	})
	return id, err
}

// demoActorOf acts as the first administrator-like user of an organization
// (its oldest user), for demo objects owned by that organization.
func (a *App) demoActorOf(ctx context.Context, orgID string) (context.Context, error) {
	sys := actor.With(ctx, actor.System)
	org, _, err := a.Identity.Org(sys, orgID)
	if err != nil {
		return nil, err
	}
	users, _, err := a.Identity.ListUsers(sys, identity.UserFilter{OrgID: orgID, Page: page.Request{Limit: 10}})
	if err != nil {
		return nil, fmt.Errorf("demo user of %s: %w", orgID, err)
	}
	for _, u := range users {
		if u.Role != identity.SuperAdmin {
			return actor.With(ctx, actor.Actor{Kind: actor.KindUser, UserID: u.ID, Role: string(u.Role), OrgID: org.ID, OrgKind: string(org.Kind)}), nil
		}
	}
	return nil, fmt.Errorf("demo user of %s: none", orgID)
}
