package money_test

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

func TestCurrencyTableSpotChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code  string
		minor int
	}{
		{"EUR", 2}, {"USD", 2}, {"GBP", 2}, {"CHF", 2}, {"HUF", 2}, {"RUB", 2},
		{"IDR", 2}, {"TWD", 2}, {"MGA", 2}, {"MRU", 2}, {"SLE", 2}, {"VES", 2},
		{"VED", 2}, {"XCG", 2}, {"ZWG", 2}, {"XAD", 2}, {"STN", 2}, {"COU", 2},
		{"JPY", 0}, {"KRW", 0}, {"ISK", 0}, {"VND", 0}, {"XOF", 0}, {"XAF", 0},
		{"XPF", 0}, {"CLP", 0}, {"PYG", 0}, {"UGX", 0}, {"UYI", 0}, {"BIF", 0},
		{"DJF", 0}, {"GNF", 0}, {"KMF", 0}, {"RWF", 0}, {"VUV", 0},
		{"BHD", 3}, {"KWD", 3}, {"JOD", 3}, {"TND", 3}, {"OMR", 3}, {"IQD", 3}, {"LYD", 3},
		{"CLF", 4}, {"UYW", 4},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			c, err := money.ParseCurrency(tt.code)
			if err != nil {
				t.Fatalf("ParseCurrency(%q): %v", tt.code, err)
			}
			if c.Code() != tt.code || c.String() != tt.code {
				t.Errorf("Code() = %q, String() = %q, want %q", c.Code(), c.String(), tt.code)
			}
			if c.MinorUnits() != tt.minor {
				t.Errorf("%s MinorUnits() = %d, want %d", tt.code, c.MinorUnits(), tt.minor)
			}
			if c.IsZero() || c.Name() == "" {
				t.Errorf("%s: IsZero() = %v, Name() = %q", tt.code, c.IsZero(), c.Name())
			}
			if c != money.MustCurrency(tt.code) {
				t.Errorf("%s: two parses are not ==", tt.code)
			}
		})
	}
}

func TestCurrenciesTable(t *testing.T) {
	t.Parallel()
	all := money.Currencies()
	// 178 active List One codes minus the 13 whose minor unit is "N.A.".
	if len(all) != 165 {
		t.Errorf("len(Currencies()) = %d, want 165", len(all))
	}
	counts := map[int]int{}
	prev := ""
	for _, c := range all {
		code := c.Code()
		if len(code) != 3 || strings.ToUpper(code) != code || code <= prev {
			t.Errorf("bad or unsorted code %q after %q", code, prev)
		}
		prev = code
		counts[c.MinorUnits()]++
	}
	want := map[int]int{0: 17, 2: 139, 3: 7, 4: 2}
	for mu, n := range want {
		if counts[mu] != n {
			t.Errorf("%d currencies with %d minor units, want %d", counts[mu], mu, n)
		}
	}
}

func TestParseCurrencyRejects(t *testing.T) {
	t.Parallel()
	for _, code := range []string{
		"", "eur", "Eur", " EUR", "EUR ", "EURO", "EU", "XXX", "XTS", "XAU", "XDR",
		"BGN", "HRK", "ANG", "ZWL", "SLL", "CUC", "DEM", "ABC", "\x00\x00\x00",
	} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			c, err := money.ParseCurrency(code)
			if !errors.Is(err, money.ErrUnknownCurrency) {
				t.Fatalf("ParseCurrency(%q) = %v, %v; want ErrUnknownCurrency", code, c, err)
			}
			if !c.IsZero() {
				t.Errorf("ParseCurrency(%q) returned a non-zero currency on error", code)
			}
		})
	}
	_, err := money.ParseCurrency("eur")
	if want := `unknown currency "eur": currency codes are upper case, use "EUR"`; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
}

func TestMustCurrencyPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("MustCurrency(\"NOPE\") did not panic")
		}
	}()
	money.MustCurrency("NOPE")
}

func TestCurrencyZeroValue(t *testing.T) {
	t.Parallel()
	var c money.Currency
	if !c.IsZero() || c.Code() != "" || c.MinorUnits() != 0 || c.String() != "" {
		t.Errorf("zero Currency: IsZero %v Code %q MinorUnits %d", c.IsZero(), c.Code(), c.MinorUnits())
	}
	if _, err := json.Marshal(c); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("json.Marshal(zero) error = %v", err)
	}
	if _, err := c.Value(); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("Value(zero) error = %v", err)
	}
	// omitzero relies on IsZero.
	b, err := json.Marshal(struct {
		C money.Currency `json:"c,omitzero"`
	}{})
	if err != nil || string(b) != `{}` {
		t.Errorf("omitzero: %s, %v", b, err)
	}
}

func TestCurrencyJSON(t *testing.T) {
	t.Parallel()
	type doc struct {
		C money.Currency `json:"c"`
	}
	b, err := json.Marshal(doc{C: money.MustCurrency("JPY")})
	if err != nil || string(b) != `{"c":"JPY"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var got doc
	if err := json.Unmarshal(b, &got); err != nil || got.C != money.MustCurrency("JPY") {
		t.Fatalf("Unmarshal = %v, %v", got.C, err)
	}
	for _, in := range []string{`{"c":"jpy"}`, `{"c":392}`, `{"c":null}`, `{"c":"XXX"}`, `{"c":["EUR"]}`} {
		if err := json.Unmarshal([]byte(in), &got); !errors.Is(err, money.ErrUnknownCurrency) {
			t.Errorf("Unmarshal(%s) error = %v, want ErrUnknownCurrency", in, err)
		}
	}
}

func TestCurrencySQL(t *testing.T) {
	t.Parallel()
	eur := money.MustCurrency("EUR")
	v, err := eur.Value()
	if err != nil || v != driver.Value("EUR") {
		t.Fatalf("Value() = %v, %v", v, err)
	}
	for _, src := range []any{"EUR", []byte("EUR")} {
		var c money.Currency
		if err := c.Scan(src); err != nil || c != eur {
			t.Errorf("Scan(%#v) = %v, %v", src, c, err)
		}
	}
	for _, src := range []any{nil, int64(978), "eur", "EUR ", 1.5} {
		var c money.Currency
		if err := c.Scan(src); !errors.Is(err, money.ErrUnknownCurrency) {
			t.Errorf("Scan(%#v) error = %v, want ErrUnknownCurrency", src, err)
		}
	}
	var n sql.Null[money.Currency]
	if err := n.Scan(nil); err != nil || n.Valid {
		t.Errorf("sql.Null Scan(nil) = %+v, %v", n, err)
	}
	var _ sql.Scanner = (*money.Currency)(nil)
}
