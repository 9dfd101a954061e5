package billing

import (
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// A line's ranges, as its summary and its pages print them: the amounts
// are the rounded running total, so they add up to the line's amount; a
// breakdown that does not make the amount shows nothing.
func TestLineRanges(t *testing.T) {
	t.Parallel()
	d := money.MustDecimal
	to := func(s string) *money.Decimal { v := d(s); return &v }
	eur := money.MustCurrency("EUR")
	for _, c := range []struct {
		name    string
		amount  string
		ranges  []pricing.RatingLine
		summary string // "" when the line shows no ranges
		texts   string
	}{
		{"tiered: the units of each range", "63.00", []pricing.RatingLine{
			{From: d("1"), To: to("9"), Quantity: d("9"), UnitPrice: d("5")},
			{From: d("10"), Quantity: d("6"), UnitPrice: d("3")}},
			"1-9 × 5.00 + 10-15 × 3.00 = 63.00", "1-9 × EUR 5.00 = EUR 45.00; 10-15 × EUR 3.00 = EUR 18.00"},
		{"tiered, one unit in the last range, a fraction in a range", "50.50", []pricing.RatingLine{
			{From: d("1"), To: to("9"), Quantity: d("9"), UnitPrice: d("5")},
			{From: d("10"), To: to("10"), Quantity: d("1"), UnitPrice: d("5")},
			{From: d("11"), Quantity: d("0.5"), UnitPrice: d("1")}},
			"1-9 × 5.00 + 10 × 5.00 + 0.5 × 1.00 = 50.50", "1-9 × EUR 5.00 = EUR 45.00; 10 × EUR 5.00 = EUR 5.00; 0.5 × EUR 1.00 = EUR 0.50"},
		{"stairstep: the range the quantity falls in", "30.00", []pricing.RatingLine{
			{From: d("1"), To: to("9"), Quantity: d("5"), FlatPrice: d("30")}},
			"1-9 flat 30.00 = 30.00", "1-9 flat EUR 30.00 = EUR 30.00"},
		{"volume with a flat price", "65.00", []pricing.RatingLine{
			{From: d("10"), Quantity: d("15"), UnitPrice: d("3"), FlatPrice: d("20")}},
			"10+: 15 × 3.00 + flat 20.00 = 65.00", "10+: 15 × EUR 3.00 + flat EUR 20.00 = EUR 65.00"},
		{"package: the packages started", "80.00", []pricing.RatingLine{
			{Quantity: d("2"), UnitPrice: d("40"), PackageSize: 10}},
			"2 packages of 10 × 40.00 = 80.00", "2 packages of 10 × EUR 40.00 = EUR 80.00"},
		{"half cents: the running total rounded", "0.03", []pricing.RatingLine{
			{From: d("1"), To: to("3"), Quantity: d("3"), UnitPrice: d("0.005")},
			{From: d("4"), Quantity: d("3"), UnitPrice: d("0.005")}},
			"1-3 × 0.005 + 4-6 × 0.005 = 0.03", "1-3 × EUR 0.005 = EUR 0.02; 4-6 × EUR 0.005 = EUR 0.01"},
		{"ranges that do not make the amount are not shown", "64.00", []pricing.RatingLine{
			{From: d("1"), To: to("9"), Quantity: d("9"), UnitPrice: d("5")},
			{From: d("10"), Quantity: d("6"), UnitPrice: d("3")}},
			"", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := money.ParseAmount(c.amount, eur)
			if err != nil {
				t.Fatal(err)
			}
			l := Line{Amount: a, breakdown: c.ranges}
			l.explain()
			if l.RangesSummary != c.summary {
				t.Errorf("summary %q, want %q", l.RangesSummary, c.summary)
			}
			if got := strings.Join(l.RangeTexts(), "; "); got != c.texts {
				t.Errorf("texts %q, want %q", got, c.texts)
			}
			if c.summary == "" {
				return
			}
			sum := money.NewAmount(0, eur)
			for _, r := range l.Ranges {
				if sum, err = sum.Add(r.Amount); err != nil {
					t.Fatal(err)
				}
			}
			if sum != a {
				t.Errorf("ranges add up to %s, the line is %s", sum, a)
			}
		})
	}
}

// A body stored before lines kept their ranges still reads: its unit
// prices as they were, except a zero beside a non-zero amount (a tiered
// line of then), which is omitted rather than shown as the price.
func TestOldBodiesRead(t *testing.T) {
	t.Parallel()
	raw := `[{"no":1,"kind":"licence","description":"Licence","quantity":"1","unit_price":"20","amount_minor":2000,"exact":"20","tax_rate":"22"},` +
		`{"no":2,"kind":"extra_resource","description":"Users (tiered)","quantity":"15","unit_price":"0","amount_minor":6300,"exact":"63","tax_rate":"22"},` +
		`{"no":3,"kind":"licence","description":"Free","quantity":"1","unit_price":"0","amount_minor":0,"exact":"0","tax_rate":"22"}]`
	lines, err := decodeLines(raw, money.MustCurrency("EUR"))
	if err != nil {
		t.Fatal(err)
	}
	if u := lines[0].UnitPrice; u == nil || u.String() != "20" {
		t.Errorf("licence: %+v", lines[0])
	}
	if lines[1].UnitPrice != nil || lines[1].Ranges != nil || lines[1].Amount.String() != "63.00" {
		t.Errorf("old tiered line: %+v", lines[1])
	}
	if u := lines[2].UnitPrice; u == nil || !u.IsZero() {
		t.Errorf("free licence: %+v", lines[2])
	}
}
