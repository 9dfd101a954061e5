package money

import (
	"fmt"
	"math/big"
	"strconv"

	"github.com/shopspring/decimal"
)

// Limits on decimals parsed from text.
const (
	// MaxDigits is the largest number of digits (before and after the '.',
	// leading zeros included) that ParseDecimal, ParsePrice and ParseAmount
	// accept.
	MaxDigits = 30
	// MaxDecimalPlaces is the largest number of decimal places that
	// ParseDecimal accepts.
	MaxDecimalPlaces = 18
	// MaxPricePlaces is the largest number of decimal places of a unit
	// price (ParsePrice, LineAmount).
	MaxPricePlaces = 9
	// MaxDivPlaces is the largest number of decimal places Decimal.Div can
	// round its quotient to.
	MaxDivPlaces = 30
)

// Decimal is an exact decimal number: unit prices, quantities, tax rates and
// unrounded intermediate results. It is an immutable value; every operation
// returns a new Decimal. The zero value is 0.
//
// Compare Decimals with [Decimal.Equal] or [Decimal.Cmp]; == does not
// compile on purpose, because 1.5 and 1.50 are equal numbers with different
// representations.
type Decimal struct {
	_ [0]func() // makes Decimal non-comparable with ==
	d decimal.Decimal
}

func wrap(d decimal.Decimal) Decimal { return Decimal{d: d} }

// DecimalFromInt returns the Decimal equal to i.
func DecimalFromInt(i int64) Decimal { return wrap(decimal.NewFromInt(i)) }

// DecimalFromScaled returns the Decimal equal to coef × 10^-places, with
// places decimal places (fixed-point results turned back into decimals).
func DecimalFromScaled(coef int64, places int32) Decimal { return wrap(decimal.New(coef, -places)) }

// ParseDecimal parses a canonical decimal string: an optional leading '-',
// one or more digits, then optionally a '.' followed by one or more digits
// ("12", "-0.5", "100.10"). Everything else is rejected with an error
// wrapping [ErrInvalidDecimal]: the empty string, exponents ("1e3"), a '+'
// sign, spaces, thousands separators ("1,5" or "1_000"), a leading or
// trailing '.', "NaN", "Infinity", hexadecimal, and strings with more than
// [MaxDigits] digits. More than [MaxDecimalPlaces] decimal places is an
// error wrapping [ErrTooManyDecimals].
//
// Leading zeros are accepted and normalised ("007" is 7) and "-0" is 0;
// trailing zeros are kept in the value's precision but do not change it.
func ParseDecimal(s string) (Decimal, error) {
	return parseDecimal(s, MaxDigits, MaxDecimalPlaces, "")
}

// MustDecimal is like [ParseDecimal] but panics if s is not a valid
// decimal. It is meant for constants in code and tests, never for input.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic("money.MustDecimal: " + err.Error())
	}
	return d
}

// ParsePrice parses a unit price with the syntax of [ParseDecimal] but at
// most [MaxPricePlaces] (9) decimal places; more is an error wrapping
// [ErrTooManyDecimals]. Negative prices (discount lines) are accepted.
func ParsePrice(s string) (Decimal, error) {
	return parseDecimal(s, MaxDigits, MaxPricePlaces, "a unit price allows")
}

// parseDecimal validates the canonical syntax itself (so the underlying
// library's more liberal parser never sees exponents, signs or Unicode)
// and then converts. placesWho explains the places limit in messages,
// e.g. "EUR allows"; "" means the generic limit.
func parseDecimal(s string, maxDigits, maxPlaces int, placesWho string) (Decimal, error) {
	intDigits, fracDigits, reason := scanDecimal(s)
	if reason != "" {
		return Decimal{}, fmt.Errorf("%w %s: %s", ErrInvalidDecimal, quote(s), reason)
	}
	if fracDigits > maxPlaces {
		if placesWho == "" {
			placesWho = "a decimal allows"
		}
		limit := fmt.Sprintf("at most %d", maxPlaces)
		if maxPlaces == 0 {
			limit = "none"
		}
		return Decimal{}, fmt.Errorf("%w in %s: %s %s", ErrTooManyDecimals, quote(s), placesWho, limit)
	}
	if intDigits+fracDigits > maxDigits {
		return Decimal{}, fmt.Errorf("%w %s: too many digits, at most %d are allowed",
			ErrInvalidDecimal, quote(s), maxDigits)
	}
	d, err := decimal.NewFromString(s)
	if err != nil { // unreachable: the syntax was checked above
		return Decimal{}, fmt.Errorf("%w %s: %v", ErrInvalidDecimal, quote(s), err)
	}
	return wrap(d), nil
}

