package catalog_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

var (
	dec  = catalogtest.D
	decp = catalogtest.DP
	str  = catalogtest.Ptr[string]
)

type fixture struct {
	d   *db.DB
	w   *identitytest.World
	svc *catalog.Service
}

func setup(t *testing.T, d *db.DB) fixture {
	w := identitytest.NewWorld(t, identitytest.Service(t, d))
	return fixture{d: d, w: w, svc: catalogtest.Service(t, d, w.Svc)}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("error = %v, want %s", err, code)
	}
}

func TestVendorOnboarding(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		v, u, err := f.svc.RegisterVendor(ctx, catalog.RegisterVendorInput{RegisterInput: identity.RegisterInput{
			OrgName: "Newco", Country: "FR", Name: "Nina New", Email: "nina@newco.example", Password: "a-good-password-1"},
			Website: "https://newco.example"})
		if err != nil || v.Status != catalog.VendorPending || u.Role != identity.VendorRole {
			t.Fatalf("register: %+v %+v %v", v, u, err)
		}
		// The new vendor signs in and prepares a product, but cannot submit it.
		res, err := f.w.Svc.Login(ctx, identity.LoginInput{Email: "nina@newco.example", Password: "a-good-password-1"})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := f.w.Svc.Authenticate(ctx, res.Token)
		vctx := actor.With(ctx, a)
		p, err := f.svc.CreateProduct(vctx, catalog.CreateProductInput{ProductInput: catalog.ProductInput{Name: str("Newco Drive")}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreatePlan(vctx, p.ID, catalogtest.SeedPlanInput("Basic")); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.SubmitProduct(vctx, p.ID)
		wantCode(t, err, "vendor_not_approved")
		// Pending vendors are not public; staff see them for review.
		if _, err := f.svc.GetVendor(f.w.As(t, "customer_a1"), v.OrgID); !errs.Is(err, "vendor_not_found") {
			t.Fatalf("pending vendor visible to a customer: %v", err)
		}
		pending, _, err := f.svc.ListVendors(f.w.As(t, "supervisor"), catalog.VendorFilter{Status: catalog.VendorPending})
		if err != nil || len(pending) != 1 || pending[0].OrgID != v.OrgID {
			t.Fatalf("pending list: %+v %v", pending, err)
		}
		// Only reviewers decide; a rejection needs a reason.
		_, err = f.svc.ApproveVendor(f.w.As(t, "vendor_a"), v.OrgID)
		wantCode(t, err, "permission_denied")
		_, err = f.svc.RejectVendor(f.w.As(t, "admin"), v.OrgID, " ")
		wantCode(t, err, "validation_failed")
		rej, err := f.svc.RejectVendor(f.w.As(t, "supervisor"), v.OrgID, "Missing company registration")
		if err != nil || rej.Status != catalog.VendorRejected {
			t.Fatal(err)
		}
		seen, err := f.svc.GetVendor(vctx, v.OrgID)
		if err != nil || seen.Reason != "Missing company registration" {
			t.Fatalf("the vendor reads its rejection: %+v %v", seen, err)
		}
		if _, err := f.svc.ApproveVendor(f.w.As(t, "admin"), v.OrgID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SubmitProduct(vctx, p.ID); err != nil {
			t.Fatalf("submit after approval: %v", err)
		}
		// Vendors created by an administrator are approved from the start.
		if got, err := f.svc.GetVendor(f.w.As(t, "customer_a1"), f.w.Orgs["vendor_a"].ID); err != nil || got.Status != catalog.VendorApproved {
			t.Fatalf("admin-made vendor: %+v %v", got, err)
		}
	})
}

func TestProductLifecycleAndVisibility(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		vendor := f.w.As(t, "vendor_a")
		p, err := f.svc.CreateProduct(vendor, catalog.CreateProductInput{ProductInput: catalog.ProductInput{
			Name: str("Cloud Backup Pro"), Summary: str("Backups for every laptop"), Category: str("Storage"),
			Tags: &[]string{"Backup", "Security"}, FAQ: &[]catalog.FAQEntry{{Question: "Encrypted?", Answer: "Yes."}}}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Slug != "cloud-backup-pro" || p.Status != catalog.Draft || p.OwnerOrgID != f.w.Orgs["vendor_a"].ID || !slices.Equal(p.Tags, []string{"backup", "security"}) ||
			p.TaxCategory != catalog.DefaultTaxCategory {
			t.Fatalf("created: %+v", p)
		}
		for _, bad := range []string{"", "Reduced Rate", "e-books"} {
			_, err := f.svc.UpdateProduct(vendor, p.ID, catalog.ProductInput{TaxCategory: str(bad)})
			wantCode(t, err, "validation_failed")
		}
		if got, err := f.svc.UpdateProduct(vendor, p.ID, catalog.ProductInput{TaxCategory: str(" E_Books ")}); err != nil || got.TaxCategory != "e_books" {
			t.Fatalf("tax category: %q %v", got.TaxCategory, err)
		}
		// Drafts are invisible to buyers, other vendors and visitors.
		for _, who := range []context.Context{f.w.As(t, "customer_a1"), f.w.As(t, "vendor_b"), context.Background()} {
			if _, err := f.svc.GetProduct(who, p.ID); !errs.Is(err, "product_not_found") {
				t.Fatalf("draft visible: %v", err)
			}
		}
		_, err = f.svc.SubmitProduct(vendor, p.ID)
		wantCode(t, err, "product_has_no_plans")
		if _, err := f.svc.CreatePlan(vendor, p.ID, catalogtest.SeedPlanInput("Standard")); err != nil {
			t.Fatal(err)
		}
		// Another vendor may not touch it; a customer may not create products.
		_, err = f.svc.UpdateProduct(f.w.As(t, "vendor_b"), p.ID, catalog.ProductInput{Name: str("Mine")})
		wantCode(t, err, "product_not_found")
		_, err = f.svc.CreateProduct(f.w.As(t, "customer_a1"), catalog.CreateProductInput{ProductInput: catalog.ProductInput{Name: str("X")}})
		wantCode(t, err, "permission_denied")
		// Approval before submission is refused; the owner cannot approve itself.
		_, err = f.svc.ApproveProduct(f.w.As(t, "admin"), p.ID)
		wantCode(t, err, "invalid_transition")
		if _, err := f.svc.SubmitProduct(vendor, p.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.ApproveProduct(vendor, p.ID)
		wantCode(t, err, "permission_denied")
		rej, err := f.svc.RejectProduct(f.w.As(t, "supervisor"), p.ID, "Add screenshots")
		if err != nil || rej.Status != catalog.Draft || rej.ReviewReason != "Add screenshots" {
			t.Fatalf("reject: %+v %v", rej, err)
		}
		if _, err := f.svc.SubmitProduct(vendor, p.ID); err != nil {
			t.Fatal(err)
		}
		pub, err := f.svc.ApproveProduct(f.w.As(t, "admin"), p.ID)
		if err != nil || pub.Status != catalog.Published || pub.PublishedAt == nil {
			t.Fatalf("approve: %+v %v", pub, err)
		}
		// Published: public by id and by slug; the slug no longer follows the name.
		if got, err := f.svc.GetProduct(context.Background(), "cloud-backup-pro"); err != nil || got.ID != p.ID {
			t.Fatalf("by slug: %v", err)
		}
		renamed, err := f.svc.UpdateProduct(vendor, p.ID, catalog.ProductInput{Name: str("Cloud Backup Pro 2")})
		if err != nil || renamed.Slug != "cloud-backup-pro" {
			t.Fatalf("rename after publishing: %+v %v", renamed, err)
		}
		// Bad input names each field and changes nothing.
		_, err = f.svc.UpdateProduct(vendor, p.ID, catalog.ProductInput{LogoURL: str("javascript:alert(1)"), Tags: &[]string{""}, ProvisioningMode: str("magic")})
		if e, ok := errs.As(err); !ok || len(e.Fields) != 3 {
			t.Fatalf("bad update: %v", err)
		}
		if _, err := f.svc.RetireProduct(vendor, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.GetProduct(f.w.As(t, "customer_a1"), p.ID); !errs.Is(err, "product_not_found") {
			t.Fatalf("retired product visible to buyers: %v", err)
		}
		_, err = f.svc.UpdateProduct(vendor, p.ID, catalog.ProductInput{Name: str("Again")})
		wantCode(t, err, "product_retired")
	})
}

func TestSearch(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := actor.With(context.Background(), actor.System)
		backup, _ := catalogtest.Published(t, f.svc, f.w.Orgs["vendor_a"].ID, "Cloud Backup")
		mail, _ := catalogtest.Published(t, f.svc, f.w.Orgs["vendor_b"].ID, "Secure Mail", catalog.PlanInput{
			Name: str("Free"), PricingKind: str("free"), Currency: str("EUR")})
		if _, err := f.svc.UpdateProduct(ctx, mail.ID, catalog.ProductInput{Category: str("Email"), Description: str("Encrypted mailboxes for teams"),
			Tags: &[]string{"email", "encryption"}}); err != nil {
			t.Fatal(err)
		}
		draft, err := f.svc.CreateProduct(ctx, catalog.CreateProductInput{OwnerOrgID: f.w.Orgs["vendor_a"].ID, ProductInput: catalog.ProductInput{Name: str("Backup Draft")}})
		if err != nil {
			t.Fatal(err)
		}
		names := func(ps []catalog.Product) []string {
			var out []string
			for _, p := range ps {
				out = append(out, p.Name)
			}
			return out
		}
		cases := []struct {
			who  context.Context
			f    catalog.ProductFilter
			want []string
		}{
			{context.Background(), catalog.ProductFilter{Query: "back"}, []string{"Cloud Backup"}},
			{context.Background(), catalog.ProductFilter{Query: "ENCRYPT team"}, []string{"Secure Mail"}},
			{context.Background(), catalog.ProductFilter{Query: "nothing-like-this"}, nil},
			{context.Background(), catalog.ProductFilter{Free: true}, []string{"Secure Mail"}},
			{context.Background(), catalog.ProductFilter{Trial: true}, []string{"Cloud Backup"}},
			{context.Background(), catalog.ProductFilter{PriceModel: "renewable_months"}, []string{"Cloud Backup"}},
			{context.Background(), catalog.ProductFilter{Category: "email"}, []string{"Secure Mail"}},
			{context.Background(), catalog.ProductFilter{Tag: "Encryption"}, []string{"Secure Mail"}},
			{context.Background(), catalog.ProductFilter{VendorID: f.w.Orgs["vendor_a"].ID}, []string{"Cloud Backup"}},
			{context.Background(), catalog.ProductFilter{}, []string{"Cloud Backup", "Secure Mail"}},
			// The owner also finds its draft; staff find every product.
			{f.w.As(t, "vendor_a"), catalog.ProductFilter{Query: "backup"}, []string{"Backup Draft", "Cloud Backup"}},
			{f.w.As(t, "supervisor"), catalog.ProductFilter{Status: catalog.Draft}, []string{"Backup Draft"}},
			{f.w.As(t, "vendor_b"), catalog.ProductFilter{Query: "backup"}, []string{"Cloud Backup"}},
		}
		for i, c := range cases {
			got, _, err := f.svc.SearchProducts(c.who, c.f)
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			g := names(got)
			slices.Sort(g)
			if !slices.Equal(g, c.want) {
				t.Errorf("case %d (%+v): %v, want %v", i, c.f, g, c.want)
			}
		}
		_ = draft
		// Relevance weighs where a word is found: a product named for it
		// ranks above one that only mentions it, however often.
		if _, err := f.svc.UpdateProduct(ctx, backup.ID, catalog.ProductInput{Summary: str("Backs up mail, mail archives and mail servers")}); err != nil {
			t.Fatal(err)
		}
		ranked, _, err := f.svc.SearchProducts(context.Background(), catalog.ProductFilter{Query: "mail"})
		if err != nil || !slices.Equal(names(ranked), []string{"Secure Mail", "Cloud Backup"}) {
			t.Fatalf("ranked: %v %v", names(ranked), err)
		}
		// Name order pages by position.
		p1, next, err := f.svc.SearchProducts(context.Background(), catalog.ProductFilter{Sort: "name", Page: pageOf(1, "")})
		if err != nil || len(p1) != 1 || next == "" {
			t.Fatalf("page 1: %v %q %v", names(p1), next, err)
		}
		p2, next2, err := f.svc.SearchProducts(context.Background(), catalog.ProductFilter{Sort: "name", Page: pageOf(1, next)})
		if err != nil || len(p2) != 1 || next2 != "" || p2[0].ID == p1[0].ID {
			t.Fatalf("page 2: %v %q %v", names(p2), next2, err)
		}
		cats, err := f.svc.Categories(context.Background())
		if err != nil || len(cats) != 2 {
			t.Fatalf("categories: %+v %v", cats, err)
		}
	})
}

func TestPlanValidation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		vendor := f.w.As(t, "vendor_a")
		p, err := f.svc.CreateProduct(vendor, catalog.CreateProductInput{ProductInput: catalog.ProductInput{Name: str("Validator")}})
		if err != nil {
			t.Fatal(err)
		}
		bad := catalog.PlanInput{
			Name: str(""), PricingKind: str("monthly"), Currency: str("EURO"), RecurringPrice: decp("-1"), SetupFee: decp("1.0000000001"),
			MinPeriods: catalogtest.Ptr(3), AllowedPeriods: &[]int{3, 4}, TrialDays: catalogtest.Ptr(400),
			Extras: &[]catalog.ExtraInput{{Name: "Seats", Scheme: pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{
				{From: dec("1"), To: decp("9"), UnitPrice: dec("5")}, {From: dec("11"), UnitPrice: dec("3")}}}}},
			Metrics: &[]catalog.MetricInput{{Key: "Bad Key", Name: "M", Aggregation: "median", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: dec("1")}}},
		}
		_, err = f.svc.CreatePlan(vendor, p.ID, bad)
		e, ok := errs.As(err)
		if !ok {
			t.Fatalf("bad plan: %v", err)
		}
		want := []string{"name", "pricing_kind", "currency", "recurring_price", "setup_fee", "extras[0].scheme.ranges[1].from", "metrics[0].key", "metrics[0].aggregation"}
		for _, field := range want {
			if !slices.ContainsFunc(e.Fields, func(fe errs.FieldError) bool { return fe.Field == field }) {
				t.Errorf("no error for %s in %+v", field, e.Fields)
			}
		}
		// Terms are checked once the basics hold.
		terms := catalogtest.SeedPlanInput("Terms")
		terms.MinPeriods, terms.AllowedPeriods, terms.TrialDays = catalogtest.Ptr(3), &[]int{3, 4}, catalogtest.Ptr(400)
		_, err = f.svc.CreatePlan(vendor, p.ID, terms)
		if e, ok := errs.As(err); !ok || !slices.ContainsFunc(e.Fields, func(fe errs.FieldError) bool { return fe.Field == "allowed_periods[1]" }) ||
			!slices.ContainsFunc(e.Fields, func(fe errs.FieldError) bool { return fe.Field == "trial_days" }) {
			t.Fatalf("terms: %v", err)
		}
		free := catalog.PlanInput{Name: str("Free"), PricingKind: str("free"), Currency: str("EUR"), RecurringPrice: decp("5")}
		_, err = f.svc.CreatePlan(vendor, p.ID, free)
		wantCode(t, err, "validation_failed")
		plans, _ := f.svc.ListPlans(vendor, p.ID, true)
		if len(plans) != 0 {
			t.Fatalf("refused plans were written: %d", len(plans))
		}
		// A good plan; upgrade paths point at plans of the same product.
		basic, err := f.svc.CreatePlan(vendor, p.ID, catalogtest.SeedPlanInput("Basic"))
		if err != nil {
			t.Fatal(err)
		}
		proIn := catalogtest.SeedPlanInput("Pro")
		proIn.Downgrades = &[]string{basic.ID}
		pro, err := f.svc.CreatePlan(vendor, p.ID, proIn)
		if err != nil || !slices.Equal(pro.Downgrades, []string{basic.LineageID}) {
			t.Fatalf("pro: %+v %v", pro.Downgrades, err)
		}
		if len(pro.Extras) != 3 || pro.Extras[0].Scheme.Kind != pricing.SchemeTiered || pro.Metrics[0].Key != "storage_gb" {
			t.Fatalf("parts: %+v %+v", pro.Extras, pro.Metrics)
		}
		_, _, err = f.svc.UpdatePlan(vendor, basic.ID, catalog.PlanInput{Upgrades: &[]string{basic.ID}})
		wantCode(t, err, "validation_failed")
	})
}

