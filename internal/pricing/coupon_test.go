package pricing_test

import (
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// couponPlan: setup 100, licence 19.99, IaaS 5, one prepaid extra of
// 10.00 per period.
func couponPlan() pricing.PlanPrices {
	return pricing.PlanPrices{Currency: eur, Setup: d("100"), Recurring: d("19.99"), IaaS: d("5"), Extras: []pricing.ExtraPrice{
		{ID: "x", Name: "Seats", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("2.5")}, Billing: pricing.Prepaid},
	}}
}

func TestCoupons(t *testing.T) {
	t.Parallel()
	percent := func(p string, s pricing.CouponScope) *pricing.Coupon {
		return &pricing.Coupon{Code: "P", Kind: pricing.CouponDiscountPercent, Percent: d(p), Scope: s}
	}
	amount := func(a string, s pricing.CouponScope) *pricing.Coupon {
		return &pricing.Coupon{Code: "A", Kind: pricing.CouponDiscountAmount, Amount: amt(t, a, eur), Scope: s}
	}
	fixed := func(p string) *pricing.Coupon {
		return &pricing.Coupon{Code: "F", Kind: pricing.CouponFixedPrice, FixedPrice: d(p)}
	}
	// Without a coupon: first 134.99 (100 + 19.99 + 5 + 10), then 34.99.
	tests := []struct {
		name             string
		c                *pricing.Coupon
		kind             pricing.LineKind
		line             string // first period's coupon line
		first, recurring string
		total, savings   string // over 3 periods
	}{
		{"none", nil, "", "", "134.99", "34.99", "204.97", "0.00"},
		{"percent licence", percent("10", ""), pricing.LineCouponDiscount, "-2.00", "132.99", "32.99", "198.97", "6.00"},
		{"percent licence explicit", percent("10", pricing.ScopeLicence), pricing.LineCouponDiscount, "-2.00", "132.99", "32.99", "198.97", "6.00"},
		{"percent licence+extras", percent("10", pricing.ScopeLicenceExtras), pricing.LineCouponDiscount, "-3.00", "131.99", "31.99", "195.97", "9.00"},
		{"percent total", percent("10", pricing.ScopeTotal), pricing.LineCouponDiscount, "-13.50", "121.49", "31.49", "184.47", "20.50"},
		{"percent 100 total", percent("100", pricing.ScopeTotal), pricing.LineCouponDiscount, "-134.99", "0.00", "0.00", "0.00", "204.97"},
		{"amount licence", amount("5", ""), pricing.LineCouponDiscount, "-5.00", "129.99", "29.99", "189.97", "15.00"},
		{"amount capped at licence", amount("50", pricing.ScopeLicence), pricing.LineCouponDiscount, "-19.99", "115.00", "15.00", "145.00", "59.97"},
		{"amount licence+extras", amount("50", pricing.ScopeLicenceExtras), pricing.LineCouponDiscount, "-29.99", "105.00", "5.00", "115.00", "89.97"},
		{"amount total", amount("50", pricing.ScopeTotal), pricing.LineCouponDiscount, "-50.00", "84.99", "0.00", "84.99", "119.98"},
		{"fixed lower", fixed("15"), pricing.LineCouponDiscount, "-4.99", "130.00", "30.00", "190.00", "14.97"},
		{"fixed higher", fixed("25.005"), pricing.LineCouponSurcharge, "5.02", "140.01", "40.01", "220.03", "0.00"},
		{"fixed same", fixed("19.99"), "", "", "134.99", "34.99", "204.97", "0.00"},
		{"fixed zero", fixed("0"), pricing.LineCouponDiscount, "-19.99", "115.00", "15.00", "145.00", "59.97"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := pricing.Compute(pricing.QuoteInput{Terms: monthly(1), Prices: couponPlan(), Periods: 3,
				Quantities: map[string]money.Decimal{"x": d("4")}, Coupon: tt.c, Start: jan31})
			if err != nil {
				t.Fatal(err)
			}
			var couponLines []pricing.QuoteLine
			for _, l := range q.Lines {
				if l.Kind == pricing.LineCouponDiscount || l.Kind == pricing.LineCouponSurcharge {
					couponLines = append(couponLines, l)
				}
			}
			switch {
			case tt.kind == "" && len(couponLines) != 0:
				t.Errorf("unexpected coupon lines %+v", couponLines)
			case tt.kind != "" && (len(couponLines) != 1 || couponLines[0].Kind != tt.kind || couponLines[0].Amount.String() != tt.line):
				t.Errorf("coupon lines = %+v, want one %s of %s", couponLines, tt.kind, tt.line)
			case tt.kind != "" && (!couponLines[0].Recurring || couponLines[0].Period == nil):
				t.Errorf("coupon line not marked recurring: %+v", couponLines[0])
			}
			if q.FirstInvoice.String() != tt.first || q.RecurringPerPeriod.String() != tt.recurring || q.Total.String() != tt.total || q.Savings.String() != tt.savings {
				t.Errorf("first %s, recurring %s, total %s, savings %s; want %s, %s, %s, %s",
					q.FirstInvoice, q.RecurringPerPeriod, q.Total, q.Savings, tt.first, tt.recurring, tt.total, tt.savings)
			}
			if q.Total.IsNegative() || q.FirstInvoice.IsNegative() {
				t.Error("negative total")
			}
		})
	}
}