const syntaxHint = "use digits with an optional '.' and no thousands separator"

// scanDecimal checks the canonical syntax and counts digits. reason is ""
// when s is well formed, otherwise a human readable explanation.
func scanDecimal(s string) (intDigits, fracDigits int, reason string) {
	if s == "" {
		return 0, 0, "empty value; " + syntaxHint + `, such as "12.50"`
	}
	i := 0
	if s[0] == '-' {
		i++
	}
	for i < len(s) && isDigit(s[i]) {
		i++
		intDigits++
	}
	if i < len(s) && s[i] == '.' {
		if intDigits == 0 {
			return 0, 0, `a leading '.' is not allowed; write "0.5" instead of ".5"`
		}
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			fracDigits++
		}
		if fracDigits == 0 && i == len(s) {
			return 0, 0, `a trailing '.' is not allowed; write "1" or "1.0"`
		}
	}
	if i == len(s) && intDigits > 0 {
		return intDigits, fracDigits, ""
	}
	if i == len(s) { // only "-"
		return 0, 0, "missing digits; " + syntaxHint
	}
	switch c := s[i]; {
	case c == 'e' || c == 'E':
		if intDigits > 0 {
			return 0, 0, `exponent notation is not allowed; write the digits out, e.g. "1000" instead of "1e3"`
		}
	case c == '+':
		return 0, 0, "a '+' sign is not allowed; " + syntaxHint
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		return 0, 0, "spaces are not allowed; " + syntaxHint
	}
	return 0, 0, syntaxHint
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Add returns d + e.
func (d Decimal) Add(e Decimal) Decimal { return wrap(d.d.Add(e.d)) }

// Sub returns d - e.
func (d Decimal) Sub(e Decimal) Decimal { return wrap(d.d.Sub(e.d)) }

// Mul returns d × e, exactly (the result has as many decimal places as
// d and e together).
func (d Decimal) Mul(e Decimal) Decimal { return wrap(d.d.Mul(e.d)) }

// Div returns d ÷ e rounded half away from zero to places decimal places
// (0 ≤ places ≤ [MaxDivPlaces]). Division by zero returns an error wrapping
// [ErrDivisionByZero]; places out of range returns an error wrapping
// [ErrInvalidDecimal].
func (d Decimal) Div(e Decimal, places int32) (Decimal, error) {
	if places < 0 || places > MaxDivPlaces {
		return Decimal{}, fmt.Errorf("%w: division places %d out of range 0..%d",
			ErrInvalidDecimal, places, MaxDivPlaces)
	}
	if e.d.IsZero() {
		return Decimal{}, fmt.Errorf("%w: cannot divide %s by zero", ErrDivisionByZero, d)
	}
	// Truncating the exact quotient one digit past places keeps the digit
	// that decides half-away-from-zero rounding, so this is exact.
	q, _ := d.d.QuoRem(e.d, places+1)
	return wrap(roundHalfAwayFromZero(q, places)), nil
}

// Neg returns -d.
func (d Decimal) Neg() Decimal { return wrap(d.d.Neg()) }

// Abs returns |d|.
func (d Decimal) Abs() Decimal { return wrap(d.d.Abs()) }

// Cmp returns -1, 0 or +1 as d is less than, equal to or greater than e.
func (d Decimal) Cmp(e Decimal) int { return d.d.Cmp(e.d) }