// Prices never change under running subscriptions: once a product has been
// published, a price change makes a new plan version and the old version
// stays exactly as it was.
func TestPlanVersioningNeverRepricesSilently(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		vendor := f.w.As(t, "vendor_a")
		p, err := f.svc.CreateProduct(vendor, catalog.CreateProductInput{ProductInput: catalog.ProductInput{Name: str("Versioned")}})
		if err != nil {
			t.Fatal(err)
		}
		v1, err := f.svc.CreatePlan(vendor, p.ID, catalogtest.SeedPlanInput("Standard"))
		if err != nil {
			t.Fatal(err)
		}
		// Before publication, changes are made in place.
		same, versioned, err := f.svc.UpdatePlan(vendor, v1.ID, catalog.PlanInput{RecurringPrice: decp("25.00")})
		if err != nil || versioned || same.ID != v1.ID || !same.RecurringPrice.Equal(dec("25")) {
			t.Fatalf("draft edit: %+v %v %v", same, versioned, err)
		}
		if _, err := f.svc.SubmitProduct(vendor, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ApproveProduct(f.w.As(t, "admin"), p.ID); err != nil {
			t.Fatal(err)
		}
		// A cosmetic change stays in place...
		named, versioned, err := f.svc.UpdatePlan(vendor, v1.ID, catalog.PlanInput{Name: str("Standard 2026"), Ribbon: str("Popular")})
		if err != nil || versioned || named.ID != v1.ID {
			t.Fatalf("cosmetic edit: %v %v", versioned, err)
		}
		// ...a price change makes version 2.
		extras := *catalogtest.SeedPlanInput("x").Extras
		for i := range extras {
			extras[i].ID = same.Extras[i].ID
		}
		extras[0].Scheme.Ranges[1].UnitPrice = dec("2.50")
		v2, versioned, err := f.svc.UpdatePlan(vendor, v1.ID, catalog.PlanInput{RecurringPrice: decp("30.00"), Extras: &extras})
		if err != nil || !versioned || v2.ID == v1.ID || v2.LineageID != v1.LineageID || v2.Version != 2 {
			t.Fatalf("price change: %+v %v %v", v2, versioned, err)
		}
		if v2.Extras[0].ID != same.Extras[0].ID {
			t.Fatal("extra ids must survive a new version")
		}
		old, err := f.svc.GetPlan(vendor, v1.ID)
		if err != nil || old.Status != catalog.PlanSuperseded || !old.RecurringPrice.Equal(dec("25")) || !old.Extras[0].Scheme.Ranges[1].UnitPrice.Equal(dec("3")) {
			t.Fatalf("the old version changed: %+v %v", old, err)
		}
		cur, err := f.svc.CurrentPlan(context.Background(), v1.ID)
		if err != nil || cur.ID != v2.ID {
			t.Fatalf("current plan: %v %v", cur.ID, err)
		}
		_, _, err = f.svc.UpdatePlan(vendor, v1.ID, catalog.PlanInput{RecurringPrice: decp("1")})
		wantCode(t, err, "plan_not_active")
		active, _ := f.svc.ListPlans(context.Background(), p.ID, false)
		history, _ := f.svc.ListPlans(vendor, p.ID, true)
		if len(active) != 1 || len(history) != 2 {
			t.Fatalf("active %d, history %d", len(active), len(history))
		}
		_, err = f.svc.RetirePlan(vendor, v2.ID)
		wantCode(t, err, "last_active_plan")
	})
}

