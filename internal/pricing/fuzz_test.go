package pricing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// fuzzDecimal parses s, or returns zero when it is not a decimal.
func fuzzDecimal(s string) money.Decimal {
	v, err := money.ParseDecimal(s)
	if err != nil {
		return money.Decimal{}
	}
	return v
}

// fuzzScheme builds a scheme from text: ranges are separated by ';', each
// "from:to:unit:flat:step:setup:tag" with "-" for an absent to or step.
func fuzzScheme(kind, unit string, size int64, pkgPrice, ranges string) pricing.Scheme {
	s := pricing.Scheme{Kind: pricing.SchemeKind(kind), UnitPrice: fuzzDecimal(unit), PackageSize: size, PackagePrice: fuzzDecimal(pkgPrice)}
	if ranges == "" {
		return s
	}
	for i, part := range strings.Split(ranges, ";") {
		if i > 2*pricing.MaxRanges {
			break
		}
		f := strings.Split(part, ":")
		for len(f) < 7 {
			f = append(f, "")
		}
		r := pricing.Range{From: fuzzDecimal(f[0]), UnitPrice: fuzzDecimal(f[2]), FlatPrice: fuzzDecimal(f[3]), SetupFee: fuzzDecimal(f[5]), Tag: f[6]}
		if f[1] != "-" {
			to := fuzzDecimal(f[1])
			r.To = &to
		}
		if f[4] != "-" && f[4] != "" {
			st := fuzzDecimal(f[4])
			r.Step = &st
		}
		s.Ranges = append(s.Ranges, r)
	}
	return s
}

func FuzzScheme(f *testing.F) {
	f.Add("tiered", "", int64(0), "", "1:9:5:0:-:0:;10:-:3:0:-:0:", "15")
	f.Add("volume", "", int64(0), "", "1:9:5:0:-:0:;10:-:3:0:-:0:", "9.5")
	f.Add("stairstep", "", int64(0), "", "0:5:0:10:-:1:Small;6:-:0:25:-:0:Large", "0")
	f.Add("package", "", int64(10), "7.5", "", "10.5")
	f.Add("per_unit", "0.000000001", int64(0), "", "3:10:0:0:2:9:", "5")
	f.Add("tiered", "", int64(0), "", "10:-:3:0:-:0:;1:9:5:0:-:0:", "15")
	f.Add("volume", "", int64(0), "", "1:10:5:0:-:0:;10:-:3:0:-:0:", "1")
	f.Add("stairstep", "1", int64(0), "", "1:1000000000000:0:999999999.999999999:-:0:", "1000000000000")
	f.Add("linear", "-1", int64(-5), "x", "a:b:c", "-3")
	f.Add("per_unit", "999999999.999999999", int64(0), "", "", "9223372036854.775807")
	f.Fuzz(func(t *testing.T, kind, unit string, size int64, pkgPrice, ranges, qty string) {
		s := fuzzScheme(kind, unit, size, pkgPrice, ranges)
		_ = s.Normalize().Validate()
		if err := s.Validate(); err != nil {
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid || len(e.Fields) == 0 {
				t.Fatalf("invalid scheme error %v has no field errors", err)
			}
			if _, err := s.Compile(); err == nil {
				t.Fatal("Compile accepted an invalid scheme")
			}
			return
		}
		q, err := money.ParseDecimal(qty)
		if err != nil {
			return
		}
		r, err := s.Rate(q)
		if err != nil {
			switch errs.CodeOf(err) {
			case pricing.CodeQuantityOutOfRange, pricing.CodeQuantityTooPrecise:
			case pricing.CodeAmountOverflow:
				if !errors.Is(err, money.ErrOverflow) {
					t.Fatalf("overflow error %v does not wrap money.ErrOverflow", err)
				}
			default:
				t.Fatalf("Rate(%s) = %v", q, err)
			}
			return
		}
		if r.Amount.IsNegative() || r.OneOff.IsNegative() {
			t.Fatalf("negative rating %s / %s", r.Amount, r.OneOff)
		}
		wantAmt, wantFee, ok := ref(s, q)
		if !ok || !wantAmt.Equal(r.Amount) || !wantFee.Equal(r.OneOff) {
			t.Fatalf("Rate(%s) = %s + %s, reference %s + %s (in range %v)", q, r.Amount, r.OneOff, wantAmt, wantFee, ok)
		}
		_ = s.CheckPurchase(q)
	})
}