// A percentage is taken of the unrounded scope and rounded once: three
// lines of 0.335 (0.34 each once rounded, 1.02 together) at 50 % give
// 1.005 × 0.5 = 0.5025 → 0.50, where the rounded lines would give 0.51.
func TestCouponPercentRoundsOnce(t *testing.T) {
	t.Parallel()
	p := pricing.PlanPrices{Currency: eur, Recurring: d("0.335"), IaaS: d("0.335"), Extras: []pricing.ExtraPrice{
		{ID: "x", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("0.335")}, Billing: pricing.Prepaid},
	}}
	c := &pricing.Coupon{Code: "HALF", Kind: pricing.CouponDiscountPercent, Percent: d("50"), Scope: pricing.ScopeTotal}
	q, err := pricing.Compute(pricing.QuoteInput{Terms: monthly(1), Prices: p, Quantities: map[string]money.Decimal{"x": d("1")}, Coupon: c, Start: jan31})
	if err != nil {
		t.Fatal(err)
	}
	last := q.Lines[len(q.Lines)-1]
	if last.Kind != pricing.LineCouponDiscount || last.Amount.String() != "-0.50" || q.FirstInvoice.String() != "0.52" {
		t.Errorf("coupon line %s, first invoice %s", last.Amount, q.FirstInvoice)
	}
}

func TestCouponValidityWindow(t *testing.T) {
	t.Parallel()
	plan := pricing.PlanPrices{Currency: eur, Recurring: d("10")}
	c := func(from, until time.Time) *pricing.Coupon {
		return &pricing.Coupon{Code: "W", Kind: pricing.CouponDiscountPercent, Percent: d("50"), ValidFrom: from, ValidUntil: until}
	}
	feb28 := time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name             string
		c                *pricing.Coupon
		start            time.Time
		code             string
		periods          int
		recurring, total string
	}{
		{"unbounded", c(time.Time{}, time.Time{}), jan31, "", 12, "5.00", "60.00"},
		{"until mid April", c(time.Time{}, time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC)), jan31, "", 3, "5.00", "105.00"},
		{"until the second period starts", c(time.Time{}, feb28), jan31, "", 1, "10.00", "115.00"},
		{"just after the second period starts", c(time.Time{}, feb28.Add(time.Nanosecond)), jan31, "", 2, "5.00", "110.00"},
		{"from is inclusive", c(jan31, time.Time{}), jan31, "", 12, "5.00", "60.00"},
		{"not yet valid", c(jan31.Add(time.Second), time.Time{}), jan31, pricing.CodeCouponNotYetValid, 0, "", ""},
		{"expired", c(time.Time{}, jan31), jan31, pricing.CodeCouponExpired, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := pricing.Compute(pricing.QuoteInput{Terms: monthly(1), Prices: plan, Periods: 12, Coupon: tt.c, Start: tt.start})
			if tt.code != "" {
				e := wantCode(t, err, tt.code)
				if e.Kind != "failed_precondition" || !hasField(e, "coupon", tt.code) {
					t.Errorf("error = %+v", e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.CouponPeriods != tt.periods || q.RecurringPerPeriod.String() != tt.recurring || q.Total.String() != tt.total {
				t.Errorf("coupon periods %d, recurring %s, total %s; want %d, %s, %s", q.CouponPeriods, q.RecurringPerPeriod, q.Total, tt.periods, tt.recurring, tt.total)
			}
			if want := int64(12*1000) - q.Total.Minor(); q.Savings.Minor() != want {
				t.Errorf("savings %s, want %d cents", q.Savings, want)
			}
		})
	}
	// A trial can push the first period past the coupon's end: redeemed,
	// but no period starts in time.
	terms := monthly(1)
	terms.TrialDays = 30
	q, err := pricing.Compute(pricing.QuoteInput{Terms: terms, Prices: plan, Coupon: c(time.Time{}, jan31.AddDate(0, 0, 10)), Start: jan31, Trial: true})
	if err != nil || q.CouponPeriods != 0 || q.Total.String() != "10.00" || len(q.Lines) != 1 {
		t.Errorf("coupon ending during the trial: %+v, %v", q, err)
	}
}