func TestBundles(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		_, planA := catalogtest.Published(t, f.svc, f.w.Orgs["vendor_a"].ID, "Drive")
		_, planA2 := catalogtest.Published(t, f.svc, f.w.Orgs["vendor_a"].ID, "Office")
		_, planB := catalogtest.Published(t, f.svc, f.w.Orgs["vendor_b"].ID, "Mail")
		vendor := f.w.As(t, "vendor_a")
		b, err := f.svc.CreateProduct(vendor, catalog.CreateProductInput{Kind: catalog.KindBundle, ProductInput: catalog.ProductInput{Name: str("Suite")}})
		if err != nil || b.Kind != catalog.KindBundle {
			t.Fatal(err)
		}
		in := func(ids ...string) catalog.PlanInput {
			var cs []catalog.ComponentInput
			for _, id := range ids {
				cs = append(cs, catalog.ComponentInput{PlanID: id, DiscountPercent: dec("10")})
			}
			return catalog.PlanInput{Name: str("Suite"), PricingKind: str("renewable_months"), Currency: str("EUR"), Components: &cs}
		}
		_, err = f.svc.CreatePlan(vendor, b.ID, in(planA[0].ID, planB[0].ID))
		wantCode(t, err, "validation_failed") // vendor_b's plan is not vendor_a's to bundle
		_, err = f.svc.CreatePlan(vendor, b.ID, in(planA[0].ID))
		wantCode(t, err, "validation_failed") // one component is no bundle
		bp, err := f.svc.CreatePlan(vendor, b.ID, in(planA[0].ID, planA2[0].ID))
		if err != nil || len(bp.Components) != 2 || !bp.RecurringPrice.IsZero() {
			t.Fatalf("bundle plan: %+v %v", bp, err)
		}
		// A plain product's plan has no components.
		p, _ := f.svc.CreateProduct(vendor, catalog.CreateProductInput{ProductInput: catalog.ProductInput{Name: str("Plain")}})
		_, err = f.svc.CreatePlan(vendor, p.ID, in(planA[0].ID, planA2[0].ID))
		wantCode(t, err, "validation_failed")
		// Staff bundle anyone's products.
		ob, err := f.svc.CreateProduct(f.w.As(t, "admin"), catalog.CreateProductInput{Kind: catalog.KindBundle, ProductInput: catalog.ProductInput{Name: str("Mixed")}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreatePlan(f.w.As(t, "admin"), ob.ID, in(planA[0].ID, planB[0].ID)); err != nil {
			t.Fatalf("operator bundle: %v", err)
		}
	})
}

