package pricing_test

import (
	"errors"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

func pct(v string) *pricing.Markup { return &pricing.Markup{Kind: pricing.MarkupPercent, Value: d(v)} }
func fix(v string) *pricing.Markup { return &pricing.Markup{Kind: pricing.MarkupFixed, Value: d(v)} }

func TestMarkupApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m     *pricing.Markup
		price string
		want  string
	}{
		{pct("17.5"), "19.99", "23.48825"},
		{pct("10"), "0.123456789", "0.135802468"}, // 0.1358024679 → RoundPrice, half away from zero
		{pct("33.333333333"), "0.000000003", "0.000000004"},
		{pct("-10"), "100", "90"},
		{pct("-100"), "100", "0"},
		{pct("0"), "5", "5"},
		{pct("50"), "0", "0"}, // a zero price stays zero
		{fix("2.5"), "10", "12.5"},
		{fix("-2.5"), "10", "7.5"},
		{fix("-20"), "10", "0"}, // clamped at zero
		{fix("5"), "0", "0"},    // markups never create a charge
		{fix("0.000000001"), "1", "1.000000001"},
	}
	for _, tt := range tests {
		if err := tt.m.Validate(); err != nil {
			t.Fatal(err)
		}
		if got := tt.m.Apply(d(tt.price)); !got.Equal(d(tt.want)) {
			t.Errorf("%s %s on %s = %s, want %s", tt.m.Kind, tt.m.Value, tt.price, got, tt.want)
		}
	}
}

func TestMarkupValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m     pricing.Markup
		field string
		code  string
	}{
		{pricing.Markup{Kind: "double"}, "kind", "invalid_enum"},
		{pricing.Markup{Kind: pricing.MarkupPercent, Value: d("-100.5")}, "value", "out_of_range"},
		{pricing.Markup{Kind: pricing.MarkupFixed, Value: d("0.0000000001")}, "value", "too_many_decimals"},
		{pricing.Markup{Kind: pricing.MarkupFixed, Value: d("-1000000000")}, "value", "too_large"},
	}
	for _, tt := range tests {
		e := wantCode(t, tt.m.Validate(), "validation_failed")
		if !hasField(e, tt.field, tt.code) {
			t.Errorf("%+v: fields %+v, want %s %s", tt.m, e.Fields, tt.field, tt.code)
		}
	}
	if err := (pricing.Markup{Kind: pricing.MarkupFixed, Value: d("-50")}).Validate(); err != nil {
		t.Errorf("negative fixed markup refused: %v", err)
	}
}

// vendorPrices is a typical plan: setup, licence, IaaS, a tiered prepaid
// extra with a setup fee and a per-unit metric.
func vendorPrices() pricing.PlanPrices {
	tiered := seedScheme(pricing.SchemeTiered)
	tiered.Ranges[0].SetupFee = d("10")
	return pricing.PlanPrices{
		Currency: eur, Setup: d("100"), Recurring: d("20"), IaaS: d("8"),
		Extras: []pricing.ExtraPrice{
			{ID: "ext_users", Name: "Users", Unit: "user", Scheme: tiered, Billing: pricing.Prepaid},
		},
		Metrics: []pricing.MetricPrice{
			{ID: "met_docs", Key: "documents", Name: "Documents", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("0.02")}, Included: d("100")},
		},
	}
}

