package pricing_test

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

func BenchmarkRateTiered5(b *testing.B) {
	s := pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{
		{From: d("1"), To: dp("10"), UnitPrice: d("5.00"), SetupFee: d("10")},
		{From: d("11"), To: dp("100"), UnitPrice: d("3.25")},
		{From: d("101"), To: dp("1000"), UnitPrice: d("2.123456789"), FlatPrice: d("1")},
		{From: d("1001"), To: dp("10000"), UnitPrice: d("1.5")},
		{From: d("10001"), UnitPrice: d("0.999999999")},
	}}
	r, err := s.Compile()
	if err != nil {
		b.Fatal(err)
	}
	q, err := pricing.NewQuantity(d("12345.678901"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Rate(q); err != nil {
			b.Fatal(err)
		}
	}
}

// Not parallel: AllocsPerRun counts every allocation of the process.
func TestRateTiered5AllocatesNothing(t *testing.T) {
	s := pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: manyRanges(5)}
	r, err := s.Compile()
	if err != nil {
		t.Fatal(err)
	}
	q, _ := pricing.NewQuantity(d("37.5"))
	if n := testing.AllocsPerRun(100, func() { _, _ = r.Rate(q) }); n != 0 {
		t.Errorf("Rater.Rate allocates %v times", n)
	}
}

func BenchmarkSchemeRate(b *testing.B) {
	s := seedScheme(pricing.SchemeTiered)
	q := d("15")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Rate(q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompute(b *testing.B) {
	p := vendorPrices()
	in := pricing.QuoteInput{
		Terms:      pricing.Terms{Kind: pricing.PricingRenewableMonths, PeriodUnit: pricing.PeriodMonth, PeriodCount: 1, MinPeriods: 12},
		Prices:     p,
		Quantities: map[string]money.Decimal{"ext_users": d("15")},
		Coupon:     &pricing.Coupon{Code: "WELCOME", Kind: pricing.CouponDiscountPercent, Percent: d("10"), Scope: pricing.ScopeLicenceExtras},
		Start:      jan31,
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pricing.Compute(in); err != nil {
			b.Fatal(err)
		}
	}
}
