// Package money is the one place where Nephele's money rules live.
//
// It offers three value types:
//
//   - [Currency]: an active ISO 4217 currency and its number of minor units
//     (EUR 2, JPY 0, BHD 3, CLF 4, ...).
//   - [Decimal]: an exact decimal number for unit prices, quantities, rates
//     and other unrounded intermediate values.
//   - [Amount]: a rounded amount of money, an integer count of the currency's
//     minor units plus its Currency (63.00 EUR is 6300 EUR cents). Invoice
//     lines, totals, payments and ledger entries store Amounts, in the
//     database as a BIGINT of minor units next to the currency code.
//
// # Rules
//
//  1. Never floats. No float32 or float64 enters or leaves this package:
//     decimals are parsed from canonical strings ("12.50"), travel in JSON as
//     strings, and are scanned from SQL as strings or integers. A float64 from
//     a database driver or a JSON number is rejected with an error.
//  2. Unit prices have at most 9 decimal places ([ParsePrice], [LineAmount]).
//     Other decimals ([ParseDecimal]) have at most 18 decimal places and at
//     most 30 digits in total.
//  3. A line amount is unit price × quantity, rounded once, at the line, to
//     the currency's minor unit, half away from zero (2.345 → 2.35,
//     -2.345 → -2.35). [Round] is the only function that turns a Decimal into
//     an Amount and the only place that rounding rule is implemented.
//  4. A unit price computed from another price (after a percentage markup
//     or discount) is rounded once, half away from zero, to 9 decimal
//     places with [RoundPrice], so it is again a valid unit price. This is
//     the second and last rounding rule; nothing else rounds.
//  5. Totals are sums of rounded lines ([Sum], [Amount.Add]); they are never
//     rounded again.
//  6. Tax is computed per rate on the unrounded base (the sum of the unrounded
//     line values taxed at that rate) and rounded once, by the same [Round]
//     ([Tax]).
//  7. Arithmetic across currencies is an error ([ErrCurrencyMismatch]); there
//     is no implicit conversion.
//  8. Overflow is an error ([ErrOverflow]), never a silent wrap or rounding.
//     An Amount holds between -math.MaxInt64 and math.MaxInt64 minor units;
//     math.MinInt64 is excluded so that negation is always exact.
//  9. Splitting an amount ([Amount.Allocate]) never creates or loses a minor
//     unit: the parts always add up to the original.
//  10. What a user enters is bounded, here and nowhere else:
//     [MaxUnitPriceText], [MaxQuantity], [MaxAmountText], checked by
//     [CheckUnitPrice], [CheckQuantity] and [CheckAmount]. Sums of raw minor
//     units go through [AddMinor]; reports over a whole book add in a
//     128-bit [WideSum].
//
// # Errors
//
// Every error returned by this package wraps one of the exported sentinel
// errors ([ErrInvalidDecimal], [ErrUnknownCurrency], [ErrCurrencyMismatch],
// [ErrOverflow], [ErrTooManyDecimals], [ErrDivisionByZero],
// [ErrInvalidAmount], [ErrInvalidWeights]) so callers can test them with errors.Is, except where
// a function's documentation says otherwise. Messages are written for
// humans and may be shown to API clients as field errors, for example:
//
//	invalid decimal "1,5": use digits with an optional '.' and no thousands separator
//
// # Zero values
//
// The zero Decimal is 0 and is ready to use. The zero Currency is invalid
// ([Currency.IsZero]); an Amount with the zero Currency is invalid too and
// every operation on it returns an error wrapping [ErrUnknownCurrency].
// Neither can be marshalled to JSON or written to SQL; use a pointer,
// sql.Null or the omitzero JSON option for optional fields.
//
// The decimal arithmetic is implemented with github.com/shopspring/decimal,
// which never appears in this package's API and may be replaced.
package money
