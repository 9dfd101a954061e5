package pricing_test

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

func bundle() []pricing.BundleComponent {
	return []pricing.BundleComponent{
		{PlanID: "pln_crm", Name: "CRM", DiscountPercent: d("10"),
			Prices: pricing.PlanPrices{Currency: eur, Setup: d("20"), Recurring: d("10"), IaaS: d("3")}},
		{PlanID: "pln_mail", Name: "Mail", DiscountPercent: d("25"),
			Prices: pricing.PlanPrices{Currency: eur, Recurring: d("30"), Extras: []pricing.ExtraPrice{
				{ID: "boxes", Name: "Mailboxes", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("2")}, Billing: pricing.Prepaid},
				{ID: "archive", Name: "Archive", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("0.1")}, Billing: pricing.Postpaid},
			}, Metrics: []pricing.MetricPrice{{ID: "sent", Key: "sent", Name: "Sent", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("0.001")}}}}},
	}
}

func TestComputeBundle(t *testing.T) {
	t.Parallel()
	q, err := pricing.Compute(pricing.QuoteInput{Terms: monthly(1), Bundle: bundle(), Periods: 3,
		Quantities: map[string]money.Decimal{"boxes": d("5")}, Start: jan31})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		kind pricing.LineKind
		plan string
		amt  string
	}
	want := []row{
		{pricing.LineSetupFee, "pln_crm", "20.00"},
		{pricing.LineBundleDiscount, "pln_crm", "-2.00"},
		{pricing.LineBundleComponent, "pln_crm", "10.00"},
		{pricing.LineBundleDiscount, "pln_crm", "-1.00"},
		{pricing.LineIaaS, "pln_crm", "3.00"}, // IaaS is not discounted
		{pricing.LineBundleComponent, "pln_mail", "30.00"},
		{pricing.LineBundleDiscount, "pln_mail", "-7.50"},
		{pricing.LineExtraResource, "pln_mail", "10.00"},
		{pricing.LineBundleDiscount, "pln_mail", "-2.50"},
	}
	if len(q.Lines) != len(want) {
		t.Fatalf("lines = %+v", q.Lines)
	}
	for i, w := range want {
		l := q.Lines[i]
		if (row{l.Kind, l.ComponentPlanID, l.Amount.String()}) != w {
			t.Errorf("line %d = %s %s %s, want %+v", i, l.Kind, l.ComponentPlanID, l.Amount, w)
		}
	}
	// 18 + 9 + 3 + 22.5 + 7.5 first, then 42 per period; savings 2 + 3 × 11.
	if q.FirstInvoice.String() != "60.00" || q.RecurringPerPeriod.String() != "42.00" || q.Total.String() != "144.00" || q.Savings.String() != "35.00" {
		t.Errorf("first %s, recurring %s, total %s, savings %s", q.FirstInvoice, q.RecurringPerPeriod, q.Total, q.Savings)
	}
	if len(q.Postpaid) != 2 || q.Postpaid[0].ID != "archive" || !q.Postpaid[0].Scheme.UnitPrice.Equal(d("0.075")) ||
		q.Postpaid[1].ID != "sent" || !q.Postpaid[1].Scheme.UnitPrice.Equal(d("0.001")) || q.Postpaid[1].ComponentPlanID != "pln_mail" {
		t.Errorf("postpaid = %+v", q.Postpaid)
	}

	// A coupon on the licence applies to the discounted licences:
	// (9 + 22.5) × 10 % = 3.15.
	c := &pricing.Coupon{Code: "B", Kind: pricing.CouponDiscountPercent, Percent: d("10")}
	q, err = pricing.Compute(pricing.QuoteInput{Terms: monthly(1), Bundle: bundle(), Coupon: c, Start: jan31})
	if err != nil {
		t.Fatal(err)
	}
	if last := q.Lines[len(q.Lines)-1]; last.Amount.String() != "-3.15" || q.Savings.String() != "13.65" {
		t.Errorf("coupon on a bundle: %s, savings %s", last.Amount, q.Savings)
	}
}

func TestPriceBundle(t *testing.T) {
	t.Parallel()
	b, err := pricing.PriceBundle(bundle())
	if err != nil {
		t.Fatal(err)
	}
	if b.Currency != eur || !b.ListSetup.Equal(d("20")) || !b.Setup.Equal(d("18")) || !b.ListRecurring.Equal(d("40")) || !b.Recurring.Equal(d("31.5")) {
		t.Errorf("bundle price = %+v", b)
	}
	third := pricing.BundleComponent{PlanID: "p", DiscountPercent: d("33.333333333"),
		Prices: pricing.PlanPrices{Currency: eur, Recurring: d("10"), IaaS: d("1"), Extras: []pricing.ExtraPrice{
			{ID: "x", Billing: pricing.Prepaid, Scheme: seedScheme(pricing.SchemeTiered)}}}}
	p, err := third.Discounted()
	if err != nil {
		t.Fatal(err)
	}
	// 10 − 3.3333333333 = 6.6666666667 → RoundPrice → 6.666666667.
	if !p.Recurring.Equal(d("6.666666667")) || !p.IaaS.Equal(d("1")) || !p.Extras[0].Scheme.Ranges[0].UnitPrice.Equal(d("3.333333333")) {
		t.Errorf("discounted = %s, iaas %s, extra %s", p.Recurring, p.IaaS, p.Extras[0].Scheme.Ranges[0].UnitPrice)
	}
	if !third.Prices.Recurring.Equal(d("10")) {
		t.Error("Discounted modified its receiver")
	}
	bad := third
	bad.DiscountPercent = d("120")
	if _, err := bad.Discounted(); err == nil {
		t.Error("120 % accepted")
	}
}

func TestValidateBundle(t *testing.T) {
	t.Parallel()
	one := bundle()[:1]
	if e := wantCode(t, pricing.ValidateBundle(one), "validation_failed"); !hasField(e, "bundle", "too_few") {
		t.Errorf("fields = %+v", e.Fields)
	}
	b := bundle()
	b[1].Prices.Currency = usd
	b[1].DiscountPercent = d("-1")
	b[0].PlanID = ""
	b[0].Prices.Extras = []pricing.ExtraPrice{{ID: "boxes", Billing: pricing.Prepaid, Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit}}}
	e := wantCode(t, pricing.ValidateBundle(b), "validation_failed")
	for _, w := range []struct{ field, code string }{
		{"bundle[0].plan_id", "required"},
		{"bundle[1].prices.currency", "currency_mismatch"},
		{"bundle[1].discount_percent", "out_of_range"},
		{"bundle[1].prices.extras[0].id", "duplicate"},
	} {
		if !hasField(e, w.field, w.code) {
			t.Errorf("missing %s %s in %+v", w.field, w.code, e.Fields)
		}
	}
	_, err := pricing.Compute(pricing.QuoteInput{Terms: monthly(1), Bundle: bundle(), Prices: pricing.PlanPrices{Currency: eur}, Start: jan31})
	if e := wantCode(t, err, "validation_failed"); !hasField(e, "prices", "not_applicable") {
		t.Errorf("fields = %+v", e.Fields)
	}
}
