package money

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MarshalJSON encodes the amount as an object with the amount as a string
// formatted with exactly the currency's minor units and the currency code:
// {"amount":"63.00","currency":"EUR"}. It returns an error wrapping
// [ErrUnknownCurrency] for an amount without a currency.
func (a Amount) MarshalJSON() ([]byte, error) {
	if a.cur.IsZero() {
		return nil, fmt.Errorf("%w: an amount without a currency cannot be marshalled", ErrUnknownCurrency)
	}
	return []byte(`{"amount":"` + a.String() + `","currency":"` + a.cur.Code() + `"}`), nil
}

// UnmarshalJSON decodes {"amount":"63.00","currency":"EUR"} strictly:
//   - the value must be a JSON object with exactly the keys "amount" and
//     "currency" (spelled in lower case), else the error wraps
//     [ErrInvalidAmount];
//   - "currency" must be a known currency ([ParseCurrency]), else the error
//     wraps [ErrUnknownCurrency];
//   - "amount" must be a JSON string, not a number, and obey [ParseAmount]
//     for that currency (at most its minor units in decimals), else the
//     error wraps [ErrInvalidDecimal], [ErrTooManyDecimals] or
//     [ErrOverflow].
//
// On error the receiver is left unchanged.
func (a *Amount) UnmarshalJSON(data []byte) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("%w: an amount must be a JSON object such as {\"amount\":\"63.00\",\"currency\":\"EUR\"}",
			ErrInvalidAmount)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		return fmt.Errorf("%w: malformed amount object: %v", ErrInvalidAmount, err)
	}
	for k := range fields {
		if k != "amount" && k != "currency" {
			return fmt.Errorf("%w: unknown field %s; only \"amount\" and \"currency\" are allowed",
				ErrInvalidAmount, quote(k))
		}
	}
	rawCur, ok := fields["currency"]
	if !ok {
		return fmt.Errorf("%w: missing \"currency\" field", ErrInvalidAmount)
	}
	rawAmount, ok := fields["amount"]
	if !ok {
		return fmt.Errorf("%w: missing \"amount\" field", ErrInvalidAmount)
	}
	var c Currency
	if err := c.UnmarshalJSON(rawCur); err != nil {
		return fmt.Errorf("currency: %w", err)
	}
	s, err := jsonDecimalString(rawAmount)
	if err != nil {
		return fmt.Errorf("amount: %w", err)
	}
	parsed, err := ParseAmount(s, c)
	if err != nil {
		return fmt.Errorf("amount: %w", err)
	}
	*a = parsed
	return nil
}
