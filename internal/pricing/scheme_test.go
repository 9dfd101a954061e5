package pricing_test

import (
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// The seed document's example comes first: 15 units of ranges 1–9 at 5.00
// and 10+ at 3.00 cost 63.00 tiered and 45.00 volume; stairstep 30 / 100
// costs 100.00.
func TestRateSeedExample(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind  pricing.SchemeKind
		want  string
		lines int
	}{
		{pricing.SchemeTiered, "63", 2},
		{pricing.SchemeVolume, "45", 1},
		{pricing.SchemeStairstep, "100", 1},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			t.Parallel()
			r, err := seedScheme(tt.kind).Rate(d("15"))
			if err != nil {
				t.Fatal(err)
			}
			if !r.Amount.Equal(d(tt.want)) || !r.OneOff.IsZero() || len(r.Lines) != tt.lines {
				t.Fatalf("Rate(15) = %s (one-off %s, %d lines), want %s", r.Amount, r.OneOff, len(r.Lines), tt.want)
			}
			a, err := money.Round(r.Amount, eur)
			if err != nil || a.String() != tt.want+".00" {
				t.Errorf("rounded = %s, %v", a, err)
			}
		})
	}
	r, err := seedScheme(pricing.SchemeTiered).Rate(d("15"))
	if err != nil {
		t.Fatal(err)
	}
	want := []pricing.RatingLine{
		{Range: 0, Quantity: d("9"), UnitPrice: d("5"), Amount: d("45")},
		{Range: 1, Quantity: d("6"), UnitPrice: d("3"), Amount: d("18")},
	}
	for i, w := range want {
		g := r.Lines[i]
		if g.Range != w.Range || !g.Quantity.Equal(w.Quantity) || !g.UnitPrice.Equal(w.UnitPrice) || !g.Amount.Equal(w.Amount) {
			t.Errorf("line %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestRate(t *testing.T) {
	t.Parallel()
	withFees := pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{
		{From: d("1"), To: dp("10"), UnitPrice: d("2"), FlatPrice: d("1"), SetupFee: d("5")},
		{From: d("11"), To: dp("20"), UnitPrice: d("1.5"), FlatPrice: d("0.5"), SetupFee: d("7")},
		{From: d("21"), To: dp("100"), UnitPrice: d("0.123456789")},
	}}
	minOrder := pricing.Scheme{Kind: pricing.SchemeVolume, Ranges: []pricing.Range{
		{From: d("5"), To: dp("9"), UnitPrice: d("4")},
		{From: d("10"), To: dp("50"), UnitPrice: d("2"), FlatPrice: d("10"), SetupFee: d("3")},
	}}
	base := pricing.Scheme{Kind: pricing.SchemeStairstep, Ranges: []pricing.Range{
		{From: d("0"), To: dp("5"), FlatPrice: d("10"), Tag: "Small", SetupFee: d("1")},
		{From: d("6"), FlatPrice: d("25"), Tag: "Large"},
	}}
	fromZeroTiered := pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{
		{From: d("0"), To: dp("9"), UnitPrice: d("1"), FlatPrice: d("100")},
		{From: d("10"), UnitPrice: d("2")},
	}}
	perUnit := pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("0.000000001")}
	perUnitRange := pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("2.5"), Ranges: []pricing.Range{
		{From: d("3"), To: dp("10"), SetupFee: d("9")},
	}}
	pkg := pricing.Scheme{Kind: pricing.SchemePackage, PackageSize: 10, PackagePrice: d("7.5")}
	tests := []struct {
		name   string
		s      pricing.Scheme
		q      string
		amount string
		oneOff string
		lines  int
		code   string
	}{
		{"tiered 0", seedScheme(pricing.SchemeTiered), "0", "0", "0", 0, ""},
		{"tiered 1", seedScheme(pricing.SchemeTiered), "1", "5", "0", 1, ""},
		{"tiered 9", seedScheme(pricing.SchemeTiered), "9", "45", "0", 1, ""},
		{"tiered 9.5", seedScheme(pricing.SchemeTiered), "9.5", "46.5", "0", 2, ""},
		{"tiered 10", seedScheme(pricing.SchemeTiered), "10", "48", "0", 2, ""},
		{"tiered 0.25", seedScheme(pricing.SchemeTiered), "0.25", "1.25", "0", 1, ""},
		{"volume 9", seedScheme(pricing.SchemeVolume), "9", "45", "0", 1, ""},
		{"volume 9.5", seedScheme(pricing.SchemeVolume), "9.5", "28.5", "0", 1, ""},
		{"volume 10", seedScheme(pricing.SchemeVolume), "10", "30", "0", 1, ""},
		{"stairstep 0", seedScheme(pricing.SchemeStairstep), "0", "0", "0", 0, ""},
		{"stairstep 1", seedScheme(pricing.SchemeStairstep), "1", "30", "0", 1, ""},
		{"stairstep 9", seedScheme(pricing.SchemeStairstep), "9", "30", "0", 1, ""},
		{"stairstep 1000000", seedScheme(pricing.SchemeStairstep), "1000000", "100", "0", 1, ""},
		{"fees 5", withFees, "5", "11", "5", 1, ""},
		{"fees 15", withFees, "15", "21 + 8", "12", 2, ""}, // 10×2+1 + 5×1.5+0.5
		{"fees 100", withFees, "100", "21 + 15.5 + 9.87654312", "12", 3, ""},
		{"fees 101", withFees, "101", "", "", 0, pricing.CodeQuantityOutOfRange},
		{"fees 100.000001", withFees, "100.000001", "", "", 0, pricing.CodeQuantityOutOfRange},
		{"min order 0", minOrder, "0", "0", "0", 0, ""},
		{"min order 3", minOrder, "3", "", "", 0, pricing.CodeQuantityOutOfRange},
		{"min order 4", minOrder, "4", "", "", 0, pricing.CodeQuantityOutOfRange},
		{"min order 4.5", minOrder, "4.5", "18", "0", 1, ""},
		{"min order 5", minOrder, "5", "20", "0", 1, ""},
		{"min order 12", minOrder, "12", "34", "3", 1, ""},
		{"min order -1", minOrder, "-1", "", "", 0, pricing.CodeQuantityOutOfRange},
		{"base 0", base, "0", "10", "1", 1, ""},
		{"base 5", base, "5", "10", "1", 1, ""},
		{"base 5.5", base, "5.5", "25", "0", 1, ""},
		{"tiered from 0: 0", fromZeroTiered, "0", "0", "0", 0, ""},
		{"tiered from 0: 12", fromZeroTiered, "12", "9 + 100 + 6", "0", 2, ""},
		{"per unit", perUnit, "1000000", "0.001", "0", 1, ""},
		{"per unit fraction", perUnit, "0.000001", "0.000000000000001", "0", 1, ""},
		{"per unit too precise", perUnit, "0.0000001", "", "", 0, pricing.CodeQuantityTooPrecise},
		{"per unit range 3", perUnitRange, "3", "7.5", "9", 1, ""},
		{"per unit range 2", perUnitRange, "2", "", "", 0, pricing.CodeQuantityOutOfRange},
		{"per unit range 11", perUnitRange, "11", "", "", 0, pricing.CodeQuantityOutOfRange},
		{"package 1", pkg, "1", "7.5", "0", 1, ""},
		{"package 10", pkg, "10", "7.5", "0", 1, ""},
		{"package 10.5", pkg, "10.5", "15", "0", 1, ""},
		{"package 0", pkg, "0", "0", "0", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := tt.s.Rate(d(tt.q))
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := sumOf(tt.amount); !r.Amount.Equal(want) || !r.OneOff.Equal(d(tt.oneOff)) || len(r.Lines) != tt.lines {
				t.Errorf("Rate(%s) = %s + one-off %s in %d lines, want %s + %s in %d", tt.q, r.Amount, r.OneOff, len(r.Lines), want, tt.oneOff, tt.lines)
			}
			var lines money.Decimal
			for _, l := range r.Lines {
				lines = lines.Add(l.Amount)
			}
			if !lines.Equal(r.Amount) {
				t.Errorf("lines add up to %s, not %s", lines, r.Amount)
			}
		})
	}
}

