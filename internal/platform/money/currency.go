package money

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Currency is an active ISO 4217 currency with its number of minor units
// (the digits after the decimal point of its smallest unit: EUR 2, JPY 0,
// BHD 3, CLF 4).
//
// Currency is a small comparable value: two Currencies are the same
// currency exactly when they are ==, and it can be used as a map key. The
// zero value is not a currency ([Currency.IsZero]); obtain Currencies from
// [ParseCurrency] or [MustCurrency].
//
// The supported set is ISO 4217 List One as published on 2026-01-01 (165
// codes), including the fund codes that have minor units (CLF, UYW, ...).
// Excluded are the codes without minor units (XAU, XAG, XPD, XPT, XDR, XBA,
// XBB, XBC, XBD, XSU, XUA, XTS, XXX) and withdrawn codes such as ANG, BGN
// (Bulgaria uses the euro since 2026-01-01), CUC, HRK, SLL and ZWL.
type Currency struct {
	entry *currencyEntry
}

type currencyEntry struct {
	code  string
	minor int8
	name  string
}

// currencies maps each supported code to its table entry. Entries are
// allocated once, so the pointer inside a Currency identifies it.
var currencies = func() map[string]*currencyEntry {
	m := make(map[string]*currencyEntry, len(iso4217))
	for _, c := range iso4217 {
		m[c.code] = &currencyEntry{code: c.code, minor: c.minor, name: c.name}
	}
	return m
}()

// ParseCurrency returns the currency with the given ISO 4217 alphabetic
// code. The match is case-sensitive: the code must be exactly three
// upper-case ASCII letters ("EUR", not "eur" or " EUR").
//
// It returns an error wrapping [ErrUnknownCurrency] for any code that is
// not an active ISO 4217 currency with minor units (see [Currency] for what
// is deliberately excluded, such as XAU, XXX and the withdrawn BGN).
func ParseCurrency(code string) (Currency, error) {
	if e, ok := currencies[code]; ok {
		return Currency{entry: e}, nil
	}
	if upper := strings.ToUpper(code); upper != code {
		if _, ok := currencies[upper]; ok {
			return Currency{}, fmt.Errorf("%w %s: currency codes are upper case, use %q",
				ErrUnknownCurrency, quote(code), upper)
		}
	}
	return Currency{}, fmt.Errorf("%w %s: use an active ISO 4217 code in upper case, such as \"EUR\"",
		ErrUnknownCurrency, quote(code))
}

// MustCurrency is like [ParseCurrency] but panics if code is not a known
// currency. It is meant for constants in code and tests, never for input.
func MustCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic("money.MustCurrency: " + err.Error())
	}
	return c
}

// Currencies returns every supported currency, sorted by code.
func Currencies() []Currency {
	out := make([]Currency, 0, len(currencies))
	for _, e := range currencies {
		out = append(out, Currency{entry: e})
	}
	slices.SortFunc(out, func(a, b Currency) int { return strings.Compare(a.Code(), b.Code()) })
	return out
}

// Code returns the three-letter ISO 4217 code, or "" for the zero value.
func (c Currency) Code() string {
	if c.entry == nil {
		return ""
	}
	return c.entry.code
}

// MinorUnits returns the number of decimal places of the currency's minor
// unit (2 for EUR, 0 for JPY, 3 for BHD), or 0 for the zero value.
func (c Currency) MinorUnits() int {
	if c.entry == nil {
		return 0
	}
	return int(c.entry.minor)
}

// Name returns the currency's English ISO 4217 name ("Euro", "Yen"), or ""
// for the zero value.
func (c Currency) Name() string {
	if c.entry == nil {
		return ""
	}
	return c.entry.name
}

// IsZero reports whether c is the zero value, which is not a currency.
func (c Currency) IsZero() bool { return c.entry == nil }

// String returns the ISO 4217 code, or "" for the zero value.
func (c Currency) String() string { return c.Code() }

// MarshalJSON encodes the currency as its code, a JSON string ("EUR"). It
// returns an error wrapping [ErrUnknownCurrency] for the zero value.
func (c Currency) MarshalJSON() ([]byte, error) {
	if c.IsZero() {
		return nil, fmt.Errorf("%w: the zero Currency cannot be marshalled", ErrUnknownCurrency)
	}
	return []byte(`"` + c.entry.code + `"`), nil
}

// UnmarshalJSON decodes a JSON string holding an ISO 4217 code, with the
// rules of [ParseCurrency]. null, numbers and other JSON values are
// rejected with an error wrapping [ErrUnknownCurrency].
func (c *Currency) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '"' {
		return fmt.Errorf("%w %s: a currency must be a JSON string such as \"EUR\"",
			ErrUnknownCurrency, quote(string(data)))
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("%w: %v", ErrUnknownCurrency, err)
	}
	parsed, err := ParseCurrency(s)
	if err != nil {
		return err
	}
	*c = parsed
	return nil
}

// Value implements driver.Valuer: the currency is stored as its code. It
// returns an error wrapping [ErrUnknownCurrency] for the zero value; use
// sql.Null[Currency] or a pointer for a nullable column.
func (c Currency) Value() (driver.Value, error) {
	if c.IsZero() {
		return nil, fmt.Errorf("%w: the zero Currency cannot be stored", ErrUnknownCurrency)
	}
	return c.entry.code, nil
}

// Scan implements sql.Scanner for a column holding the code as text
// (string or []byte), with the rules of [ParseCurrency]. NULL and any other
// type are rejected with an error wrapping [ErrUnknownCurrency].
func (c *Currency) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		return fmt.Errorf("%w: cannot scan NULL into a Currency; use sql.Null[money.Currency]", ErrUnknownCurrency)
	default:
		return fmt.Errorf("%w: cannot scan %T into a Currency", ErrUnknownCurrency, src)
	}
	parsed, err := ParseCurrency(s)
	if err != nil {
		return err
	}
	*c = parsed
	return nil
}