func FuzzQuote(f *testing.F) {
	f.Add(uint8(0), "month", 1, 1, 0, 0, int64(1769853600), "10", "0", "0", "tiered", "1:9:5:0:-:0:;10:-:3:0:-:0:", "15", false, false, uint8(0), "10", "0", int64(0))
	f.Add(uint8(0), "month", 3, 2, 14, 2, int64(1769853600), "19.99", "100", "5", "per_unit", "", "4", true, false, uint8(1), "50", "5", int64(86400*40))
	f.Add(uint8(1), "hour", 24, 1, 0, 3, int64(1769853600), "1.5", "0", "0", "volume", "1:9:5:0:-:0:;10:-:3:0:-:0:", "9", false, true, uint8(2), "0", "25", int64(0))
	f.Add(uint8(2), "hour", 48, 0, 0, 1, int64(0), "300", "50", "0", "stairstep", "0:5:0:10:-:1:;6:-:0:25:-:0:", "0", true, false, uint8(3), "0", "0", int64(3600))
	f.Add(uint8(3), "", 0, 0, 7, 0, int64(-86400), "0.334", "0.334", "0.334", "package", "", "25", false, false, uint8(0), "100", "0", int64(-1))
	f.Add(uint8(4), "month", 1, 1, 0, 12, int64(1769853600), "0", "0", "0", "per_unit", "5:50:0:0:5:0:", "10", true, true, uint8(4), "", "", int64(0))
	f.Add(uint8(5), "", 0, 0, 0, 0, int64(1769853600), "1", "1", "1", "tiered", "", "1", false, false, uint8(0), "1", "1", int64(0))
	f.Add(uint8(0), "month", 2, 1, 0, 10000, int64(1769853600), "999999999.999999999", "999999999.999999999", "999999999.999999999", "per_unit", "", "9223372036854", true, true, uint8(0), "100", "0", int64(1))
	f.Add(uint8(0), "month", 12, 1, 0, 7, int64(253402300799), "5", "0", "0", "volume", "1:-:1:0:-:0:", "1", false, false, uint8(1), "0", "1000", int64(0))
	f.Fuzz(func(t *testing.T, kindIdx uint8, unit string, count, minPeriods, trialDays, periods int, startUnix int64,
		recurring, setup, iaas, schemeKind, ranges, qty string, required, postpaid bool,
		couponIdx uint8, couponValue, couponAmount string, untilOffset int64) {
		kinds := []pricing.PricingKind{pricing.PricingRenewableMonths, pricing.PricingRenewableHours, pricing.PricingShort,
			pricing.PricingEverlasting, pricing.PricingFree, pricing.PricingContactOnly}
		terms := pricing.Terms{Kind: kinds[int(kindIdx)%len(kinds)], PeriodUnit: unit, PeriodCount: count,
			MinPeriods: minPeriods, TrialDays: trialDays, AllowedPeriods: []int{minPeriods * 2, minPeriods}}
		if count%2 == 0 {
			terms.AllowedPeriods = nil
		}
		billing := pricing.Prepaid
		if postpaid {
			billing = pricing.Postpaid
		}
		scheme := fuzzScheme(schemeKind, couponValue, 10, recurring, ranges)
		if scheme.Kind != pricing.SchemePerUnit {
			scheme.UnitPrice = money.Decimal{}
		}
		if scheme.Kind != pricing.SchemePackage {
			scheme.PackageSize, scheme.PackagePrice = 0, money.Decimal{}
		}
		prices := pricing.PlanPrices{Currency: eur, Recurring: fuzzDecimal(recurring), Setup: fuzzDecimal(setup), IaaS: fuzzDecimal(iaas),
			Extras:  []pricing.ExtraPrice{{ID: "x", Name: "X", Required: required, Billing: billing, Scheme: scheme}},
			Metrics: []pricing.MetricPrice{{ID: "m", Key: "m", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: fuzzDecimal(iaas)}}}}
		start := time.Unix(startUnix%(1<<40), 0).UTC()
		in := pricing.QuoteInput{Terms: terms, Prices: prices, Periods: periods, Start: start, Trial: couponIdx&64 != 0}
		if q := fuzzDecimal(qty); qty != "" {
			in.Quantities = map[string]money.Decimal{"x": q}
		}
		couponKinds := []pricing.CouponKind{pricing.CouponDiscountPercent, pricing.CouponDiscountAmount, pricing.CouponFixedPrice, pricing.CouponExtendedTrial}
		scopes := []pricing.CouponScope{"", pricing.ScopeLicence, pricing.ScopeLicenceExtras, pricing.ScopeTotal}
		if couponIdx%5 != 4 {
			c := &pricing.Coupon{Code: "FUZZ", Kind: couponKinds[int(couponIdx)%4], Scope: scopes[int(couponIdx/5)%4]}
			switch c.Kind {
			case pricing.CouponDiscountPercent:
				c.Percent = fuzzDecimal(couponValue)
			case pricing.CouponDiscountAmount:
				if a, err := money.ParseAmount(couponAmount, eur); err == nil {
					c.Amount = a
				}
			case pricing.CouponFixedPrice:
				c.FixedPrice = fuzzDecimal(couponAmount)
				c.Scope = ""
			case pricing.CouponExtendedTrial:
				c.TrialDays = int(untilOffset % 4000)
				c.Scope = ""
			}
			if untilOffset != 0 {
				c.ValidUntil = start.Add(time.Duration(untilOffset%(1<<40)) * time.Second)
			}
			in.Coupon = c
		}
		if couponIdx >= 128 { // a bundle of the plan with itself, renamed
			other := prices
			other.Extras = nil
			in.Bundle = []pricing.BundleComponent{
				{PlanID: "a", Prices: prices, DiscountPercent: fuzzDecimal(couponValue)},
				{PlanID: "b", Prices: other, DiscountPercent: d("10")},
			}
			in.Prices = pricing.PlanPrices{}
		}
		q, err := pricing.Compute(in)
		if err != nil {
			if _, ok := errs.As(err); !ok {
				t.Fatalf("Compute error %v is not a domain error", err)
			}
			return
		}
		checkQuote(t, q)
		checkPeriods(t, in, q)
	})
}

