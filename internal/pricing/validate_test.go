package pricing_test

import (
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

func TestSchemeValidate(t *testing.T) {
	t.Parallel()
	rng := func(from string, to *money.Decimal, unit string) pricing.Range {
		return pricing.Range{From: d(from), To: to, UnitPrice: d(unit)}
	}
	type fe struct{ field, code string }
	tests := []struct {
		name string
		s    pricing.Scheme
		want []fe
	}{
		{"valid tiered", seedScheme(pricing.SchemeTiered), nil},
		{"valid stairstep", seedScheme(pricing.SchemeStairstep), nil},
		{"valid per unit", pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("0.000000001")}, nil},
		{"valid package", pricing.Scheme{Kind: pricing.SchemePackage, PackageSize: 5, PackagePrice: d("1")}, nil},
		{"free tier", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{rng("1", dp("10"), "0"), rng("11", nil, "1")}}, nil},
		{"unknown kind", pricing.Scheme{Kind: "linear"}, []fe{{"kind", "invalid_enum"}}},
		{"empty kind", pricing.Scheme{}, []fe{{"kind", "invalid_enum"}}},
		{"no ranges", pricing.Scheme{Kind: pricing.SchemeVolume}, []fe{{"ranges", "required"}}},
		{"too many ranges", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: manyRanges(21)}, []fe{{"ranges", "too_many"}}},
		{"twenty ranges", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: manyRanges(20)}, nil},
		{"per unit two ranges", pricing.Scheme{Kind: pricing.SchemePerUnit, Ranges: []pricing.Range{{From: d("1"), To: dp("2")}, {From: d("3")}}}, []fe{{"ranges", "too_many"}}},
		{"per unit range price", pricing.Scheme{Kind: pricing.SchemePerUnit, Ranges: []pricing.Range{{From: d("1"), UnitPrice: d("1"), FlatPrice: d("2")}}},
			[]fe{{"ranges[0].unit_price", "not_applicable"}, {"ranges[0].flat_price", "not_applicable"}}},
		{"negative price", pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("-1")}, []fe{{"unit_price", "negative"}}},
		{"ten places", pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("0.0000000001")}, []fe{{"unit_price", "too_many_decimals"}}},
		{"trailing zeros ok", pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("1.0000000000000")}, nil},
		{"price too large", pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("1000000000")}, []fe{{"unit_price", "too_large"}}},
		{"package size missing", pricing.Scheme{Kind: pricing.SchemePackage, PackagePrice: d("1")}, []fe{{"package_size", "required"}}},
		{"package size negative", pricing.Scheme{Kind: pricing.SchemePackage, PackageSize: -1}, []fe{{"package_size", "not_positive"}}},
		{"package size huge", pricing.Scheme{Kind: pricing.SchemePackage, PackageSize: pricing.MaxBound + 1}, []fe{{"package_size", "too_large"}}},
		{"package fields on tiered", pricing.Scheme{Kind: pricing.SchemeTiered, PackageSize: 2, PackagePrice: d("1"), UnitPrice: d("1"), Ranges: seedScheme(pricing.SchemeTiered).Ranges},
			[]fe{{"unit_price", "not_applicable"}, {"package_size", "not_applicable"}, {"package_price", "not_applicable"}}},
		{"stairstep unit price", pricing.Scheme{Kind: pricing.SchemeStairstep, Ranges: []pricing.Range{{From: d("1"), UnitPrice: d("1")}}}, []fe{{"ranges[0].unit_price", "not_applicable"}}},
		{"open not last", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{rng("1", nil, "1"), rng("10", nil, "1")}}, []fe{{"ranges[0].to", "open_not_last"}}},
		{"to before from", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{rng("5", dp("4"), "1")}}, []fe{{"ranges[0].to", "before_from"}}},
		{"fractional bounds", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{rng("1.5", dp("9.5"), "1")}},
			[]fe{{"ranges[0].from", "not_whole"}, {"ranges[0].to", "not_whole"}}},
		{"negative from", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{rng("-1", dp("9"), "1")}}, []fe{{"ranges[0].from", "negative"}}},
		{"bound too large", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{rng("1", dp("1000000000001"), "1")}}, []fe{{"ranges[0].to", "too_large"}}},
		{"unsorted", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{rng("10", nil, "3"), rng("1", dp("9"), "5")}},
			[]fe{{"ranges[0].to", "open_not_last"}, {"ranges[1].from", "not_ascending"}}},
		{"unsorted capped", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{rng("10", dp("20"), "3"), rng("1", dp("9"), "5")}},
			[]fe{{"ranges[1].from", "not_ascending"}}},
		{"overlapping", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{rng("1", dp("10"), "5"), rng("10", nil, "3")}}, []fe{{"ranges[1].from", "overlapping"}}},
		{"gap", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{rng("1", dp("9"), "5"), rng("11", nil, "3")}}, []fe{{"ranges[1].from", "not_contiguous"}}},
		{"step zero", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{{From: d("1"), Step: dp("0")}}}, []fe{{"ranges[0].step", "not_positive"}}},
		{"step fractional", pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{{From: d("1"), Step: dp("0.5")}}}, []fe{{"ranges[0].step", "not_whole"}}},
		{"range prices", pricing.Scheme{Kind: pricing.SchemeVolume, Ranges: []pricing.Range{{From: d("1"), UnitPrice: d("-1"), FlatPrice: d("0.0000000001"), SetupFee: d("1000000000")}}},
			[]fe{{"ranges[0].unit_price", "negative"}, {"ranges[0].flat_price", "too_many_decimals"}, {"ranges[0].setup_fee", "too_large"}}},
		{"tag control chars", pricing.Scheme{Kind: pricing.SchemeStairstep, Ranges: []pricing.Range{{From: d("1"), Tag: "a\x00b"}}}, []fe{{"ranges[0].tag", "invalid_format"}}},
		{"tag too long", pricing.Scheme{Kind: pricing.SchemeStairstep, Ranges: []pricing.Range{{From: d("1"), Tag: strings.Repeat("x", 101)}}}, []fe{{"ranges[0].tag", "too_long"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.s.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				if _, err := tt.s.Compile(); err != nil {
					t.Fatalf("Compile() = %v", err)
				}
				return
			}
			e := wantCode(t, err, "validation_failed")
			if len(e.Fields) != len(tt.want) {
				t.Errorf("fields = %+v, want %+v", e.Fields, tt.want)
			}
			for _, w := range tt.want {
				if !hasField(e, w.field, w.code) {
					t.Errorf("missing %s %s in %+v", w.field, w.code, e.Fields)
				}
			}
			_, cerr := tt.s.Compile()
			if tt.name == "price too large" {
				// Above what a user may enter, but a price pricing
				// computes with (a marked-up one): Compile takes it.
				if cerr != nil {
					t.Errorf("Compile refused a computed price: %v", cerr)
				}
				return
			}
			if cerr == nil {
				t.Error("Compile accepted an invalid scheme")
			}
		})
	}
}

