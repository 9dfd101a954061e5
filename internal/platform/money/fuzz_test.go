package money_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"regexp"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// canonical matches the strings Decimal.String produces (except "-0",
// which is excluded separately).
var canonical = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$`)

func isSentinel(err error) bool {
	for _, s := range []error{
		money.ErrInvalidDecimal, money.ErrUnknownCurrency, money.ErrCurrencyMismatch,
		money.ErrOverflow, money.ErrTooManyDecimals, money.ErrDivisionByZero, money.ErrInvalidAmount,
		money.ErrInvalidWeights,
	} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{
		"0", "-0", "12.50", "100.10", "007", "-1.5", "1e3", "+1", " 1", "1.", ".5", "1,5",
		"", "-", "--1", "NaN", "Infinity", "0x10", "0.000000000000000001",
		"123456789012345678901234567890", "1.0000000000000000001", "\u22121",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := money.ParseDecimal(s)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("ParseDecimal(%q) error %v wraps no sentinel", s, err)
			}
			if _, perr := money.ParsePrice(s); perr == nil {
				t.Fatalf("ParsePrice(%q) accepted what ParseDecimal rejected", s)
			}
			return
		}
		out := d.String()
		back, err := money.ParseDecimal(out)
		if err != nil {
			t.Fatalf("ParseDecimal(%q).String() = %q does not re-parse: %v", s, out, err)
		}
		if !back.Equal(d) || back.String() != out {
			t.Fatalf("%q → %q → %q: not a fixed point", s, out, back)
		}
		if !canonical.MatchString(out) || out == "-0" {
			t.Fatalf("String() = %q is not canonical", out)
		}
		if canonical.MatchString(s) && s != "-0" && out != s {
			t.Fatalf("canonical %q printed as %q", s, out)
		}
		// Independent oracle: math/big reads the same number.
		want, ok := new(big.Rat).SetString(s)
		got, ok2 := new(big.Rat).SetString(out)
		if !ok || !ok2 || want.Cmp(got) != 0 {
			t.Fatalf("%q and %q are different numbers", s, out)
		}
		// JSON round trip.
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var j money.Decimal
		if err := json.Unmarshal(b, &j); err != nil || !j.Equal(d) {
			t.Fatalf("JSON round trip of %q via %s = %v, %v", s, b, j, err)
		}
	})
}

func FuzzParseAmount(f *testing.F) {
	for _, seed := range [][2]string{
		{"63.00", "EUR"}, {"63", "EUR"}, {"63.001", "EUR"}, {"-0.05", "EUR"}, {"100", "JPY"},
		{"100.5", "JPY"}, {"1.234", "BHD"}, {"0.0001", "CLF"}, {"92233720368547758.07", "EUR"},
		{"92233720368547758.08", "EUR"}, {"1", "eur"}, {"1", "XXX"}, {"1e2", "USD"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, s, code string) {
		c, err := money.ParseCurrency(code)
		if err != nil {
			if !errors.Is(err, money.ErrUnknownCurrency) || !c.IsZero() {
				t.Fatalf("ParseCurrency(%q) = %v, %v", code, c, err)
			}
			if _, err := money.ParseAmount(s, c); !errors.Is(err, money.ErrUnknownCurrency) {
				t.Fatalf("ParseAmount with zero currency error = %v", err)
			}
			return
		}
		a, err := money.ParseAmount(s, c)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("ParseAmount(%q, %s) error %v wraps no sentinel", s, c, err)
			}
			return
		}
		if a.Currency() != c {
			t.Fatalf("currency %s, want %s", a.Currency(), c)
		}
		out := a.String()
		back, err := money.ParseAmount(out, c)
		if err != nil || back.Minor() != a.Minor() || back != a {
			t.Fatalf("ParseAmount(%q, %s) = %d → %q → %v, %v", s, c, a.Minor(), out, back, err)
		}
		d, err := money.ParseDecimal(s)
		if err != nil || !d.Equal(a.Decimal()) {
			t.Fatalf("ParseAmount(%q) = %s is not the number %v (%v)", s, a.Decimal(), d, err)
		}
		r, err := money.Round(d, c)
		if err != nil || r != a {
			t.Fatalf("Round(%q) = %v, %v; want %v", s, r, err, a)
		}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var j money.Amount
		if err := json.Unmarshal(b, &j); err != nil || j != a {
			t.Fatalf("JSON round trip of %v via %s = %v, %v", a, b, j, err)
		}
	})
}
