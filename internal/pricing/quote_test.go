package pricing_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

var jan31 = time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)

func monthly(minPeriods int) pricing.Terms {
	return pricing.Terms{Kind: pricing.PricingRenewableMonths, PeriodUnit: pricing.PeriodMonth, PeriodCount: 1, MinPeriods: minPeriods}
}

// seedPlan has three prepaid extras, one per scheme of the seed example.
func seedPlan() pricing.PlanPrices {
	return pricing.PlanPrices{Currency: eur, Recurring: d("10"), Extras: []pricing.ExtraPrice{
		{ID: "tiered", Name: "Tiered users", Scheme: seedScheme(pricing.SchemeTiered), Billing: pricing.Prepaid},
		{ID: "volume", Name: "Volume users", Scheme: seedScheme(pricing.SchemeVolume), Billing: pricing.Prepaid},
		{ID: "stairstep", Name: "Stairstep users", Scheme: seedScheme(pricing.SchemeStairstep), Billing: pricing.Prepaid},
	}}
}

func lineAmounts(q pricing.Quote) map[pricing.LineKind][]string {
	m := map[pricing.LineKind][]string{}
	for _, l := range q.Lines {
		m[l.Kind] = append(m[l.Kind], l.Amount.String())
	}
	return m
}

func TestComputeSeedExample(t *testing.T) {
	t.Parallel()
	q, err := pricing.Compute(pricing.QuoteInput{
		Terms:      monthly(1),
		Prices:     seedPlan(),
		Quantities: map[string]money.Decimal{"tiered": d("15"), "volume": d("15"), "stairstep": d("15")},
		Start:      jan31,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"tiered": "63.00", "volume": "45.00", "stairstep": "100.00"}
	for _, l := range q.Lines {
		if l.Kind != pricing.LineExtraResource {
			continue
		}
		if l.Amount.String() != want[l.ExtraID] || !l.Quantity.Equal(d("15")) || !l.Recurring || l.Period == nil {
			t.Errorf("%s line = %s (qty %s), want %s", l.ExtraID, l.Amount, l.Quantity, want[l.ExtraID])
		}
		delete(want, l.ExtraID)
	}
	if len(want) != 0 {
		t.Errorf("missing lines %v", want)
	}
	if q.FirstInvoice.String() != "218.00" || q.RecurringPerPeriod.String() != "218.00" || q.Total.String() != "218.00" || q.Periods != 1 {
		t.Errorf("totals = %s / %s / %s over %d", q.FirstInvoice, q.RecurringPerPeriod, q.Total, q.Periods)
	}
	if !q.PeriodStart.Equal(jan31) || !q.PeriodEnd.Equal(time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("period = %s – %s", q.PeriodStart, q.PeriodEnd)
	}
}

func TestComputeTypicalPlan(t *testing.T) {
	t.Parallel()
	p := vendorPrices()
	p.Extras = append(p.Extras, pricing.ExtraPrice{ID: "ext_storage", Name: "Storage", Unit: "GB", Billing: pricing.Postpaid,
		Scheme: pricing.Scheme{Kind: pricing.SchemePackage, PackageSize: 10, PackagePrice: d("1.5")}})
	p.Extras = append(p.Extras, pricing.ExtraPrice{ID: "ext_support", Name: "Support", Required: true, Billing: pricing.Prepaid,
		Scheme: pricing.Scheme{Kind: pricing.SchemeStairstep, Ranges: []pricing.Range{{From: d("0"), To: dp("0"), FlatPrice: d("0")}, {From: d("1"), FlatPrice: d("15")}}}})
	q, err := pricing.Compute(pricing.QuoteInput{
		Terms:      pricing.Terms{Kind: pricing.PricingRenewableMonths, PeriodUnit: pricing.PeriodMonth, PeriodCount: 3, MinPeriods: 2},
		Prices:     p,
		Quantities: map[string]money.Decimal{"ext_users": d("12"), "ext_storage": d("25")},
		Start:      jan31,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := lineAmounts(q)
	want := map[pricing.LineKind][]string{
		pricing.LineSetupFee:      {"100.00"},
		pricing.LineLicence:       {"20.00"},
		pricing.LineIaaS:          {"8.00"},
		pricing.LineExtraResource: {"54.00", "0.00"}, // 9 × 5 + 3 × 3; the required support at its base level 0
		pricing.LineExtraSetupFee: {"10.00"},
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("%s lines = %v, want %v", k, got[k], w)
		}
	}
	if len(q.Lines) != 6 {
		t.Errorf("lines = %+v", q.Lines)
	}
	for _, l := range q.Lines {
		oneOff := l.Kind == pricing.LineSetupFee || l.Kind == pricing.LineExtraSetupFee
		if l.Recurring == oneOff || (l.Period == nil) != oneOff {
			t.Errorf("%s: recurring %v, period %v", l.Kind, l.Recurring, l.Period)
		}
	}
	// 110 one-off + 82 per 3-month period, 2 periods.
	if q.FirstInvoice.String() != "192.00" || q.RecurringPerPeriod.String() != "82.00" || q.Total.String() != "274.00" {
		t.Errorf("totals = %s / %s / %s", q.FirstInvoice, q.RecurringPerPeriod, q.Total)
	}
	if q.Periods != 2 || !q.PeriodEnd.Equal(time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC)) || !q.End.Equal(time.Date(2026, 7, 31, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("periods = %d, %s, %s", q.Periods, q.PeriodEnd, q.End)
	}
	if len(q.Postpaid) != 2 {
		t.Fatalf("postpaid = %+v", q.Postpaid)
	}
	storage, docs := q.Postpaid[0], q.Postpaid[1]
	if storage.ID != "ext_storage" || storage.Kind != pricing.LineExtraResource || storage.Estimate.String() != "4.50" || !storage.Quantity.Equal(d("25")) {
		t.Errorf("storage term = %+v", storage)
	}
	if docs.Kind != pricing.LineMetric || docs.Key != "documents" || !docs.Included.Equal(d("100")) || docs.Scheme.Kind != pricing.SchemePerUnit {
		t.Errorf("metric term = %+v", docs)
	}
}

func TestComputeDurations(t *testing.T) {
	t.Parallel()
	plan := pricing.PlanPrices{Currency: eur, Recurring: d("10")}
	hourly := pricing.Terms{Kind: pricing.PricingRenewableHours, PeriodUnit: pricing.PeriodHour, PeriodCount: 24, MinPeriods: 1}
	allowed := monthly(3)
	allowed.AllowedPeriods = []int{12, 6}
	tests := []struct {
		name     string
		terms    pricing.Terms
		periods  int
		start    time.Time
		want     int
		end      time.Time
		code     string
		firstEnd time.Time
	}{
		{"default min", monthly(3), 0, jan31, 3, time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC), "", time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC)},
		{"multiple", monthly(3), 6, jan31, 6, time.Date(2026, 7, 31, 10, 0, 0, 0, time.UTC), "", time.Time{}},
		{"not multiple", monthly(3), 4, jan31, 0, time.Time{}, pricing.CodeInvalidDuration, time.Time{}},
		{"negative", monthly(1), -1, jan31, 0, time.Time{}, pricing.CodeInvalidDuration, time.Time{}},
		{"too long", monthly(1), pricing.MaxPeriods + 1, jan31, 0, time.Time{}, pricing.CodeInvalidDuration, time.Time{}},
		{"allowed default", allowed, 0, jan31, 6, time.Date(2026, 7, 31, 10, 0, 0, 0, time.UTC), "", time.Time{}},
		{"allowed", allowed, 12, jan31, 12, time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC), "", time.Time{}},
		{"not allowed", allowed, 9, jan31, 0, time.Time{}, pricing.CodeInvalidDuration, time.Time{}},
		{"leap year", monthly(1), 2, time.Date(2028, 1, 31, 0, 0, 0, 0, time.UTC), 2, time.Date(2028, 3, 31, 0, 0, 0, 0, time.UTC), "", time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"hours", hourly, 3, jan31, 3, jan31.Add(72 * time.Hour), "", jan31.Add(24 * time.Hour)},
		{"100 years", monthly(1), 1200, jan31, 1200, time.Date(2126, 1, 31, 10, 0, 0, 0, time.UTC), "", time.Time{}},
		{"over 100 years", monthly(1), 1201, jan31, 0, time.Time{}, pricing.CodeInvalidDuration, time.Time{}},
		{"hours beyond time.Duration", pricing.Terms{Kind: pricing.PricingRenewableHours, PeriodUnit: pricing.PeriodHour, PeriodCount: 10000, MinPeriods: 1}, 10000, jan31, 0, time.Time{}, pricing.CodeInvalidDuration, time.Time{}},
		{"short too long", pricing.Terms{Kind: pricing.PricingShort, PeriodUnit: pricing.PeriodMonth, PeriodCount: 1201}, 0, jan31, 0, time.Time{}, pricing.CodeInvalidDuration, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := pricing.Compute(pricing.QuoteInput{Terms: tt.terms, Prices: plan, Periods: tt.periods, Start: tt.start})
			if tt.code != "" {
				if e := wantCode(t, err, tt.code); !hasField(e, "periods", tt.code) {
					t.Errorf("fields = %+v", e.Fields)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.Periods != tt.want || !q.End.Equal(tt.end) {
				t.Errorf("periods %d ending %s, want %d ending %s", q.Periods, q.End, tt.want, tt.end)
			}
			if !tt.firstEnd.IsZero() && !q.PeriodEnd.Equal(tt.firstEnd) {
				t.Errorf("first period ends %s, want %s", q.PeriodEnd, tt.firstEnd)
			}
			if total := int64(tt.want) * 1000; tt.terms.Kind != pricing.PricingShort && q.Total.Minor() != total {
				t.Errorf("total = %s for %d periods", q.Total, tt.want)
			}
		})
	}
}