// manyRanges returns n contiguous tiered ranges of 10 units each.
func manyRanges(n int) []pricing.Range {
	rs := make([]pricing.Range, n)
	for i := range rs {
		from := money.DecimalFromInt(int64(i*10 + 1))
		to := money.DecimalFromInt(int64(i*10 + 10))
		rs[i] = pricing.Range{From: from, To: &to, UnitPrice: money.DecimalFromInt(int64(n - i))}
	}
	rs[n-1].To = nil
	return rs
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	s := pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{
		{From: d("10"), UnitPrice: d("3")},
		{From: d("1"), To: dp("9"), UnitPrice: d("5")},
	}}
	if err := s.Validate(); err == nil {
		t.Fatal("unsorted ranges accepted")
	}
	n := s.Normalize()
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	if !s.Ranges[0].From.Equal(d("10")) {
		t.Error("Normalize modified its receiver")
	}
	r, err := n.Rate(d("15"))
	if err != nil || !r.Amount.Equal(d("63")) {
		t.Errorf("normalized Rate(15) = %s, %v", r.Amount, err)
	}
}

func TestPlanPricesValidate(t *testing.T) {
	t.Parallel()
	p := pricing.PlanPrices{
		Setup: d("-1"), Recurring: d("0.0000000001"),
		Extras: []pricing.ExtraPrice{
			{ID: "x", Scheme: seedScheme(pricing.SchemeTiered), Billing: pricing.Prepaid},
			{ID: "x", Scheme: pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{{From: d("1"), To: dp("0")}}}, Billing: "weekly"},
			{Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit}, Billing: pricing.Postpaid},
		},
		Metrics: []pricing.MetricPrice{{ID: "m", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit}, Included: d("0.0000001")}},
	}
	e := wantCode(t, p.Validate(), "validation_failed")
	for _, w := range []struct{ field, code string }{
		{"currency", "required"},
		{"setup", "negative"},
		{"recurring", "too_many_decimals"},
		{"extras[1].id", "duplicate"},
		{"extras[1].billing", "invalid_enum"},
		{"extras[1].scheme.ranges[0].to", "before_from"},
		{"extras[2].id", "required"},
		{"metrics[0].included", "too_many_decimals"},
	} {
		if !hasField(e, w.field, w.code) {
			t.Errorf("missing %s %s in %+v", w.field, w.code, e.Fields)
		}
	}
	if len(e.Fields) != 8 {
		t.Errorf("fields = %+v", e.Fields)
	}
}