func TestCoupons(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		clk := d.Clock().(*clock.Test)
		_, plansA := catalogtest.Published(t, f.svc, f.w.Orgs["vendor_a"].ID, "Drive")
		_, plansB := catalogtest.Published(t, f.svc, f.w.Orgs["vendor_b"].ID, "Mail")
		vendor := f.w.As(t, "vendor_a")
		until := clk.Now().Add(30 * 24 * time.Hour)
		c, err := f.svc.CreateCoupon(vendor, catalog.CouponInput{Code: "spring-10", Kind: "discount_percent", Percent: dec("10"), ValidUntil: &until})
		if err != nil || c.Code != "SPRING-10" || c.Usage != catalog.Reusable {
			t.Fatalf("create: %+v %v", c, err)
		}
		_, err = f.svc.CreateCoupon(vendor, catalog.CouponInput{Kind: "discount_percent", Percent: dec("5"), Plans: []string{plansB[0].ID}})
		wantCode(t, err, "validation_failed") // not its plan
		_, err = f.svc.CreateCoupon(f.w.As(t, "customer_a1"), catalog.CouponInput{Kind: "discount_percent", Percent: dec("5")})
		wantCode(t, err, "permission_denied")
		_, err = f.svc.CreateCoupon(vendor, catalog.CouponInput{Code: "SPRING-10", Kind: "discount_percent", Percent: dec("5")})
		wantCode(t, err, "validation_failed") // code taken
		_, err = f.svc.CreateCoupon(vendor, catalog.CouponInput{Kind: "discount_amount", Amount: dec("5.001"), Currency: "EUR"})
		wantCode(t, err, "validation_failed")

		use := catalog.CouponUse{Code: "spring-10", Plan: plansA[0], BuyerOrgID: f.w.Orgs["customer_a1"].ID, At: clk.Now()}
		if _, pc, err := f.svc.CheckCoupon(context.Background(), use); err != nil || pc.Kind != pricing.CouponDiscountPercent {
			t.Fatalf("check: %v", err)
		}
		other := use
		other.Plan = plansB[0]
		_, _, err = f.svc.CheckCoupon(context.Background(), other)
		wantCode(t, err, "coupon_not_applicable") // vendor_a's coupon on vendor_b's plan
		late := use
		late.At = until
		_, _, err = f.svc.CheckCoupon(context.Background(), late)
		wantCode(t, err, "coupon_expired")
		missing := use
		missing.Code = "NOPE"
		_, _, err = f.svc.CheckCoupon(context.Background(), missing)
		wantCode(t, err, "coupon_not_found")

		// Extended trial with a budget drawn by the trial's infrastructure
		// cost: 4.00 a month → 30 days cost 4.00; a 50.00 budget lasts 12 uses.
		et, err := f.svc.CreateCoupon(f.w.As(t, "admin"), catalog.CouponInput{Kind: "extended_trial", TrialDays: 30, Budget: decp("10.00"), Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		etUse := catalog.CouponUse{Code: et.Code, Plan: plansA[0], BuyerOrgID: f.w.Orgs["customer_a1"].ID, At: clk.Now()}
		for i := range 2 {
			if _, err := f.svc.RedeemCoupon(context.Background(), etUse, "order-"+string(rune('a'+i))); err != nil {
				t.Fatalf("use %d: %v", i, err)
			}
		}
		_, err = f.svc.RedeemCoupon(context.Background(), etUse, "order-c")
		wantCode(t, err, "coupon_budget_spent") // 2 × 4.00 used, 4.00 more would pass 10.00
		got, _ := f.svc.GetCoupon(f.w.As(t, "admin"), et.ID)
		if got.Redemptions != 2 || got.BudgetUsed.String() != "8.00" {
			t.Fatalf("budget: %d used %v", got.Redemptions, got.BudgetUsed)
		}
		// Limits move but never below what was used; kinds never change.
		two := 2
		_, err = f.svc.UpdateCoupon(f.w.As(t, "admin"), et.ID, catalog.UpdateCouponInput{MaxRedemptions: catalogtest.Ptr(1)})
		wantCode(t, err, "validation_failed")
		if got, err := f.svc.UpdateCoupon(f.w.As(t, "admin"), et.ID, catalog.UpdateCouponInput{MaxRedemptions: &two}); err != nil || *got.MaxRedemptions != 2 {
			t.Fatalf("limit: %v", err)
		}
		_, err = f.svc.UpdateCoupon(f.w.As(t, "vendor_b"), c.ID, catalog.UpdateCouponInput{MaxRedemptions: &two})
		wantCode(t, err, "coupon_not_found")
		// Coupons are the owner's business.
		if _, err := f.svc.GetCoupon(f.w.As(t, "vendor_b"), c.ID); !errs.Is(err, "coupon_not_found") {
			t.Fatalf("a peer reads the coupon: %v", err)
		}
	})
}