func TestAddMonths(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 31, 23, 59, 59, 5, time.UTC)
	for _, tt := range []struct {
		n    int
		want string
	}{
		{0, "2026-01-31"}, {1, "2026-02-28"}, {2, "2026-03-31"}, {3, "2026-04-30"}, {11, "2026-12-31"},
		{12, "2027-01-31"}, {25, "2028-02-29"}, {-1, "2025-12-31"}, {-2, "2025-11-30"}, {-13, "2024-12-31"},
	} {
		got := pricing.AddMonths(base, tt.n)
		if got.Format("2006-01-02") != tt.want || got.Hour() != 23 || got.Nanosecond() != 5 {
			t.Errorf("AddMonths(%d) = %s, want %s", tt.n, got, tt.want)
		}
	}
	if got := pricing.AddMonths(time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), 1); got.Day() != 15 {
		t.Errorf("mid-month = %s", got)
	}
}

func TestComputePricingKinds(t *testing.T) {
	t.Parallel()
	plan := pricing.PlanPrices{Currency: eur, Setup: d("50"), Recurring: d("300"), IaaS: d("5"), Extras: []pricing.ExtraPrice{
		{ID: "x", Name: "Seats", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("2")}, Billing: pricing.Prepaid},
	}}
	qty := map[string]money.Decimal{"x": d("3")}
	tests := []struct {
		name                    string
		terms                   pricing.Terms
		periods                 int
		first, recurring, total string
		lines                   int
		renewable, hasEnd       bool
		code                    string
	}{
		{"everlasting", pricing.Terms{Kind: pricing.PricingEverlasting}, 0, "361.00", "0.00", "361.00", 4, false, false, ""},
		{"everlasting twice", pricing.Terms{Kind: pricing.PricingEverlasting}, 2, "", "", "", 0, false, false, pricing.CodeInvalidDuration},
		{"short", pricing.Terms{Kind: pricing.PricingShort, PeriodUnit: pricing.PeriodHour, PeriodCount: 48}, 1, "361.00", "0.00", "361.00", 4, false, true, ""},
		{"free monthly", pricing.Terms{Kind: pricing.PricingFree, PeriodUnit: pricing.PeriodMonth, PeriodCount: 1}, 3, "6.00", "6.00", "18.00", 1, true, true, ""},
		{"free once", pricing.Terms{Kind: pricing.PricingFree}, 0, "6.00", "0.00", "6.00", 1, false, false, ""},
		{"contact only", pricing.Terms{Kind: pricing.PricingContactOnly}, 0, "", "", "", 0, false, false, pricing.CodeContactOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := pricing.Compute(pricing.QuoteInput{Terms: tt.terms, Prices: plan, Quantities: qty, Periods: tt.periods, Start: jan31})
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.FirstInvoice.String() != tt.first || q.RecurringPerPeriod.String() != tt.recurring || q.Total.String() != tt.total || len(q.Lines) != tt.lines {
				t.Errorf("= %s / %s / %s in %d lines, want %s / %s / %s in %d", q.FirstInvoice, q.RecurringPerPeriod, q.Total, len(q.Lines), tt.first, tt.recurring, tt.total, tt.lines)
			}
			if q.Renewable != tt.renewable || q.End.IsZero() == tt.hasEnd {
				t.Errorf("renewable %v, end %s", q.Renewable, q.End)
			}
			for _, l := range q.Lines {
				if l.Recurring != tt.renewable && l.Kind != pricing.LineSetupFee {
					t.Errorf("%s recurring = %v", l.Kind, l.Recurring)
				}
			}
		})
	}
	// Free plans charge only their extras.
	q, err := pricing.Compute(pricing.QuoteInput{Terms: pricing.Terms{Kind: pricing.PricingFree}, Prices: plan, Start: jan31})
	if err != nil || len(q.Lines) != 0 || !q.Total.IsZero() {
		t.Errorf("free plan without extras = %+v, %v", q, err)
	}
	e := wantCode(t, func() error {
		_, err := pricing.Compute(pricing.QuoteInput{Terms: pricing.Terms{Kind: pricing.PricingContactOnly}, Start: jan31})
		return err
	}(), pricing.CodeContactOnly)
	if e.Kind != "failed_precondition" {
		t.Errorf("contact_only kind = %s", e.Kind)
	}
}