// Equal reports whether d and e are the same number (1.5 equals 1.50).
func (d Decimal) Equal(e Decimal) bool { return d.d.Equal(e.d) }

// Sign returns -1, 0 or +1 as d is negative, zero or positive.
func (d Decimal) Sign() int { return d.d.Sign() }

// IsZero reports whether d is 0.
func (d Decimal) IsZero() bool { return d.d.IsZero() }

// IsNegative reports whether d < 0.
func (d Decimal) IsNegative() bool { return d.d.IsNegative() }

// IsPositive reports whether d > 0.
func (d Decimal) IsPositive() bool { return d.d.IsPositive() }

// String returns the canonical form: no exponent, no '+', trailing
// fractional zeros trimmed, "0" for zero ("100.10" → "100.1",
// "-0.50" → "-0.5"). [ParseDecimal] accepts it back when it is within the
// parse limits.
func (d Decimal) String() string {
	var buf [40]byte
	if b, ok := d.appendSmall(buf[:0]); ok {
		return string(b)
	}
	return d.d.String()
}

// Append appends d's canonical form (as String returns it) to b.
func (d Decimal) Append(b []byte) []byte {
	if out, ok := d.appendSmall(b); ok {
		return out
	}
	return append(b, d.d.String()...)
}

// appendSmall appends the canonical form of a decimal whose coefficient
// has at most 18 digits and whose exponent is within ±18 (every price,
// quantity and rate a document holds) with int64 arithmetic, where the
// general case formats a big integer; ok is false for any other decimal.
func (d Decimal) appendSmall(b []byte) (_ []byte, ok bool) {
	exp := d.d.Exponent()
	if exp < -18 || exp > 18 || d.d.NumDigits() > 18 {
		return b, false
	}
	c := d.d.CoefficientInt64()
	if c == 0 {
		return append(b, '0'), true
	}
	if c < 0 {
		b, c = append(b, '-'), -c // |c| < 10^18: no overflow
	}
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], c, 10)
	if exp >= 0 {
		b = append(b, digits...)
		for range exp {
			b = append(b, '0')
		}
		return b, true
	}
	places := int(-exp)
	for places > 0 && digits[len(digits)-1] == '0' {
		digits, places = digits[:len(digits)-1], places-1
	}
	switch {
	case places == 0:
		return append(b, digits...), true
	case len(digits) > places:
		b = append(b, digits[:len(digits)-places]...)
		b = append(b, '.')
		return append(b, digits[len(digits)-places:]...), true
	}
	b = append(b, '0', '.')
	for range places - len(digits) {
		b = append(b, '0')
	}
	return append(b, digits...), true
}

// StringFixed returns d rounded half away from zero to exactly places
// decimal places, zero padded ("2.5" with 2 → "2.50", "2.345" with 2 →
// "2.35"). A negative places is treated as 0. For amounts of money use
// [Round] and [Amount.String] instead.
func (d Decimal) StringFixed(places int32) string {
	places = max(places, 0)
	return roundHalfAwayFromZero(d.d, places).StringFixed(places)
}

// decimalPlaces returns the number of decimal places d needs, ignoring
// trailing zeros (1.500 needs 1).
func (d Decimal) decimalPlaces() int32 {
	exp := d.d.Exponent()
	if exp >= 0 || d.d.IsZero() {
		return 0
	}
	c := d.d.Coefficient()
	ten, r := big.NewInt(10), new(big.Int)
	for exp < 0 {
		q, rem := new(big.Int).QuoRem(c, ten, r)
		if rem.Sign() != 0 {
			break
		}
		c = q
		exp++
	}
	return -exp
}

// Min returns the smaller of a and b (a when they are equal).
func Min(a, b Decimal) Decimal {
	if b.Cmp(a) < 0 {
		return b
	}
	return a
}

// Max returns the larger of a and b (a when they are equal).
func Max(a, b Decimal) Decimal {
	if b.Cmp(a) > 0 {
		return b
	}
	return a
}
