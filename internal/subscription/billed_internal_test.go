package subscription

import (
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// An order's first period, priced when the order was placed, moves to when
// its subscription really starts (an approval days later): the lines of the
// period say the new dates, one-offs stay undated, amounts never change.
func TestFirstPeriodMovesToTheRealStart(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2026, 4, d, 0, 0, 0, 0, time.UTC) }
	eur := money.MustCurrency("EUR")
	amount := func(m int64) money.Amount { return money.NewAmount(m, eur) }
	placed := pricing.PeriodQuote{Currency: eur, Start: day(1), End: day(1).AddDate(0, 1, 0), Total: amount(4000), Lines: []pricing.QuoteLine{
		{Kind: pricing.LineSetupFee, Amount: amount(1000)},
		{Kind: pricing.LineLicence, Amount: amount(3000), Period: &pricing.Period{Start: day(1), End: day(1).AddDate(0, 1, 0)}},
	}}
	if got := movedTo(placed, placed.Start, placed.End); got.Start != placed.Start || len(got.Lines) != 2 {
		t.Fatalf("unmoved: %+v", got)
	}
	start, end := day(9), day(9).AddDate(0, 1, 0)
	got := movedTo(placed, start, end)
	if got.Start != start || got.End != end || got.Total != placed.Total {
		t.Fatalf("moved period %s..%s total %s", got.Start, got.End, got.Total)
	}
	if got.Lines[0].Period != nil || got.Lines[0].Amount != amount(1000) {
		t.Errorf("the setup fee: %+v", got.Lines[0])
	}
	if l := got.Lines[1]; l.Period == nil || !l.Period.Start.Equal(start) || !l.Period.End.Equal(end) || l.Amount != amount(3000) {
		t.Errorf("the licence: %+v", l)
	}
	if placed.Lines[1].Period.Start != day(1) {
		t.Error("moving changed the order's own period")
	}
}
