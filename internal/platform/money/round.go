package money

import (
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

// roundHalfAwayFromZero is the package's only rounding primitive: it rounds
// d to places decimal places, ties away from zero (2.345 → 2.35,
// -2.345 → -2.35). It is exact: the decision depends only on the first
// dropped digit, which is never itself rounded.
func roundHalfAwayFromZero(d decimal.Decimal, places int32) decimal.Decimal {
	return d.Round(places)
}

// Round is the single money rounding rule: it rounds d once, half away from
// zero, to c's minor units and returns the result as an Amount
// (2.345 EUR → 2.35 EUR, -2.345 EUR → -2.35 EUR, 100.5 JPY → 101 JPY,
// 1.2345 BHD → 1.235 BHD). Values already at the currency's precision are
// unchanged.
//
// It returns an error wrapping [ErrUnknownCurrency] if c is the zero
// Currency and one wrapping [ErrOverflow] if the rounded value does not fit
// in an Amount (more than math.MaxInt64 minor units in absolute value).
func Round(d Decimal, c Currency) (Amount, error) {
	if c.IsZero() {
		return Amount{}, errNoCurrency
	}
	mu := int32(c.MinorUnits())
	minor := roundHalfAwayFromZero(d.d, mu).Shift(mu).BigInt()
	if !minor.IsInt64() || minor.Int64() == math.MinInt64 {
		return Amount{}, fmt.Errorf("%w: %s %s is beyond the largest storable amount of %s %s",
			ErrOverflow, d.StringFixed(mu), c.Code(), maxAmount(c), c.Code())
	}
	return Amount{minor: minor.Int64(), cur: c}, nil
}

// RoundPrice is the second and last rounding rule: it rounds a computed
// unit price (a price after a percentage markup or discount, such as
// 19.99 × 1.175 = 23.48825) once, half away from zero, to [MaxPricePlaces]
// (9) decimal places, so the result is again a valid unit price for
// [ParsePrice] and [LineAmount] (0.1234567895 → 0.12345679,
// -0.1234567895 → -0.12345679). Values with at most 9 decimal places are
// returned unchanged. It cannot fail.
//
// Use it only where a price is derived from another price; amounts of
// money are rounded with [Round].
func RoundPrice(d Decimal) Decimal {
	return wrap(roundHalfAwayFromZero(d.d, MaxPricePlaces))
}

// LineAmount returns the amount of an invoice line: unitPrice × quantity,
// multiplied exactly and rounded once with [Round].
//
// The unit price must have at most [MaxPricePlaces] (9) decimal places,
// ignoring trailing zeros, otherwise it returns an error wrapping
// [ErrTooManyDecimals]; quantity is not limited. Errors from Round are
// returned as they are.
//
// Example: 9 × 5.00 EUR + 6 × 3.00 EUR = 45.00 EUR + 18.00 EUR = 63.00 EUR.
func LineAmount(unitPrice, quantity Decimal, c Currency) (Amount, error) {
	if unitPrice.d.Exponent() < -MaxPricePlaces && unitPrice.decimalPlaces() > MaxPricePlaces {
		return Amount{}, fmt.Errorf("%w in unit price %s: a unit price allows at most %d",
			ErrTooManyDecimals, unitPrice, MaxPricePlaces)
	}
	return Round(unitPrice.Mul(quantity), c)
}

// Tax returns the tax at rate on base, rounded once with [Round].
//
// base is the unrounded taxable base: the sum of the unrounded line values
// (unit price × quantity) taxed at this rate, not the sum of rounded line
// amounts. rate is a fraction, not a percentage: 22 % is "0.22". A
// negative base (a credit) gives a negative tax. A negative rate returns an
// error wrapping [ErrInvalidDecimal]; errors from Round are returned as
// they are.
//
// Example: lines of 9.995 and 0.005 EUR at 22 % have the base 10.000 and
// the tax 2.20 EUR.
func Tax(base, rate Decimal, c Currency) (Amount, error) {
	if rate.IsNegative() {
		return Amount{}, fmt.Errorf("%w %s: a tax rate must not be negative", ErrInvalidDecimal, quote(rate.String()))
	}
	return Round(base.Mul(rate), c)
}

// maxAmount formats the largest storable amount of c.
func maxAmount(c Currency) string {
	return Amount{minor: math.MaxInt64, cur: c}.String()
}
