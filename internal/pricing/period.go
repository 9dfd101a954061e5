package pricing

import (
	"strconv"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// PeriodQuote is what one billing period of an order charges: the lines
// invoiced in advance when it starts, and the postpaid terms whose use is
// invoiced in arrears when it ends.
type PeriodQuote struct {
	// Index is the period's position in the order's duration, from 0.
	Index    int            `json:"index"`
	Currency money.Currency `json:"currency"`
	// Start and End bound the period; End is zero for a plan without
	// periods (everlasting), whose only period never ends.
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
	// Lines are charged at Start; Total is their sum.
	Lines    []QuoteLine    `json:"lines"`
	Total    money.Amount   `json:"total"`
	Postpaid []PostpaidTerm `json:"postpaid,omitempty"`
}

// ComputePeriod prices period k of the order in: period 0 is the quote's
// first invoice (one-off fees included); a later period charges the
// recurring lines again, with the coupon's renewal line while the coupon
// still applies to a period starting then. The sum of every period's
// Total is the quote's Total. in.Start is the start of the order's
// duration (its first period) and in.Trial must be false.
//
// Errors: Compute's; invalid_period (field "period") for k outside the
// order's duration.
func ComputePeriod(in QuoteInput, k int) (PeriodQuote, error) {
	in.Trial = false
	q, err := Compute(in)
	if err != nil {
		return PeriodQuote{}, err
	}
	if k < 0 || k >= q.Periods || (k > 0 && q.PeriodEnd.IsZero()) {
		return PeriodQuote{}, invalidField(CodeInvalidPeriod, "period", "the order has no period "+strconv.Itoa(k))
	}
	out := PeriodQuote{Index: k, Currency: q.Currency, Start: q.PeriodStart, End: q.PeriodEnd, Postpaid: q.Postpaid}
	if k == 0 {
		out.Lines, out.Total = q.Lines, q.FirstInvoice
		return out, nil
	}
	out.Start, out.End = in.Terms.periodStart(q.PeriodStart, k), in.Terms.periodStart(q.PeriodStart, k+1)
	per := &Period{Start: out.Start, End: out.End}
	total := money.NewAmount(0, q.Currency)
	add := func(l QuoteLine) error {
		l.Period = per
		out.Lines = append(out.Lines, l)
		var err error
		total, err = total.Add(l.Amount)
		return err
	}
	for _, l := range q.Lines {
		if l.Period == nil || l.Kind == LineCouponDiscount || l.Kind == LineCouponSurcharge {
			continue // a one-off, or the first period's coupon line
		}
		if err := add(l); err != nil {
			return PeriodQuote{}, asOverflow(err, "period total")
		}
	}
	if q.RenewalCoupon != nil && in.Coupon != nil && in.Coupon.AppliesTo(out.Start) {
		if err := add(*q.RenewalCoupon); err != nil {
			return PeriodQuote{}, asOverflow(err, "period total")
		}
	}
	if out.Lines == nil {
		out.Lines = []QuoteLine{}
	}
	out.Total = total
	return out, nil
}

// RateUsage prices the use of a postpaid term over one period: what
// exceeds the included quantity, rated with the term's scheme and rounded
// once. The line's Quantity is the billable quantity.
//
// Errors: quantity_out_of_range (field "quantity") for a negative use;
// the scheme's rating errors.
func RateUsage(t PostpaidTerm, used money.Decimal, cur money.Currency) (QuoteLine, error) {
	return RateUsageCompiled(t, nil, used, cur)
}

// RateUsageCompiled is RateUsage with r, t.Scheme compiled (nil: compiled
// here), for rating the usage of many subscriptions on the same terms.
func RateUsageCompiled(t PostpaidTerm, r *Rater, used money.Decimal, cur money.Currency) (QuoteLine, error) {
	billable, err := billableUsage(t, used)
	if err != nil {
		return QuoteLine{}, err
	}
	name := t.Name
	if name == "" {
		name = t.ID
	}
	desc := name + ": " + used.String()
	if t.Unit != "" {
		desc += " " + t.Unit
	}
	if !t.Included.IsZero() {
		desc += ", " + t.Included.String() + " included"
	}
	l := QuoteLine{Kind: t.Kind, Description: desc, ComponentPlanID: t.ComponentPlanID, Quantity: billable}
	if t.Kind == LineExtraResource {
		l.ExtraID = t.ID
	}
	if r == nil {
		if r, err = t.Scheme.Compile(); err != nil {
			return QuoteLine{}, renamed(err, "quantity")
		}
	}
	rating, err := t.Scheme.RateCompiled(r, billable)
	if err != nil {
		return QuoteLine{}, renamed(err, "quantity")
	}
	if l.Amount, err = money.Round(rating.Amount, cur); err != nil {
		return QuoteLine{}, asOverflow(err, name)
	}
	l.UnitPrice, l.Breakdown = unitPriceOf(t.Scheme, rating), rating.Lines
	return l, nil
}

// UsageAmount is the amount of RateUsageCompiled alone, without the line
// (description, breakdown): what a party owes the party above it for the
// usage.
func UsageAmount(t PostpaidTerm, r *Rater, used money.Decimal, cur money.Currency) (money.Amount, error) {
	billable, err := billableUsage(t, used)
	if err != nil {
		return money.Amount{}, err
	}
	if r == nil {
		if r, err = t.Scheme.Compile(); err != nil {
			return money.Amount{}, renamed(err, "quantity")
		}
	}
	q, err := NewQuantity(billable)
	if err != nil {
		return money.Amount{}, renamed(err, "quantity")
	}
	v, err := r.Rate(q)
	if err != nil {
		return money.Amount{}, renamed(err, "quantity")
	}
	a, err := money.Round(v.Decimal(), cur)
	if err != nil {
		return money.Amount{}, asOverflow(err, t.Name)
	}
	return a, nil
}

// billableUsage is what of used is charged: less the included quantity,
// never below zero.
func billableUsage(t PostpaidTerm, used money.Decimal) (money.Decimal, error) {
	if used.IsNegative() {
		return money.Decimal{}, invalidField(CodeQuantityOutOfRange, "quantity", "must not be negative")
	}
	billable := used
	if !t.Included.IsZero() {
		if billable = used.Sub(t.Included); billable.IsNegative() {
			billable = money.Decimal{}
		}
	}
	return billable, nil
}