func TestWithMarkups(t *testing.T) {
	t.Parallel()
	p := vendorPrices()
	got, err := p.WithMarkups(pricing.ChargeMarkups{
		OneOff: pct("10"), Recurring: pct("17.5"), Extras: fix("0.5"), Usage: pct("-50"),
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want money.Decimal
	}{
		{"setup", got.Setup, d("110")},
		{"recurring", got.Recurring, d("23.5")},
		{"iaas (pass-through)", got.IaaS, d("8")},
		{"extra range 0 unit", got.Extras[0].Scheme.Ranges[0].UnitPrice, d("5.5")},
		{"extra range 1 unit", got.Extras[0].Scheme.Ranges[1].UnitPrice, d("3.5")},
		{"extra range 0 flat (zero stays zero)", got.Extras[0].Scheme.Ranges[0].FlatPrice, d("0")},
		{"extra range 0 setup (one-off)", got.Extras[0].Scheme.Ranges[0].SetupFee, d("11")},
		{"metric unit", got.Metrics[0].Scheme.UnitPrice, d("0.01")},
		{"metric included unchanged", got.Metrics[0].Included, d("100")},
	}
	for _, c := range checks {
		if !c.got.Equal(c.want) {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	if !p.Recurring.Equal(d("20")) || !p.Extras[0].Scheme.Ranges[0].UnitPrice.Equal(d("5")) {
		t.Error("WithMarkups modified its receiver")
	}

	_, err = p.WithMarkups(pricing.ChargeMarkups{Recurring: &pricing.Markup{Kind: "x"}, IaaS: pct("-101")})
	e := wantCode(t, err, "validation_failed")
	if !hasField(e, "markups.recurring.kind", "invalid_enum") || !hasField(e, "markups.iaas.value", "out_of_range") {
		t.Errorf("fields = %+v", e.Fields)
	}
	// A marked-up price is computed, not entered: it may exceed what a
	// user may type (issue 15: such renewals failed validation) ...
	big, err := p.WithMarkups(pricing.ChargeMarkups{Recurring: fix("999999999")})
	if err != nil || !big.Recurring.Equal(d("1000000019")) {
		t.Fatalf("marked up beyond the entered maximum: %v %v", big.Recurring, err)
	}
	// ... up to what pricing computes exactly; beyond, it is an overflow.
	_, err = big.WithMarkups(pricing.ChargeMarkups{Recurring: pct("900")})
	if e := wantCode(t, err, pricing.CodeAmountOverflow); !hasField(e, "recurring", pricing.CodeAmountOverflow) || !errors.Is(err, money.ErrOverflow) {
		t.Errorf("beyond the computed maximum: %v", err)
	}
	chain, err := pricing.ResolveChain(p, []pricing.ChainLevel{{Markups: pricing.ChargeMarkups{Recurring: fix("999999999")}},
		{Markups: pricing.ChargeMarkups{Recurring: pct("900")}}})
	if e := wantCode(t, err, pricing.CodeAmountOverflow); !hasField(e, "levels[1].recurring", pricing.CodeAmountOverflow) || chain != nil {
		t.Errorf("chain beyond the computed maximum: %v", err)
	}
	if _, err := pricing.ResolveChain(p, []pricing.ChainLevel{{Markups: pricing.ChargeMarkups{Recurring: pct("999999999")}}}); err != nil {
		t.Errorf("a chain within the computed maximum: %v", err)
	}
}

func TestWithOverride(t *testing.T) {
	t.Parallel()
	p := vendorPrices()
	flat := pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("4")}
	got, err := p.WithOverride(pricing.PlanPriceOverride{
		Recurring: dp("29.9"), Setup: dp("0"),
		Extras:  map[string]pricing.Scheme{"ext_users": flat},
		Metrics: map[string]pricing.Scheme{"met_docs": {Kind: pricing.SchemePerUnit, UnitPrice: d("0.05")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Recurring.Equal(d("29.9")) || !got.Setup.IsZero() || !got.IaaS.Equal(d("8")) ||
		got.Extras[0].Scheme.Kind != pricing.SchemePerUnit || !got.Metrics[0].Scheme.UnitPrice.Equal(d("0.05")) {
		t.Errorf("override result = %+v", got)
	}
	if p.Extras[0].Scheme.Kind != pricing.SchemeTiered {
		t.Error("WithOverride modified its receiver")
	}
	_, err = p.WithOverride(pricing.PlanPriceOverride{
		IaaS:    dp("-1"),
		Extras:  map[string]pricing.Scheme{"ext_nope": flat, "ext_users": {Kind: pricing.SchemeVolume}},
		Metrics: map[string]pricing.Scheme{"met_nope": flat},
	})
	e := wantCode(t, err, "validation_failed")
	for _, w := range []struct{ field, code string }{
		{"override.iaas", "negative"},
		{"override.extras.ext_nope", "unknown_extra"},
		{"override.extras.ext_users.ranges", "required"},
		{"override.metrics.met_nope", "unknown_metric"},
	} {
		if !hasField(e, w.field, w.code) {
			t.Errorf("missing %s %s in %+v", w.field, w.code, e.Fields)
		}
	}
}

// Three levels below the vendor: the marketplace's wholesale price, a
// distributor's sell-in, a reseller's sell-out, each with markups per
// charge type; the reseller also sets its own licence price.
func TestResolveChain(t *testing.T) {
	t.Parallel()
	vendor := vendorPrices()
	levels := []pricing.ChainLevel{
		{OrgID: "org_marketplace", Markups: pricing.ChargeMarkups{Recurring: pct("10"), OneOff: pct("10"), Extras: pct("10"), Usage: pct("10"), IaaS: pct("10")}},
		{OrgID: "org_distributor", Markups: pricing.ChargeMarkups{Recurring: pct("17.5"), Extras: fix("0.25"), IaaS: fix("-1")}},
		{OrgID: "org_reseller", Markups: pricing.ChargeMarkups{Recurring: pct("20"), OneOff: fix("-200"), Usage: pct("-10")},
			Override: &pricing.PlanPriceOverride{Recurring: dp("39")}},
	}
	out, err := pricing.ResolveChain(vendor, levels)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 4 {
		t.Fatalf("len = %d", len(out))
	}
	type row struct{ recurring, setup, iaas, extra, metric string }
	want := []row{
		{"20", "100", "8", "5", "0.02"},
		{"22", "110", "8.8", "5.5", "0.022"},
		{"25.85", "110", "7.8", "5.75", "0.022"},
		{"39", "0", "7.8", "5.75", "0.0198"}, // the override wins; setup clamped at zero
	}
	for i, w := range want {
		p := out[i]
		got := row{p.Recurring.String(), p.Setup.String(), p.IaaS.String(),
			p.Extras[0].Scheme.Ranges[0].UnitPrice.String(), p.Metrics[0].Scheme.UnitPrice.String()}
		if got != w {
			t.Errorf("level %d = %+v, want %+v", i, got, w)
		}
	}
	// Each level buys at the previous level's sell price: sell-in over
	// wholesale is +17.5 % on the licence.
	if r := out[2].Recurring; !r.Equal(money.RoundPrice(out[1].Recurring.Mul(d("1.175")))) {
		t.Errorf("sell-in %s is not wholesale + 17.5 %%", r)
	}

	_, err = pricing.ResolveChain(vendor, []pricing.ChainLevel{{}, {Markups: pricing.ChargeMarkups{Recurring: pct("-200")}}})
	if e := wantCode(t, err, "validation_failed"); !hasField(e, "levels[1].markups.recurring.value", "out_of_range") {
		t.Errorf("fields = %+v", e.Fields)
	}
	_, err = pricing.ResolveChain(vendor, []pricing.ChainLevel{{Override: &pricing.PlanPriceOverride{Setup: dp("-1")}}})
	if e := wantCode(t, err, "validation_failed"); !hasField(e, "levels[0].override.setup", "negative") {
		t.Errorf("fields = %+v", e.Fields)
	}
	bad := vendor
	bad.Currency = money.Currency{}
	_, err = pricing.ResolveChain(bad, nil)
	if e := wantCode(t, err, "validation_failed"); !hasField(e, "vendor.currency", "required") {
		t.Errorf("fields = %+v", e.Fields)
	}
	only, err := pricing.ResolveChain(vendor, nil)
	if err != nil || len(only) != 1 || !only[0].Recurring.Equal(d("20")) {
		t.Errorf("no levels = %+v, %v", only, err)
	}
}

func TestMetricRate(t *testing.T) {
	t.Parallel()
	m := vendorPrices().Metrics[0]
	for _, tt := range []struct{ usage, want string }{{"0", "0"}, {"50", "0"}, {"100", "0"}, {"150.5", "1.01"}} {
		r, err := m.Rate(d(tt.usage))
		if err != nil || !r.Amount.Equal(d(tt.want)) {
			t.Errorf("metric Rate(%s) = %s, %v; want %s", tt.usage, r.Amount, err, tt.want)
		}
	}
	if _, err := m.Rate(d("-1")); err == nil {
		t.Error("negative usage accepted")
	}
}