// sumOf adds "a + b + c".
func sumOf(s string) money.Decimal {
	var total money.Decimal
	for _, part := range strings.Split(s, "+") {
		total = total.Add(d(strings.TrimSpace(part)))
	}
	return total
}

func TestRateBreakdown(t *testing.T) {
	t.Parallel()
	s := pricing.Scheme{Kind: pricing.SchemeStairstep, Ranges: []pricing.Range{
		{From: d("1"), To: dp("5"), FlatPrice: d("10"), Tag: "Small"},
		{From: d("6"), FlatPrice: d("25"), Tag: "Large", SetupFee: d("2")},
	}}
	r, err := s.Rate(d("7"))
	if err != nil {
		t.Fatal(err)
	}
	l := r.Lines[0]
	if l.Range != 1 || l.Tag != "Large" || !l.Quantity.Equal(d("7")) || !l.UnitPrice.IsZero() ||
		!l.FlatPrice.Equal(d("25")) || !l.SetupFee.Equal(d("2")) || !l.Amount.Equal(d("25")) {
		t.Errorf("stairstep line = %+v", l)
	}
	pkg := pricing.Scheme{Kind: pricing.SchemePackage, PackageSize: 10, PackagePrice: d("7.5")}
	r, err = pkg.Rate(d("25"))
	if err != nil {
		t.Fatal(err)
	}
	if l := r.Lines[0]; l.Range != -1 || !l.Quantity.Equal(d("3")) || !l.UnitPrice.Equal(d("7.5")) || !l.Amount.Equal(d("22.5")) {
		t.Errorf("package line = %+v", l)
	}
}

