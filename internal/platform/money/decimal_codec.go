package money

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// scanMaxDigits bounds decimals read back from the database. The database
// is our own storage, so values computed by this package (which may exceed
// the input limits of ParseDecimal) must read back; the bound only keeps a
// corrupt value from costing unbounded work.
const scanMaxDigits = 1000

// MarshalText gives d's canonical form ("12.5"), which encoding/json
// writes as a JSON string, never as a JSON number, so no client parses it
// as a float. (A text marshaler rather than a JSON one: encoding/json
// validates and compacts what a JSON marshaler returns, which cost a
// billing day a tenth of its time in events full of prices.)
func (d Decimal) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalJSON decodes a JSON string holding a canonical decimal, with the
// rules and limits of [ParseDecimal]. JSON numbers (12.5), null and any
// other JSON value are rejected with an error wrapping [ErrInvalidDecimal],
// because a JSON number may already have been through a float.
func (d *Decimal) UnmarshalJSON(data []byte) error {
	s, err := jsonDecimalString(data)
	if err != nil {
		return err
	}
	parsed, err := ParseDecimal(s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// jsonDecimalString returns the contents of a JSON string that should hold
// a decimal, or an error wrapping ErrInvalidDecimal explaining what to send.
func jsonDecimalString(data []byte) (string, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '"' {
		what := "a JSON " + jsonKind(data)
		return "", fmt.Errorf("%w %s: send decimals as JSON strings such as \"12.5\", not as %s",
			ErrInvalidDecimal, quote(string(data)), what)
	}
	// A string without escapes is its own content; one with escapes goes
	// through the JSON decoder.
	if len(data) >= 2 && data[len(data)-1] == '"' && bytes.IndexAny(data[1:len(data)-1], "\\\"") < 0 {
		return string(data[1 : len(data)-1]), nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidDecimal, err)
	}
	return s, nil
}

func jsonKind(data []byte) string {
	switch {
	case len(data) == 0:
		return "empty value"
	case data[0] == '-' || isDigit(data[0]):
		return "number"
	case bytes.Equal(data, []byte("null")):
		return "null"
	case data[0] == '{':
		return "object"
	case data[0] == '[':
		return "array"
	case data[0] == 't' || data[0] == 'f':
		return "boolean"
	}
	return "value"
}

// Value implements driver.Valuer: d is stored as its canonical string, which
// PostgreSQL NUMERIC columns accept exactly.
func (d Decimal) Value() (driver.Value, error) { return d.String(), nil }

// Scan implements sql.Scanner. It accepts a string or []byte in the
// canonical syntax of [ParseDecimal] (as NUMERIC columns return it, without
// the input digit and decimal-place limits) and int64. float64 is rejected
// with an error wrapping [ErrInvalidDecimal], never rounded silently; so
// are NULL (use sql.Null[money.Decimal]) and every other type.
func (d *Decimal) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case int64:
		*d = DecimalFromInt(v)
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	case float64, float32:
		return fmt.Errorf("%w: refusing to scan floating-point value %v into a Decimal; "+
			"store decimals as NUMERIC or text", ErrInvalidDecimal, v)
	case nil:
		return fmt.Errorf("%w: cannot scan NULL into a Decimal; use sql.Null[money.Decimal]", ErrInvalidDecimal)
	default:
		return fmt.Errorf("%w: cannot scan %T into a Decimal", ErrInvalidDecimal, src)
	}
	parsed, err := parseDecimal(s, scanMaxDigits, scanMaxDigits, "")
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}
