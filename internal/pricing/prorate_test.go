package pricing_test

import (
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

func TestProrate(t *testing.T) {
	t.Parallel()
	eur := money.MustCurrency("EUR")
	start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC) // April: 30 days, 720 hours
	end := start.AddDate(0, 1, 0)
	cases := []struct {
		at        time.Time
		charge    string
		want      string
		remaining int64
	}{
		{start, "30.00", "30.00", 720},
		{start.Add(360 * time.Hour), "30.00", "15.00", 360},
		{start.Add(360*time.Hour + time.Minute), "30.00", "15.00", 360}, // a started hour counts whole
		{start.Add(359*time.Hour + time.Second), "30.00", "15.04", 361}, // 30 × 361 / 720 = 15.041…
		{end.Add(-time.Second), "30.00", "0.04", 1},                     // 30 / 720 = 0.0416…
	}
	for _, c := range cases {
		got, rem, per, err := pricing.Prorate(money.MustDecimal(c.charge), start, end, c.at, eur)
		if err != nil || got.String() != c.want || rem != c.remaining || per != 720 {
			t.Errorf("at %s: %s (%d/%d h), %v; want %s (%d h)", c.at, got, rem, per, err, c.want, c.remaining)
		}
	}
	if _, _, _, err := pricing.Prorate(money.MustDecimal("1"), start, end, end, eur); err == nil {
		t.Error("prorating at the period's end accepted")
	}
}
