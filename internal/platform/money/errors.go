package money

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package wraps one of them
// (with a human readable explanation around it), so callers can classify an
// error with errors.Is and show its message to API clients.
var (
	// ErrInvalidDecimal reports a string (or JSON / SQL value) that is not a
	// canonical decimal: empty, exponent notation, a '+' sign, spaces, a
	// thousands separator, a leading or trailing '.', more than 30 digits, a
	// JSON number instead of a JSON string, a float64 from SQL, and so on.
	ErrInvalidDecimal = errors.New("invalid decimal")

	// ErrUnknownCurrency reports a code that is not an active ISO 4217
	// currency with minor units, or an Amount whose Currency is the zero
	// value.
	ErrUnknownCurrency = errors.New("unknown currency")

	// ErrCurrencyMismatch reports arithmetic or a comparison between amounts
	// of different currencies.
	ErrCurrencyMismatch = errors.New("currency mismatch")

	// ErrOverflow reports a result that does not fit in an Amount (more than
	// math.MaxInt64 minor units in absolute value) or a sum of allocation
	// weights that does not fit in 64 bits.
	ErrOverflow = errors.New("amount out of range")

	// ErrTooManyDecimals reports a decimal with more decimal places than
	// allowed: more than the currency's minor units for an Amount, more than
	// 9 for a unit price, more than 18 for any other decimal.
	ErrTooManyDecimals = errors.New("too many decimal places")

	// ErrDivisionByZero reports a division by a zero Decimal.
	ErrDivisionByZero = errors.New("division by zero")

	// ErrInvalidAmount reports a JSON amount of the wrong shape: not an
	// object, a missing "amount" or "currency" field, or an unknown field.
	ErrInvalidAmount = errors.New("invalid amount")

	// ErrInvalidWeights reports allocation weights that cannot split an
	// amount: none given, a negative weight, or all weights zero.
	ErrInvalidWeights = errors.New("invalid allocation weights")
)

// maxQuotedInput is how many bytes of a rejected input are echoed in an
// error message; longer inputs are cut so messages stay readable.
const maxQuotedInput = 40

// quote returns s quoted for an error message, shortened when very long.
func quote(s string) string {
	if len(s) <= maxQuotedInput {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:maxQuotedInput]) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}
