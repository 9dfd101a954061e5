package money

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Amount is a rounded amount of money: an integer count of the currency's
// minor units together with the Currency (63.00 EUR is 6300 minor units of
// EUR, 100 JPY is 100, 1.234 BHD is 1234). Invoice lines, totals, payments
// and ledger entries hold Amounts; the database stores Minor() as a BIGINT
// next to the currency code.
//
// Amount is an immutable, comparable value: a == b exactly when both the
// minor units and the currency are the same. The minor units always lie in
// [-math.MaxInt64, math.MaxInt64], so negation is exact. The zero Amount has
// no currency and every operation on it returns an error wrapping
// [ErrUnknownCurrency].
type Amount struct {
	minor int64
	cur   Currency
}

var errNoCurrency = fmt.Errorf("%w: the amount has no currency", ErrUnknownCurrency)

// NewAmount returns the amount of minor units of c (NewAmount(6300, EUR) is
// 63.00 EUR), typically to rebuild an Amount read from the database.
//
// It panics if minor is math.MinInt64, the one int64 whose negation
// overflows, which no operation of this package ever produces.
func NewAmount(minor int64, c Currency) Amount {
	if minor == math.MinInt64 {
		panic("money.NewAmount: math.MinInt64 minor units are out of range")
	}
	return Amount{minor: minor, cur: c}
}

// ParseAmount parses s as an amount of c. s has the syntax of
// [ParseDecimal] ("63", "63.0", "-63.00") and must not be written with more
// decimal places than c has minor units: "63.001" EUR, "63.000" EUR and
// "100.5" JPY are errors wrapping [ErrTooManyDecimals], even when the extra
// digits are zeros, so the amount is never rounded.
//
// Other errors wrap [ErrInvalidDecimal] (syntax), [ErrUnknownCurrency] (c is
// the zero Currency) or [ErrOverflow] (beyond math.MaxInt64 minor units).
func ParseAmount(s string, c Currency) (Amount, error) {
	if c.IsZero() {
		return Amount{}, errNoCurrency
	}
	d, err := parseDecimal(s, MaxDigits, c.MinorUnits(), c.Code()+" allows")
	if err != nil {
		return Amount{}, err
	}
	return Round(d, c) // exact: d has no more places than c
}

// Minor returns the amount as an integer count of minor units (6300 for
// 63.00 EUR).
func (a Amount) Minor() int64 { return a.minor }

// Currency returns the amount's currency (the zero Currency for the zero
// Amount).
func (a Amount) Currency() Currency { return a.cur }

// Decimal returns the amount as an exact Decimal (6300 EUR cents → 63).
func (a Amount) Decimal() Decimal {
	return wrap(decimal.New(a.minor, -int32(a.cur.MinorUnits())))
}

// String formats the amount with exactly as many decimals as its currency
// has minor units and without the currency code: "63.00" (EUR), "-0.05"
// (EUR), "0.00" (EUR), "100" (JPY), "1.234" (BHD). [ParseAmount] accepts it
// back.
func (a Amount) String() string {
	neg := a.minor < 0
	abs := uint64(a.minor)
	if neg {
		abs = -abs
	}
	digits := strconv.FormatUint(abs, 10)
	mu := a.cur.MinorUnits()
	var b strings.Builder
	b.Grow(len(digits) + mu + 3)
	if neg {
		b.WriteByte('-')
	}
	if mu == 0 {
		b.WriteString(digits)
		return b.String()
	}
	if pad := mu + 1 - len(digits); pad > 0 {
		digits = strings.Repeat("0", pad) + digits
	}
	b.WriteString(digits[:len(digits)-mu])
	b.WriteByte('.')
	b.WriteString(digits[len(digits)-mu:])
	return b.String()
}

// sameCurrency returns nil if a and b can be combined.
func sameCurrency(a, b Amount) error {
	if a.cur.IsZero() || b.cur.IsZero() {
		return errNoCurrency
	}
	if a.cur != b.cur {
		return fmt.Errorf("%w: cannot combine %s and %s amounts", ErrCurrencyMismatch, a.cur, b.cur)
	}
	return nil
}

// Add returns a + b. It returns an error wrapping [ErrCurrencyMismatch] if
// the currencies differ, [ErrUnknownCurrency] if either has no currency and
// [ErrOverflow] if the sum does not fit.
func (a Amount) Add(b Amount) (Amount, error) {
	if err := sameCurrency(a, b); err != nil {
		return Amount{}, err
	}
	sum := a.minor + b.minor
	if (b.minor > 0 && sum < a.minor) || (b.minor < 0 && sum > a.minor) || sum == math.MinInt64 {
		return Amount{}, fmt.Errorf("%w: %s + %s %s is beyond the largest storable amount of %s %s",
			ErrOverflow, a, b, a.cur, maxAmount(a.cur), a.cur)
	}
	return Amount{minor: sum, cur: a.cur}, nil
}

// Sub returns a - b, with the errors of [Amount.Add].
func (a Amount) Sub(b Amount) (Amount, error) {
	return a.Add(b.Neg())
}

// Neg returns -a. It never overflows.
func (a Amount) Neg() Amount { return Amount{minor: -a.minor, cur: a.cur} }

// Abs returns |a|. It never overflows.
func (a Amount) Abs() Amount {
	if a.minor < 0 {
		return a.Neg()
	}
	return a
}

// IsZero reports whether a has zero minor units (whatever its currency).
func (a Amount) IsZero() bool { return a.minor == 0 }

// IsNegative reports whether a < 0.
func (a Amount) IsNegative() bool { return a.minor < 0 }

// IsPositive reports whether a > 0.
func (a Amount) IsPositive() bool { return a.minor > 0 }

// Cmp returns -1, 0 or +1 as a is less than, equal to or greater than b. It
// returns an error wrapping [ErrCurrencyMismatch] if the currencies differ
// and [ErrUnknownCurrency] if either has no currency.
func (a Amount) Cmp(b Amount) (int, error) {
	if err := sameCurrency(a, b); err != nil {
		return 0, err
	}
	switch {
	case a.minor < b.minor:
		return -1, nil
	case a.minor > b.minor:
		return 1, nil
	}
	return 0, nil
}

// Sum returns the total of amounts in c; with no amounts it is zero in c.
// This is how totals are made: sums of already rounded amounts, never
// rounded again. It returns an error wrapping [ErrUnknownCurrency] if c is
// the zero Currency, [ErrCurrencyMismatch] if any amount is not in c and
// [ErrOverflow] if the total does not fit.
func Sum(c Currency, amounts ...Amount) (Amount, error) {
	if c.IsZero() {
		return Amount{}, errNoCurrency
	}
	total := Amount{cur: c}
	for i, a := range amounts {
		var err error
		if total, err = total.Add(a); err != nil {
			return Amount{}, fmt.Errorf("summing amount %d: %w", i+1, err)
		}
	}
	return total, nil
}
