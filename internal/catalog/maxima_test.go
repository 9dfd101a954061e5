package catalog_test

import (
	"slices"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Issue 15: every price and amount a vendor types has a documented
// maximum (money.MaxUnitPriceText, MaxQuantity, MaxAmountText), refused
// with too_large on its field.
func TestPlanAndCouponAmountsAreBounded(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		vendor := f.w.As(t, "vendor_a")
		p, err := f.svc.CreateProduct(vendor, catalog.CreateProductInput{ProductInput: catalog.ProductInput{Name: str("Bounded")}})
		if err != nil {
			t.Fatal(err)
		}
		bad := catalogtest.SeedPlanInput("Huge")
		bad.RecurringPrice, bad.SetupFee, bad.IaaSCost = decp("92233720368547758"), decp("1000000000"), decp("99999999999999999999.99")
		bad.Metrics = &[]catalog.MetricInput{{Key: "calls", Name: "Calls", Aggregation: "sum", Included: dec("1000000000001"),
			Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: dec("1000000000")}}}
		_, err = f.svc.CreatePlan(vendor, p.ID, bad)
		for _, field := range []string{"recurring_price", "setup_fee", "iaas_cost", "metrics[0].included", "metrics[0].scheme.unit_price"} {
			wantField(t, err, field, "too_large")
		}
		_, err = f.svc.CreateCoupon(vendor, catalog.CouponInput{Kind: "discount_amount", Amount: dec("92233720368547758"), Currency: "EUR"})
		wantField(t, err, "amount", "too_large")
		_, err = f.svc.CreateCoupon(vendor, catalog.CouponInput{Kind: "fixed_price", FixedPrice: dec("1000000000"), Currency: "EUR"})
		wantField(t, err, "fixed_price", "too_large")
		budget := dec("99999999999999999999.99")
		_, err = f.svc.CreateCoupon(vendor, catalog.CouponInput{Kind: "extended_trial", TrialDays: 30, Budget: &budget, Currency: "EUR"})
		wantField(t, err, "budget", "too_large")
	})
}

func wantField(t *testing.T, err error, field, code string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || !slices.ContainsFunc(e.Fields, func(fe errs.FieldError) bool { return fe.Field == field && fe.Code == code }) {
		t.Fatalf("error = %v, want %s on %s", err, code, field)
	}
}
