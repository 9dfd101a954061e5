package pricing

import (
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// total accumulates rounded amounts, keeping the first error.
type total struct {
	a   money.Amount
	err error
}

func (t *total) add(x money.Amount) {
	if t.err == nil {
		t.a, t.err = t.a.Add(x)
	}
}

// addN adds x n times (n ≤ MaxPeriods): totals stay sums of rounded lines.
func (t *total) addN(x money.Amount, n int) {
	for range n {
		t.add(x)
	}
}

// totals finishes q: its lines, the coupon's lines and effect per period,
// and every total. The coupon has been checked (redeemable, applicable).
func (b *builder) totals(q *Quote, c *Coupon, periods int) error {
	zero := money.NewAmount(0, b.cur)
	var recurring []draft
	for _, x := range b.lines {
		if !x.oneOff {
			recurring = append(recurring, x)
		}
	}
	starts := func(i int) time.Time {
		if !b.terms.periodic() {
			return q.PeriodStart
		}
		return b.terms.periodStart(q.PeriodStart, i)
	}

	// The coupon's line for the first period (one-offs included) and for
	// every later period it applies to (recurring lines only).
	var first, later QuoteLine
	var firstOK, laterOK bool
	if c != nil {
		var err error
		if first, firstOK, err = c.adjustment(b.lines, b.cur); err != nil {
			return err
		}
		if later, laterOK, err = c.adjustment(recurring, b.cur); err != nil {
			return err
		}
		firstOK = firstOK && c.AppliesTo(starts(0))
	}

	firstInv := total{a: zero}
	recur := total{a: zero}
	oneOffSaved := total{a: zero}
	recurSaved := total{a: zero}
	for _, x := range b.lines {
		q.Lines = append(q.Lines, x.line)
		firstInv.add(x.line.Amount)
		if !x.oneOff {
			recur.add(x.line.Amount)
		}
		if x.line.Kind == LineBundleDiscount {
			if x.oneOff {
				oneOffSaved.add(x.line.Amount)
			} else {
				recurSaved.add(x.line.Amount)
			}
		}
	}
	saved := total{a: zero}
	saved.add(oneOffSaved.a)
	saved.addN(recurSaved.a, periods)
	if firstOK {
		first.Period = b.period()
		first.Recurring = b.renew && laterOK && c.AppliesTo(starts(1))
		q.Lines = append(q.Lines, first)
		firstInv.add(first.Amount)
		q.CouponPeriods = 1
		if first.Amount.IsNegative() {
			saved.add(first.Amount)
		}
	}
	if q.Lines == nil {
		q.Lines = []QuoteLine{}
	}
	withCoupon := total{a: recur.a}
	if laterOK {
		withCoupon.add(later.Amount)
		rc := later
		rc.Recurring = b.renew
		q.RenewalCoupon = &rc
	}
	sum := total{a: firstInv.a}
	for i := 1; i < periods; i++ {
		if laterOK && c.AppliesTo(starts(i)) {
			sum.add(withCoupon.a)
			q.CouponPeriods++
			if later.Amount.IsNegative() {
				saved.add(later.Amount)
			}
			continue
		}
		sum.add(recur.a)
	}
	q.FirstInvoice, q.Total, q.Savings = firstInv.a, sum.a, saved.a.Neg()
	q.RecurringPerPeriod = zero
	if b.renew {
		q.RecurringPerPeriod = recur.a
		if laterOK && c.AppliesTo(starts(1)) {
			q.RecurringPerPeriod = withCoupon.a
		}
	}
	q.Postpaid = b.postpaid
	for _, t := range []total{firstInv, recur, oneOffSaved, recurSaved, saved, withCoupon, sum} {
		if t.err != nil {
			return asOverflow(t.err, "quote total")
		}
	}
	return nil
}