func TestComputeQuantities(t *testing.T) {
	t.Parallel()
	plan := pricing.PlanPrices{Currency: eur, Recurring: d("10"), Extras: []pricing.ExtraPrice{
		{ID: "seats", Required: true, Billing: pricing.Prepaid, Scheme: pricing.Scheme{Kind: pricing.SchemeVolume, Ranges: []pricing.Range{
			{From: d("5"), To: dp("50"), UnitPrice: d("2"), Step: dp("5")},
		}}},
		{ID: "backup", Billing: pricing.Prepaid, Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("1")}},
	}}
	tests := []struct {
		name  string
		qty   map[string]money.Decimal
		field string
		code  string
		total string
	}{
		{"required defaults to minimum", nil, "", "", "20.00"},
		{"required given", map[string]money.Decimal{"seats": d("10")}, "", "", "30.00"},
		{"optional bought", map[string]money.Decimal{"backup": d("3")}, "", "", "23.00"},
		{"optional zero", map[string]money.Decimal{"backup": d("0")}, "", "", "20.00"},
		{"required zero", map[string]money.Decimal{"seats": d("0")}, "quantities.seats", pricing.CodeQuantityRequired, ""},
		{"unknown", map[string]money.Decimal{"nope": d("1")}, "quantities.nope", pricing.CodeUnknownExtra, ""},
		{"below minimum", map[string]money.Decimal{"seats": d("3")}, "quantities.seats", pricing.CodeQuantityOutOfRange, ""},
		{"above cap", map[string]money.Decimal{"seats": d("55")}, "quantities.seats", pricing.CodeQuantityOutOfRange, ""},
		{"off step", map[string]money.Decimal{"seats": d("7")}, "quantities.seats", pricing.CodeQuantityNotOnStep, ""},
		{"fractional", map[string]money.Decimal{"backup": d("1.5")}, "quantities.backup", pricing.CodeQuantityNotWhole, ""},
		{"negative", map[string]money.Decimal{"backup": d("-1")}, "quantities.backup", pricing.CodeQuantityOutOfRange, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := pricing.Compute(pricing.QuoteInput{Terms: monthly(1), Prices: plan, Quantities: tt.qty, Start: jan31})
			if tt.code != "" {
				if e := wantCode(t, err, tt.code); !hasField(e, tt.field, tt.code) {
					t.Errorf("fields = %+v", e.Fields)
				}
				return
			}
			if err != nil || q.Total.String() != tt.total {
				t.Errorf("total = %s, %v; want %s", q.Total, err, tt.total)
			}
		})
	}
}