// A one-time coupon redeemed by many orders at once succeeds exactly once.
func TestOneTimeCouponUnderConcurrency(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		_, plans := catalogtest.Published(t, f.svc, f.w.Orgs["vendor_a"].ID, "Drive")
		c, err := f.svc.CreateCoupon(f.w.As(t, "admin"), catalog.CouponInput{Kind: "discount_amount", Amount: dec("5"), Currency: "EUR", Usage: catalog.OneTime})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, usedUp := 0, 0
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buyer := []string{"customer_a1", "customer_a2", "customer_b1"}[i%3]
				_, err := f.svc.RedeemCoupon(context.Background(), catalog.CouponUse{Code: c.Code, Plan: plans[0],
					BuyerOrgID: f.w.Orgs[buyer].ID, At: d.Clock().Now()}, "race")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errs.Is(err, "coupon_used_up"):
					usedUp++
				default:
					t.Errorf("redeem: %v", err)
				}
			}()
		}
		wg.Wait()
		var n int
		if err := d.QueryRow(context.Background(), `SELECT count(*) FROM coupon_redemptions WHERE coupon_id = $1`, c.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if wins != 1 || usedUp != 11 || n != 1 {
			t.Fatalf("wins %d, used up %d, redemptions %d", wins, usedUp, n)
		}
	})
}

func pageOf(limit int, cursor string) page.Request { return page.Request{Limit: limit, Cursor: cursor} }