// checkPeriods checks that the periods of an order charge exactly its
// total, each the sum of its lines, the first one the first invoice.
func checkPeriods(t *testing.T, in pricing.QuoteInput, q pricing.Quote) {
	t.Helper()
	if in.Trial || q.Periods > 36 {
		return
	}
	n := q.Periods
	if q.PeriodEnd.IsZero() {
		n = 1
	}
	var totals []money.Amount
	for k := 0; k < n; k++ {
		p, err := pricing.ComputePeriod(in, k)
		if err != nil {
			t.Fatalf("period %d: %v", k, err)
		}
		amounts := make([]money.Amount, len(p.Lines))
		for i, l := range p.Lines {
			amounts[i] = l.Amount
		}
		if sum, err := money.Sum(q.Currency, amounts...); err != nil || sum != p.Total || p.Total.IsNegative() {
			t.Fatalf("period %d: lines add up to %s (%v), total %s", k, sum, err, p.Total)
		}
		if k == 0 && p.Total != q.FirstInvoice {
			t.Fatalf("period 0 charges %s, the first invoice %s", p.Total, q.FirstInvoice)
		}
		totals = append(totals, p.Total)
	}
	if sum, err := money.Sum(q.Currency, totals...); err == nil && n == q.Periods && sum != q.Total {
		t.Fatalf("%d periods charge %s, the quote's total is %s", n, sum, q.Total)
	}
}

// checkQuote checks the invariants of every quote: no negative total,
// the first invoice is the sum of its lines, the total covers it.
func checkQuote(t *testing.T, q pricing.Quote) {
	t.Helper()
	amounts := make([]money.Amount, len(q.Lines))
	for i, l := range q.Lines {
		amounts[i] = l.Amount
	}
	sum, err := money.Sum(q.Currency, amounts...)
	if err != nil || sum != q.FirstInvoice {
		t.Fatalf("lines add up to %s (%v), first invoice %s", sum, err, q.FirstInvoice)
	}
	for name, a := range map[string]money.Amount{"first invoice": q.FirstInvoice, "recurring": q.RecurringPerPeriod, "total": q.Total, "savings": q.Savings} {
		if a.IsNegative() || a.Currency() != q.Currency {
			t.Fatalf("%s = %s %s", name, a, a.Currency())
		}
	}
	if c, _ := q.Total.Cmp(q.FirstInvoice); c < 0 || q.Periods < 1 {
		t.Fatalf("total %s below first invoice %s over %d periods", q.Total, q.FirstInvoice, q.Periods)
	}
	if !q.End.IsZero() && q.End.Before(q.PeriodEnd) {
		t.Fatalf("end %s before the first period's end %s", q.End, q.PeriodEnd)
	}
}