func TestComputeTrial(t *testing.T) {
	t.Parallel()
	terms := monthly(1)
	terms.TrialDays, terms.TrialCardRequired = 14, true
	plan := pricing.PlanPrices{Currency: eur, Recurring: d("10")}
	q, err := pricing.Compute(pricing.QuoteInput{Terms: terms, Prices: plan, Start: jan31, Trial: true})
	if err != nil {
		t.Fatal(err)
	}
	ends := jan31.AddDate(0, 0, 14)
	if q.Trial == nil || q.Trial.Days != 14 || !q.Trial.CardRequired || !q.Trial.EndsAt.Equal(ends) || !q.PeriodStart.Equal(ends) {
		t.Fatalf("trial = %+v, period start %s", q.Trial, q.PeriodStart)
	}
	if !q.PeriodEnd.Equal(time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("first period after the trial ends %s", q.PeriodEnd)
	}

	// Buying at once skips the trial the plan offers.
	q, err = pricing.Compute(pricing.QuoteInput{Terms: terms, Prices: plan, Start: jan31})
	if err != nil || q.Trial != nil || !q.PeriodStart.Equal(jan31) {
		t.Fatalf("bought at once: trial %+v, period start %s, %v", q.Trial, q.PeriodStart, err)
	}

	ext := &pricing.Coupon{Code: "LONGTRIAL", Kind: pricing.CouponExtendedTrial, TrialDays: 30}
	q, err = pricing.Compute(pricing.QuoteInput{Terms: terms, Prices: plan, Coupon: ext, Start: jan31, Trial: true})
	if err != nil || q.Trial.Days != 30 || q.Savings.Minor() != 0 || q.CouponPeriods != 0 || len(q.Lines) != 1 {
		t.Errorf("extended trial = %+v, %v", q.Trial, err)
	}
	_, err = pricing.Compute(pricing.QuoteInput{Terms: terms, Prices: plan, Coupon: ext, Start: jan31})
	if e := wantCode(t, err, pricing.CodeCouponNotApplicable); !hasField(e, "coupon", pricing.CodeCouponNotApplicable) {
		t.Errorf("extended trial on a purchase: %+v", e)
	}
	_, err = pricing.Compute(pricing.QuoteInput{Terms: monthly(1), Prices: plan, Coupon: ext, Start: jan31})
	if e := wantCode(t, err, pricing.CodeCouponNotApplicable); e.Kind != "failed_precondition" || !hasField(e, "coupon", pricing.CodeCouponNotApplicable) {
		t.Errorf("extended trial on a plan without trials: %+v", e)
	}
	_, err = pricing.Compute(pricing.QuoteInput{Terms: monthly(1), Prices: plan, Start: jan31, Trial: true})
	if e := wantCode(t, err, pricing.CodeTrialNotAvailable); e.Kind != "invalid" || !hasField(e, "type", pricing.CodeTrialNotAvailable) {
		t.Errorf("trial of a plan without one: %+v", e)
	}
}

