// Package catalogtest builds catalog fixtures for tests: the catalog
// service on a test database, and published products with plans that show
// every pricing scheme.
package catalogtest

import (
	"context"
	"testing"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/queue"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Service returns a catalog service on d using the identity service id.
func Service(t testing.TB, d *db.DB, id *identity.Service) *catalog.Service {
	t.Helper()
	q, err := queue.New(d, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return catalog.New(d, catalog.Deps{Recorder: audit.NewRecorder(audit.New(d), outbox.New(d, q, nil)), Directory: id}, nil)
}

// D parses a decimal.
func D(s string) money.Decimal { return money.MustDecimal(s) }

// DP parses a decimal and returns a pointer to it.
func DP(s string) *money.Decimal { d := money.MustDecimal(s); return &d }

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }

// SeedScheme is the reference documentation's example in the given kind:
// 1-9 at 5.00 and 10+ at 3.00 per unit; stairstep 30.00 and 100.00 flat.
func SeedScheme(kind pricing.SchemeKind) pricing.Scheme {
	if kind == pricing.SchemeStairstep {
		return pricing.Scheme{Kind: kind, Ranges: []pricing.Range{
			{From: D("1"), To: DP("9"), FlatPrice: D("30.00")},
			{From: D("10"), FlatPrice: D("100.00")},
		}}
	}
	return pricing.Scheme{Kind: kind, Ranges: []pricing.Range{
		{From: D("1"), To: DP("9"), UnitPrice: D("5.00")},
		{From: D("10"), UnitPrice: D("3.00")},
	}}
}

// SeedPlanInput is a monthly EUR plan at 20.00 with a 10.00 setup fee and
// three prepaid extras reproducing the seed example in each scheme.
func SeedPlanInput(name string) catalog.PlanInput {
	return catalog.PlanInput{
		Name: Ptr(name), PricingKind: Ptr("renewable_months"), Currency: Ptr("EUR"),
		RecurringPrice: DP("20.00"), SetupFee: DP("10.00"), IaaSCost: DP("4.00"), TrialDays: Ptr(14),
		Extras: &[]catalog.ExtraInput{
			{Name: "Users (tiered)", Unit: "user", Scheme: SeedScheme(pricing.SchemeTiered)},
			{Name: "Users (volume)", Unit: "user", Scheme: SeedScheme(pricing.SchemeVolume)},
			{Name: "Users (stairstep)", Unit: "user", Scheme: SeedScheme(pricing.SchemeStairstep)},
		},
		Metrics: &[]catalog.MetricInput{
			{Key: "storage_gb", Name: "Storage", Unit: "GB", Aggregation: "max", Included: D("10"),
				Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: D("0.10")}},
		},
	}
}

// Published creates a product owned by vendor (acting as the system),
// adds the plans and publishes it. It returns the product and its plans.
func Published(t testing.TB, svc *catalog.Service, vendorOrgID, name string, plans ...catalog.PlanInput) (catalog.Product, []catalog.Plan) {
	t.Helper()
	ctx := actor.With(context.Background(), actor.System)
	p, err := svc.CreateProduct(ctx, catalog.CreateProductInput{OwnerOrgID: vendorOrgID, ProductInput: catalog.ProductInput{
		Name: Ptr(name), Summary: Ptr("The " + name + " service"), Category: Ptr("Productivity"), Tags: Ptr([]string{"cloud"})}})
	if err != nil {
		t.Fatalf("product %s: %v", name, err)
	}
	if len(plans) == 0 {
		plans = []catalog.PlanInput{SeedPlanInput("Standard")}
	}
	var out []catalog.Plan
	for _, in := range plans {
		pl, err := svc.CreatePlan(ctx, p.ID, in)
		if err != nil {
			t.Fatalf("plan of %s: %v", name, err)
		}
		out = append(out, pl)
	}
	if _, err := svc.SubmitProduct(ctx, p.ID); err != nil {
		t.Fatalf("submit %s: %v", name, err)
	}
	if p, err = svc.ApproveProduct(ctx, p.ID); err != nil {
		t.Fatalf("approve %s: %v", name, err)
	}
	return p, out
}