func TestCheckPurchase(t *testing.T) {
	t.Parallel()
	s := pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{
		{From: d("5"), To: dp("9"), UnitPrice: d("4")},
		{From: d("10"), To: dp("100"), UnitPrice: d("2"), Step: dp("5")},
	}}
	tests := []struct {
		q, code string
	}{
		{"0", ""},
		{"5", ""},
		{"9", ""},
		{"10", ""},
		{"15", ""},
		{"100", ""},
		{"12", pricing.CodeQuantityNotOnStep},
		{"99", pricing.CodeQuantityNotOnStep},
		{"4", pricing.CodeQuantityOutOfRange},
		{"105", pricing.CodeQuantityOutOfRange},
		{"-5", pricing.CodeQuantityOutOfRange},
		{"5.5", pricing.CodeQuantityNotWhole},
		{"10.000001", pricing.CodeQuantityNotWhole},
		{"10.00", ""},
	}
	for _, tt := range tests {
		err := s.CheckPurchase(d(tt.q))
		if tt.code == "" {
			if err != nil {
				t.Errorf("CheckPurchase(%s) = %v", tt.q, err)
			}
			continue
		}
		e := wantCode(t, err, tt.code)
		if !hasField(e, "quantity", tt.code) {
			t.Errorf("CheckPurchase(%s) fields = %+v", tt.q, e.Fields)
		}
	}
	if err := (pricing.Scheme{}).CheckPurchase(d("1")); err == nil {
		t.Error("invalid scheme accepted")
	}
}

func TestMinPurchase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    pricing.Scheme
		want string
	}{
		{seedScheme(pricing.SchemeTiered), "1"},
		{pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d("1")}, "1"},
		{pricing.Scheme{Kind: pricing.SchemeVolume, Ranges: []pricing.Range{{From: d("5"), UnitPrice: d("1")}}}, "5"},
		{pricing.Scheme{Kind: pricing.SchemeVolume, Ranges: []pricing.Range{{From: d("0"), UnitPrice: d("1")}}}, "1"},
		{pricing.Scheme{Kind: pricing.SchemeStairstep, Ranges: []pricing.Range{{From: d("0"), FlatPrice: d("1")}}}, "0"},
	}
	for _, tt := range tests {
		if got := tt.s.MinPurchase(); !got.Equal(d(tt.want)) {
			t.Errorf("MinPurchase(%+v) = %s, want %s", tt.s, got, tt.want)
		}
	}
}