func TestComputeValidation(t *testing.T) {
	t.Parallel()
	_, err := pricing.Compute(pricing.QuoteInput{
		Terms:  pricing.Terms{Kind: pricing.PricingRenewableMonths, PeriodUnit: pricing.PeriodHour, AllowedPeriods: []int{0}, TrialDays: -1},
		Prices: pricing.PlanPrices{Recurring: d("-1")},
		Coupon: &pricing.Coupon{Kind: pricing.CouponDiscountPercent, Percent: d("150")},
	})
	e := wantCode(t, err, "validation_failed")
	for _, w := range []struct{ field, code string }{
		{"terms.period_unit", "invalid_enum"},
		{"terms.period_count", "out_of_range"},
		{"terms.min_periods", "out_of_range"},
		{"terms.allowed_periods[0]", "out_of_range"},
		{"terms.trial_days", "out_of_range"},
		{"prices.currency", "required"},
		{"prices.recurring", "negative"},
		{"coupon.code", "required"},
		{"coupon.percent", "out_of_range"},
		{"start", "required"},
	} {
		if !hasField(e, w.field, w.code) {
			t.Errorf("missing %s %s in %+v", w.field, w.code, e.Fields)
		}
	}
	terms := monthly(2)
	terms.AllowedPeriods = []int{3}
	if e := wantCode(t, terms.Validate(), "validation_failed"); !hasField(e, "allowed_periods[0]", "not_multiple") {
		t.Errorf("fields = %+v", e.Fields)
	}
	if err := (pricing.Terms{Kind: "weekly"}).Validate(); err == nil {
		t.Error("unknown pricing kind accepted")
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	s := seedScheme(pricing.SchemeTiered)
	s.Ranges[0].Step, s.Ranges[0].Tag = dp("3"), "Small"
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"tiered","unit_price":"0","package_price":"0","ranges":[` +
		`{"from":"1","to":"9","unit_price":"5","flat_price":"0","step":"3","setup_fee":"0","tag":"Small"},` +
		`{"from":"10","unit_price":"3","flat_price":"0","setup_fee":"0"}]}`
	if string(b) != want {
		t.Errorf("scheme JSON = %s\nwant          %s", b, want)
	}
	var back pricing.Scheme
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	r, err := back.Rate(d("15"))
	if err != nil || !r.Amount.Equal(d("63")) || back.Ranges[1].To != nil || !back.Ranges[0].Step.Equal(d("3")) {
		t.Errorf("round trip = %+v, %s, %v", back, r.Amount, err)
	}

	q, err := pricing.Compute(pricing.QuoteInput{Terms: monthly(1), Prices: vendorPrices(),
		Quantities: map[string]money.Decimal{"ext_users": d("15")}, Start: jan31,
		Coupon: &pricing.Coupon{Code: "C", Kind: pricing.CouponDiscountPercent, Percent: d("5")}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Lines[1].Period == q.Lines[2].Period {
		t.Error("lines share a period pointer")
	}
	out, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"first_invoice":{"amount":"`, `"kind":"coupon_discount"`, `"period":{"start":"2026-01-31T10:00:00Z","end":"2026-02-28T10:00:00Z"}`, `"postpaid":[{"kind":"metric"`} {
		if !strings.Contains(string(out), frag) {
			t.Errorf("quote JSON lacks %s:\n%s", frag, out)
		}
	}
	// A bundle input has no plan prices, whose zero currency could not be
	// marshalled.
	in, err := json.Marshal(pricing.QuoteInput{Terms: monthly(1), Bundle: bundle(), Start: jan31})
	var top map[string]json.RawMessage
	if err != nil || json.Unmarshal(in, &top) != nil || top["prices"] != nil || top["bundle"] == nil {
		t.Errorf("bundle input JSON = %s, %v", in, err)
	}
}
