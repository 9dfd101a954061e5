package pricing

import (
	"fmt"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// PeriodStart returns the start of period i of a subscription anchored at
// anchor (period 0 starts at anchor): hour periods add hours, month periods
// add calendar months from the anchor (see AddMonths).
func (t Terms) PeriodStart(anchor time.Time, i int) time.Time { return t.periodStart(anchor, i) }

// Renewable reports whether plans on these terms charge every period and
// renew at the end of the commitment.
func (t Terms) Renewable() bool { return t.renewable() }

// Prorate is the share of a period's charge for the rest of the period
// from at: charge × remaining hours / period hours, the remaining hours
// rounded up (a started hour counts whole) and the result rounded once with
// money.Round. It is how an upgrade charges the new plan and credits the
// old one for what is left of the period. at outside [start, end) is an
// error.
func Prorate(charge money.Decimal, start, end, at time.Time, cur money.Currency) (money.Amount, int64, int64, error) {
	if !end.After(start) || at.Before(start) || !at.Before(end) {
		return money.Amount{}, 0, 0, fmt.Errorf("prorate: %s is outside the period %s - %s", at, start, end)
	}
	periodHours := int64(end.Sub(start) / time.Hour)
	remaining := end.Sub(at)
	remainingHours := int64(remaining / time.Hour)
	if remaining%time.Hour != 0 {
		remainingHours++
	}
	if periodHours <= 0 {
		periodHours = 1
	}
	share, err := charge.Mul(money.DecimalFromInt(remainingHours)).Div(money.DecimalFromInt(periodHours), 18)
	if err != nil {
		return money.Amount{}, 0, 0, err
	}
	amt, err := money.Round(share, cur)
	return amt, remainingHours, periodHours, err
}
