package money

import (
	"fmt"
	"math"
)

// The largest values a user may enter. They are the one place these
// maxima live: the API and the web forms reach them through the domain
// validators (catalog plans and coupons, channel markups, vendor lines,
// payments, credit notes, usage), which answer a larger value with a field
// error (422) before anything is stored.
//
// Why these numbers. An Amount holds at most math.MaxInt64 ≈ 9.22 × 10^18
// minor units; ISO 4217 currencies have at most 4 minor units (CLF, UYW),
// so an Amount of any currency can hold 9.22 × 10^14 units.
//
//   - A vendor line is bounded as a whole: its unit price × quantity must not
//     exceed [MaxAmountText] (10^13 − 0.0001 units), so one line is at most
//     10^17 minor units, and a document of such lines stays within int64 for
//     92 lines in every currency (92,233 lines in a 2-decimal currency).
//   - A unit price ([MaxUnitPriceText], just below 10^9) times a quantity
//     ([MaxQuantity], 10^12) may reach 10^21 units, which no int64 holds:
//     usage of a metric or a tiered scheme is not bounded as a product,
//     because a plan's price and a customer's usage are entered by
//     different parties at different times.
//
// So the maxima do not prove every document fits, and they cannot for an
// arbitrary number of lines. What catches the rest is that every sum of
// minor units is checked ([AddMinor], [Amount.Add], [Sum]) and answers
// [ErrOverflow], never a wrapped number: the billing run then fails that
// one document (its charges marked failed for an operator) and bills the
// others, and reports sum in a 128-bit [WideSum] that no book can overflow.
const (
	// MaxUnitPriceText is the largest unit price (plan and range prices,
	// setup fees, package and flat prices, metric prices, coupon fixed
	// prices, fixed markups, vendor line unit prices), as a decimal.
	MaxUnitPriceText = "999999999.999999999"
	// MaxQuantity is the largest quantity in units (an order's, a vendor
	// line's, a range bound, a usage value).
	MaxQuantity = 1_000_000_000_000
	// MaxAmountText is the largest amount of money entered as an amount
	// (a payment, a credit note, a coupon's fixed amount) and the largest
	// value of one vendor line (unit price × quantity), as a decimal.
	MaxAmountText = "9999999999999.9999"
)

var (
	maxUnitPrice = MustDecimal(MaxUnitPriceText)
	maxQuantity  = DecimalFromInt(MaxQuantity)
	maxEntered   = MustDecimal(MaxAmountText)
)

// CheckUnitPrice reports whether d is a unit price a user may enter: at
// most [MaxUnitPriceText] in absolute value with at most [MaxPricePlaces]
// decimal places. The error wraps [ErrOverflow] or [ErrTooManyDecimals]
// and its message reads well as a field error ("must be at most ...").
func CheckUnitPrice(d Decimal) error {
	if d.Abs().Cmp(maxUnitPrice) > 0 {
		return fmt.Errorf("%w: must be at most %s", ErrOverflow, MaxUnitPriceText)
	}
	if d.decimalPlaces() > MaxPricePlaces {
		return fmt.Errorf("%w: at most %d decimal places", ErrTooManyDecimals, MaxPricePlaces)
	}
	return nil
}

// CheckQuantity reports whether d is at most [MaxQuantity] in absolute
// value; the error wraps [ErrOverflow]. Places and sign are the caller's
// rules.
func CheckQuantity(d Decimal) error {
	if d.Abs().Cmp(maxQuantity) > 0 {
		return fmt.Errorf("%w: must be at most %d", ErrOverflow, int64(MaxQuantity))
	}
	return nil
}

// CheckAmount reports whether d is an amount a user may enter: at most
// [MaxAmountText] in absolute value. The error wraps [ErrOverflow]. Places
// are the caller's rule (see [ParseAmount]).
func CheckAmount(d Decimal) error {
	if d.Abs().Cmp(maxEntered) > 0 {
		return fmt.Errorf("%w: must be at most %s", ErrOverflow, MaxAmountText)
	}
	return nil
}

// AddMinor returns a + b, minor units of one currency, or an error wrapping
// [ErrOverflow] if the sum leaves [-math.MaxInt64, math.MaxInt64] (the
// range of an Amount). It is the checked addition of the billing hot path,
// where amounts are summed as raw minor units: it does not allocate unless
// it fails.
func AddMinor(a, b int64) (int64, error) {
	sum := a + b
	if (b > 0 && sum < a) || (b < 0 && sum > a) || sum == math.MinInt64 {
		return 0, fmt.Errorf("%w: %d + %d minor units is beyond the largest storable amount", ErrOverflow, a, b)
	}
	return sum, nil
}

// AddMinorTo adds b to *sum with [AddMinor]; on overflow *sum is unchanged
// and *err is set (if it is not set yet). It lets a loop add many amounts
// and check once: for _, l := range lines { AddMinorTo(&total, l, &err) }.
func AddMinorTo(sum *int64, b int64, err *error) {
	s, e := AddMinor(*sum, b)
	if e != nil {
		if *err == nil {
			*err = e
		}
		return
	}
	*sum = s
}
