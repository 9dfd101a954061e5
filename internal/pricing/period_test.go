package pricing_test

import (
	"fmt"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// A year billed monthly with a setup fee and a "total" coupon valid for the
// first two periods: period 0 is the first invoice, period 1 carries the
// renewal coupon line (without the setup fee in its base), later periods
// the plain licence; the periods add up to the quote's total.
func TestComputePeriod(t *testing.T) {
	t.Parallel()
	in := pricing.QuoteInput{Terms: monthly(12), Prices: pricing.PlanPrices{Currency: eur, Setup: d("10"), Recurring: d("30")},
		Coupon: &pricing.Coupon{Code: "HALF", Kind: pricing.CouponDiscountPercent, Scope: pricing.ScopeTotal, Percent: d("50"),
			ValidUntil: jan31.AddDate(0, 1, 1)},
		Start: jan31}
	q, err := pricing.Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"20.00", "15.00", "30.00"}
	var sum []money.Amount
	for k := 0; k < 12; k++ {
		p, err := pricing.ComputePeriod(in, k)
		if err != nil {
			t.Fatal(err)
		}
		if k < len(want) && p.Total.String() != want[k] {
			t.Errorf("period %d charges %s, want %s: %+v", k, p.Total, want[k], p.Lines)
		}
		if !p.Start.Equal(pricing.AddMonths(jan31, k)) || !p.End.Equal(pricing.AddMonths(jan31, k+1)) {
			t.Errorf("period %d: %s - %s", k, p.Start, p.End)
		}
		for _, l := range p.Lines {
			if k > 0 && (l.Period == nil || !l.Period.Start.Equal(p.Start)) {
				t.Errorf("period %d line %s has period %v", k, l.Description, l.Period)
			}
		}
		sum = append(sum, p.Total)
	}
	if total, _ := money.Sum(eur, sum...); total != q.Total || total.String() != "335.00" {
		t.Fatalf("periods add up to %s, quote total %s", total, q.Total)
	}
	for _, k := range []int{-1, 12} {
		_, err := pricing.ComputePeriod(in, k)
		wantCode(t, err, pricing.CodeInvalidPeriod)
	}
	// A plan without periods has one period that never ends.
	ever := pricing.QuoteInput{Terms: pricing.Terms{Kind: pricing.PricingEverlasting}, Prices: pricing.PlanPrices{Currency: eur, Recurring: d("99")}, Start: jan31}
	if p, err := pricing.ComputePeriod(ever, 0); err != nil || p.Total.String() != "99.00" || !p.End.IsZero() {
		t.Fatalf("everlasting: %+v %v", p, err)
	}
	_, err = pricing.ComputePeriod(ever, 1)
	wantCode(t, err, pricing.CodeInvalidPeriod)
}

func TestRateUsage(t *testing.T) {
	t.Parallel()
	calls := pricing.PostpaidTerm{Kind: pricing.LineMetric, ID: "m1", Key: "api_calls", Name: "API calls", Unit: "call",
		Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("0.01")}, Included: d("100")}
	l, err := pricing.RateUsage(calls, d("250"), eur)
	if err != nil || l.Amount.String() != "1.50" || !l.Quantity.Equal(d("150")) || !l.UnitPrice.Equal(d("0.01")) ||
		l.Description != "API calls: 250 call, 100 included" {
		t.Fatalf("usage line: %+v %v", l, err)
	}
	if l, err := pricing.RateUsage(calls, d("40"), eur); err != nil || !l.Amount.IsZero() || !l.Quantity.IsZero() {
		t.Fatalf("under the included quantity: %+v %v", l, err)
	}
	_, err = pricing.RateUsage(calls, d("-1"), eur)
	wantCode(t, err, pricing.CodeQuantityOutOfRange)
	// The seed's tiered extra, used 15: 63.00.
	seats := pricing.PostpaidTerm{Kind: pricing.LineExtraResource, ID: "x1", Name: "Seats", Scheme: pricing.Scheme{Kind: pricing.SchemeTiered,
		Ranges: []pricing.Range{{From: d("1"), To: dp("9"), UnitPrice: d("5")}, {From: d("10"), UnitPrice: d("3")}}}}
	if l, err := pricing.RateUsage(seats, d("15"), eur); err != nil || l.Amount.String() != "63.00" || l.ExtraID != "x1" || len(l.Breakdown) != 2 {
		t.Fatalf("tiered usage: %+v %v", l, err)
	}
	// With the scheme compiled once, and the amount alone: the same.
	capped := pricing.PostpaidTerm{Kind: pricing.LineMetric, ID: "m2", Name: "Capped", Scheme: pricing.Scheme{Kind: pricing.SchemeVolume,
		Ranges: []pricing.Range{{From: d("0"), To: dp("10"), UnitPrice: d("2")}}}}
	for _, term := range []pricing.PostpaidTerm{calls, seats, capped} {
		r, err := term.Scheme.Compile()
		if err != nil {
			t.Fatal(err)
		}
		for _, used := range []string{"0", "40", "250", "15", "3.5", "11", "-1"} {
			want, wantErr := pricing.RateUsage(term, d(used), eur)
			got, err := pricing.RateUsageCompiled(term, r, d(used), eur)
			amount, amountErr := pricing.UsageAmount(term, r, d(used), eur)
			if fmt.Sprint(got, err) != fmt.Sprint(want, wantErr) || fmt.Sprint(amountErr) != fmt.Sprint(wantErr) ||
				(wantErr == nil && amount != want.Amount) {
				t.Fatalf("%s used %s: compiled %+v %v, amount %s %v; want %+v %v", term.ID, used, got, err, amount, amountErr, want, wantErr)
			}
		}
	}
}
