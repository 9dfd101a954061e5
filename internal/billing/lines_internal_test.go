package billing

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// encodeLines writes what encoding/json would for storedLine, and
// decodeLines reads it back unchanged.
func TestEncodeLinesRoundTrip(t *testing.T) {
	eur := money.MustCurrency("EUR")
	start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0).Add(1500 * time.Millisecond)
	three := 3
	lines := []Line{
		{LineNo: 1, ChargeID: "chg_1", SubscriptionID: "sub_1", Kind: "licence", Description: "Drive: Licence, 1 month",
			Quantity: money.MustDecimal("1"), UnitPrice: money.MustDecimal("20.00"), Amount: money.NewAmount(2000, eur),
			exact: money.MustDecimal("20.000"), TaxRate: money.MustDecimal("22"), TaxName: "IVA", PeriodStart: &start, PeriodEnd: &end,
			recurringKey: "sub_1/2026-04-01T00:00:00Z/licence/"},
		{LineNo: 2, Kind: "adjustment", Description: "Quote \" backslash \\ tab \t newline \n <b>&</b> ünïcödé \xff",
			Quantity: money.MustDecimal("-0.5"), Amount: money.NewAmount(-150, eur), exact: money.MustDecimal("-1.5"),
			TaxRate: money.MustDecimal("0"), CreditsLine: &three},
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
}