func TestCouponErrors(t *testing.T) {
	t.Parallel()
	plan := pricing.PlanPrices{Currency: eur, Recurring: d("10")}
	in := func(c *pricing.Coupon, terms pricing.Terms) error {
		_, err := pricing.Compute(pricing.QuoteInput{Terms: terms, Prices: plan, Coupon: c, Start: jan31})
		return err
	}
	usd5 := &pricing.Coupon{Code: "USD", Kind: pricing.CouponDiscountAmount, Amount: amt(t, "5", usd)}
	if e := wantCode(t, in(usd5, monthly(1)), pricing.CodeCouponCurrencyMismatch); e.Kind != "invalid" || !hasField(e, "coupon", pricing.CodeCouponCurrencyMismatch) {
		t.Errorf("currency mismatch = %+v", e)
	}
	fixed := &pricing.Coupon{Code: "F", Kind: pricing.CouponFixedPrice, FixedPrice: d("1")}
	free := pricing.Terms{Kind: pricing.PricingFree}
	wantCode(t, in(fixed, free), pricing.CodeCouponNotApplicable)

	tests := []struct {
		c     pricing.Coupon
		field string
		code  string
	}{
		{pricing.Coupon{Code: "X", Kind: "gift"}, "kind", "invalid_enum"},
		{pricing.Coupon{Code: "X", Kind: pricing.CouponDiscountPercent, Percent: d("0")}, "percent", "out_of_range"},
		{pricing.Coupon{Code: "X", Kind: pricing.CouponDiscountPercent, Percent: d("100.1")}, "percent", "out_of_range"},
		{pricing.Coupon{Code: "X", Kind: pricing.CouponDiscountPercent, Percent: d("5"), Scope: "everything"}, "scope", "invalid_enum"},
		{pricing.Coupon{Code: "X", Kind: pricing.CouponDiscountAmount}, "amount", "required"},
		{pricing.Coupon{Code: "X", Kind: pricing.CouponDiscountAmount, Amount: amt(t, "-1", eur)}, "amount", "not_positive"},
		{pricing.Coupon{Code: "X", Kind: pricing.CouponFixedPrice, FixedPrice: d("-1")}, "fixed_price", "negative"},
		{pricing.Coupon{Code: "X", Kind: pricing.CouponFixedPrice, Scope: pricing.ScopeTotal}, "scope", "not_applicable"},
		{pricing.Coupon{Code: "X", Kind: pricing.CouponExtendedTrial}, "trial_days", "out_of_range"},
		{pricing.Coupon{Code: "X", Kind: pricing.CouponExtendedTrial, TrialDays: 10, Percent: d("5")}, "percent", "not_applicable"},
		{pricing.Coupon{Code: "X", Kind: pricing.CouponExtendedTrial, TrialDays: 10, ValidFrom: jan31, ValidUntil: jan31}, "valid_until", "before_valid_from"},
		{pricing.Coupon{Kind: pricing.CouponExtendedTrial, TrialDays: 10}, "code", "required"},
	}
	for _, tt := range tests {
		e := wantCode(t, tt.c.Validate(), "validation_failed")
		if !hasField(e, tt.field, tt.code) {
			t.Errorf("%+v: fields %+v, want %s %s", tt.c, e.Fields, tt.field, tt.code)
		}
		if e := wantCode(t, in(&tt.c, monthly(1)), "validation_failed"); !hasField(e, "coupon."+tt.field, tt.code) {
			t.Errorf("Compute fields %+v, want coupon.%s", e.Fields, tt.field)
		}
	}
}

// Three lines of 0.334 round to 0.99 together, but 100 % of their
// unrounded 1.002 rounds to 1.00: the discount is capped at 0.99 so the
// invoice is exactly zero, never -0.01.
func TestCouponNeverNegative(t *testing.T) {
	t.Parallel()
	p := pricing.PlanPrices{Currency: eur, Recurring: d("0.334"), IaaS: d("0.334"), Extras: []pricing.ExtraPrice{
		{ID: "x", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("0.334")}, Billing: pricing.Prepaid},
	}}
	for _, c := range []*pricing.Coupon{
		{Code: "ALL", Kind: pricing.CouponDiscountPercent, Percent: d("100"), Scope: pricing.ScopeTotal},
		{Code: "ZERO", Kind: pricing.CouponFixedPrice, FixedPrice: d("0")},
	} {
		q, err := pricing.Compute(pricing.QuoteInput{Terms: monthly(1), Prices: p, Quantities: map[string]money.Decimal{"x": d("1")}, Coupon: c, Start: jan31})
		if err != nil {
			t.Fatal(err)
		}
		if q.FirstInvoice.IsNegative() || q.Total.IsNegative() {
			t.Errorf("%s: first invoice %s, total %s", c.Code, q.FirstInvoice, q.Total)
		}
	}
}
