package billing

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// encodeLines writes what encoding/json would for storedLine, and
// decodeLines reads it back unchanged.
func TestEncodeLinesRoundTrip(t *testing.T) {
	eur := money.MustCurrency("EUR")
	start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0).Add(1500 * time.Millisecond)
	three, twenty := 3, money.MustDecimal("20.00")
	nine := money.MustDecimal("9")
	lines := []Line{
		{LineNo: 1, ChargeID: "chg_1", SubscriptionID: "sub_1", Kind: "licence", Description: "Drive: Licence, 1 month",
			Quantity: money.MustDecimal("1"), UnitPrice: &twenty, Amount: money.NewAmount(2000, eur),
			exact: money.MustDecimal("20.000"), TaxRate: money.MustDecimal("22"), TaxName: "IVA", PeriodStart: &start, PeriodEnd: &end,
			recurringKey: "sub_1/2026-04-01T00:00:00Z/licence/"},
		{LineNo: 2, Kind: "adjustment", Description: "Quote \" backslash \\ tab \t newline \n <b>&</b> ünïcödé \xff",
			Quantity: money.MustDecimal("-0.5"), Amount: money.NewAmount(-150, eur), exact: money.MustDecimal("-1.5"),
			TaxRate: money.MustDecimal("0"), CreditsLine: &three},
		{LineNo: 3, Kind: "extra_resource", Description: "Seats, tiered", Quantity: money.MustDecimal("15"), Amount: money.NewAmount(6350, eur),
			exact: money.MustDecimal("63.5"), TaxRate: money.MustDecimal("22"), breakdown: []pricing.RatingLine{
				{From: money.MustDecimal("1"), To: &nine, Quantity: nine, UnitPrice: money.MustDecimal("5")},
				{From: money.MustDecimal("10"), Quantity: money.MustDecimal("6"), UnitPrice: money.MustDecimal("3"), FlatPrice: money.MustDecimal("0.5")}}},
		{LineNo: 4, Kind: "extra_resource", Description: "Storage, packages", Quantity: money.MustDecimal("15"), Amount: money.NewAmount(8000, eur),
			exact: money.MustDecimal("80"), TaxRate: money.MustDecimal("22"), breakdown: []pricing.RatingLine{
				{Quantity: money.MustDecimal("2"), UnitPrice: money.MustDecimal("40"), PackageSize: 10}}},
	}
	raw, err := encodeLines(lines)
	if err != nil {
		t.Fatal(err)
	}
	var got []storedLine
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	var want []storedLine
	for _, l := range lines {
		want = append(want, storedLine{No: l.LineNo, ChargeID: l.ChargeID, Subscription: l.SubscriptionID, Kind: l.Kind, Description: l.Description,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, Amount: l.Amount.Minor(), Exact: l.exact, TaxRate: l.TaxRate, TaxName: l.TaxName,
			Start: l.PeriodStart, End: l.PeriodEnd, CreditsLine: l.CreditsLine, RecurringKey: l.recurringKey})
		for _, r := range l.breakdown {
			last := &want[len(want)-1]
			last.Ranges = append(last.Ranges, storedRange{From: r.From, To: r.To, Quantity: r.Quantity, UnitPrice: r.UnitPrice,
				FlatPrice: r.FlatPrice, PackageSize: r.PackageSize})
		}
	}
	b, _ := json.Marshal(want)
	var viaJSON []storedLine
	_ = json.Unmarshal(b, &viaJSON)
	if !reflect.DeepEqual(got, viaJSON) {
		t.Fatalf("encoded\n%s\nwant the same as\n%s", raw, b)
	}
	back, err := decodeLines(raw, eur)
	if err != nil {
		t.Fatal(err)
	}
	if back[1].Description != "Quote \" backslash \\ tab \t newline \n <b>&</b> ünïcödé \ufffd" || !back[0].PeriodEnd.Equal(end) ||
		back[0].Amount.Minor() != 2000 || *back[1].CreditsLine != 3 || back[1].Quantity.String() != "-0.5" {
		t.Fatalf("decoded %+v", back)
	}
	if back[2].UnitPrice != nil || back[2].RangesSummary != "1-9 × 5.00 + 10-15 × 3.00 + flat 0.50 = 63.50" {
		t.Fatalf("decoded %+v", back[2])
	}
	if back[3].RangesSummary != "2 packages of 10 × 40.00 = 80.00" || back[3].RangeTexts()[0] != "2 packages of 10 × EUR 40.00 = EUR 80.00" {
		t.Fatalf("decoded %+v", back[3])
	}
}
