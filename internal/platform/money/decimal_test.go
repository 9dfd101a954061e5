package money_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

func dec(t testing.TB, s string) money.Decimal {
	t.Helper()
	d, err := money.ParseDecimal(s)
	if err != nil {
		t.Fatalf("ParseDecimal(%q): %v", s, err)
	}
	return d
}

func TestParseDecimalAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"0", "0"},
		{"-0", "0"},
		{"0.00", "0"},
		{"-0.000", "0"},
		{"1", "1"},
		{"-1", "-1"},
		{"12.50", "12.5"},
		{"100.10", "100.1"},
		{"007", "7"},
		{"-007.50", "-7.5"},
		{"0.000000000000000001", "0.000000000000000001"}, // 18 places
		{"123456789012345678901234567890", "123456789012345678901234567890"},
		{"123456789012.345678901234567890", "123456789012.34567890123456789"},
		{"9223372036854775808", "9223372036854775808"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			d, err := money.ParseDecimal(tt.in)
			if err != nil {
				t.Fatalf("ParseDecimal(%q): %v", tt.in, err)
			}
			if got := d.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseDecimalRejects(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("9", 10000)
	tests := []struct {
		in   string
		want error
		msg  string // substring of the message, if set
	}{
		{"", money.ErrInvalidDecimal, "empty"},
		{"-", money.ErrInvalidDecimal, "missing digits"},
		{"--1", money.ErrInvalidDecimal, ""},
		{"+1", money.ErrInvalidDecimal, "'+'"},
		{" 1", money.ErrInvalidDecimal, "spaces"},
		{"1 ", money.ErrInvalidDecimal, "spaces"},
		{"1 000", money.ErrInvalidDecimal, "spaces"},
		{"1.", money.ErrInvalidDecimal, "trailing '.'"},
		{".5", money.ErrInvalidDecimal, "leading '.'"},
		{"-.5", money.ErrInvalidDecimal, "leading '.'"},
		{"1,5", money.ErrInvalidDecimal, `invalid decimal "1,5": use digits with an optional '.' and no thousands separator`},
		{"1,000.00", money.ErrInvalidDecimal, "thousands"},
		{"1_000", money.ErrInvalidDecimal, ""},
		{"1e3", money.ErrInvalidDecimal, "exponent"},
		{"1E-3", money.ErrInvalidDecimal, "exponent"},
		{"1.5e3", money.ErrInvalidDecimal, "exponent"},
		{"NaN", money.ErrInvalidDecimal, ""},
		{"Infinity", money.ErrInvalidDecimal, ""},
		{"-Inf", money.ErrInvalidDecimal, ""},
		{"0x10", money.ErrInvalidDecimal, ""},
		{"1.2.3", money.ErrInvalidDecimal, ""},
		{"１", money.ErrInvalidDecimal, ""},       // full-width digit
		{"\u22121", money.ErrInvalidDecimal, ""}, // Unicode minus
		{"12\x00", money.ErrInvalidDecimal, ""},
		{"1234567890123456789012345678901", money.ErrInvalidDecimal, "too many digits"},
		{"1234567890123456.789012345678901", money.ErrInvalidDecimal, "too many digits"},
		{long, money.ErrInvalidDecimal, "too many digits"},
		{"1.0000000000000000001", money.ErrTooManyDecimals, "at most 18"},
		{"0." + long, money.ErrTooManyDecimals, ""},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 20 {
			name = name[:20]
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := money.ParseDecimal(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseDecimal(%q) error = %v, want %v", tt.in, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", err, tt.msg)
			}
			if len(err.Error()) > 250 {
				t.Errorf("message too long: %d bytes", len(err.Error()))
			}
		})
	}
}

func TestParsePrice(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"0.000000001", "-12.123456789", "5", "5.00"} {
		if _, err := money.ParsePrice(in); err != nil {
			t.Errorf("ParsePrice(%q): %v", in, err)
		}
	}
	for _, in := range []string{"0.0000000001", "1.1234567890"} {
		_, err := money.ParsePrice(in)
		if !errors.Is(err, money.ErrTooManyDecimals) || !strings.Contains(err.Error(), "at most 9") {
			t.Errorf("ParsePrice(%q) error = %v, want ErrTooManyDecimals", in, err)
		}
	}
	if _, err := money.ParsePrice("1e3"); !errors.Is(err, money.ErrInvalidDecimal) {
		t.Errorf("ParsePrice(1e3) error = %v", err)
	}
}

func TestDecimalArithmetic(t *testing.T) {
	t.Parallel()
	a, b := dec(t, "10.25"), dec(t, "-3.5")
	checks := []struct {
		name string
		got  money.Decimal
		want string
	}{
		{"Add", a.Add(b), "6.75"},
		{"Sub", a.Sub(b), "13.75"},
		{"Mul", a.Mul(b), "-35.875"},
		{"Neg", b.Neg(), "3.5"},
		{"Abs", b.Abs(), "3.5"},
		{"Min", money.Min(a, b), "-3.5"},
		{"Max", money.Max(a, b), "10.25"},
		{"FromInt", money.DecimalFromInt(-42), "-42"},
		{"Zero", money.Decimal{}, "0"},
	}
	for _, c := range checks {
		if c.got.String() != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	if a.Cmp(b) != 1 || b.Cmp(a) != -1 || a.Cmp(dec(t, "10.250")) != 0 {
		t.Error("Cmp is wrong")
	}
	if !a.Equal(dec(t, "10.2500")) || a.Equal(b) {
		t.Error("Equal is wrong")
	}
	if a.Sign() != 1 || b.Sign() != -1 || (money.Decimal{}).Sign() != 0 {
		t.Error("Sign is wrong")
	}
	if !(money.Decimal{}).IsZero() || a.IsZero() || !b.IsNegative() || !a.IsPositive() || a.IsNegative() {
		t.Error("predicates are wrong")
	}
}

func TestDecimalDiv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b   string
		places int32
		want   string
	}{
		{"1", "3", 2, "0.33"},
		{"2", "3", 2, "0.67"},
		{"-2", "3", 2, "-0.67"},
		{"1", "8", 2, "0.13"},   // 0.125: half away from zero
		{"-1", "8", 2, "-0.13"}, // -0.125
		{"1", "-8", 2, "-0.13"},
		{"5", "2", 0, "3"},
		{"-5", "2", 0, "-3"},
		{"10", "4", 5, "2.5"},
		{"1", "3", 30, "0.333333333333333333333333333333"},
		{"0", "7", 3, "0"},
	}
	for _, tt := range tests {
		got, err := dec(t, tt.a).Div(dec(t, tt.b), tt.places)
		if err != nil || got.String() != tt.want {
			t.Errorf("%s / %s (%d) = %s, %v; want %s", tt.a, tt.b, tt.places, got, err, tt.want)
		}
	}
	if _, err := dec(t, "1").Div(money.Decimal{}, 2); !errors.Is(err, money.ErrDivisionByZero) {
		t.Errorf("divide by zero error = %v", err)
	}
	for _, p := range []int32{-1, 31} {
		if _, err := dec(t, "1").Div(dec(t, "3"), p); !errors.Is(err, money.ErrInvalidDecimal) {
			t.Errorf("Div places %d error = %v", p, err)
		}
	}
}

func TestDecimalStringFixed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		places int32
		want   string
	}{
		{"2.345", 2, "2.35"},
		{"-2.345", 2, "-2.35"},
		{"2.344999", 2, "2.34"},
		{"2.5", 2, "2.50"},
		{"0", 2, "0.00"},
		{"0", 0, "0"},
		{"-0.004", 2, "0.00"},
		{"-0.005", 2, "-0.01"},
		{"1234.5", 0, "1235"},
		{"1234.5", -3, "1235"},
	}
	for _, tt := range tests {
		if got := dec(t, tt.in).StringFixed(tt.places); got != tt.want {
			t.Errorf("%s.StringFixed(%d) = %q, want %q", tt.in, tt.places, got, tt.want)
		}
	}
}

func TestDecimalJSON(t *testing.T) {
	t.Parallel()
	type doc struct {
		P money.Decimal `json:"p"`
	}
	b, err := json.Marshal(doc{P: dec(t, "12.50")})
	if err != nil || string(b) != `{"p":"12.5"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var got doc
	if err := json.Unmarshal([]byte(`{"p":"0.22"}`), &got); err != nil || got.P.String() != "0.22" {
		t.Fatalf("Unmarshal = %v, %v", got.P, err)
	}
	for _, in := range []string{`{"p":12.5}`, `{"p":-1}`, `{"p":null}`, `{"p":"1e3"}`, `{"p":"1,5"}`,
		`{"p":true}`, `{"p":["1"]}`, `{"p":""}`} {
		err := json.Unmarshal([]byte(in), &got)
		if !errors.Is(err, money.ErrInvalidDecimal) {
			t.Errorf("Unmarshal(%s) error = %v, want ErrInvalidDecimal", in, err)
		}
	}
	err = json.Unmarshal([]byte(`{"p":12.5}`), &got)
	if want := `invalid decimal "12.5": send decimals as JSON strings such as "12.5", not as a JSON number`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("number error = %v, want it to contain %q", err, want)
	}
}

func TestDecimalSQL(t *testing.T) {
	t.Parallel()
	v, err := dec(t, "100.10").Value()
	if err != nil || v != "100.1" {
		t.Fatalf("Value() = %#v, %v", v, err)
	}
	tests := []struct {
		src  any
		want string
	}{
		{"12.50", "12.5"},
		{[]byte("-3.000"), "-3"},
		{int64(42), "42"},
		{"0." + strings.Repeat("3", 40), "0." + strings.Repeat("3", 40)}, // stored results may exceed input limits
	}
	for _, tt := range tests {
		var d money.Decimal
		if err := d.Scan(tt.src); err != nil || d.String() != tt.want {
			t.Errorf("Scan(%#v) = %s, %v; want %s", tt.src, d, err, tt.want)
		}
	}
	for _, src := range []any{1.5, float32(1.5), nil, "NaN", "1e3", true, strings.Repeat("1", 1001)} {
		var d money.Decimal
		if err := d.Scan(src); !errors.Is(err, money.ErrInvalidDecimal) {
			t.Errorf("Scan(%T) error = %v, want ErrInvalidDecimal", src, err)
		}
	}
	var n sql.Null[money.Decimal]
	if err := n.Scan(nil); err != nil || n.Valid {
		t.Errorf("sql.Null Scan(nil) = %+v, %v", n, err)
	}
}

// String formats the decimals of documents (at most 18 digits, 18 places)
// itself; every decimal, those and the rest, reads as the general
// formatter writes it.
func TestDecimalStringMatchesGeneral(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	cases := []string{"0", "-0", "0.000", "1", "-1", "10", "100.10", "-0.50", "0.000000000000000001", "999999999999999999",
		"9999999999999999999", "-9223372036854775808", "123456789012345678.9", "1000000000000000000000000000.00", "0.100000000000000000"}
	for range 5000 {
		s := digits(1 + rng.IntN(20))
		if places := rng.IntN(19); places > 0 {
			s += "." + digits(places)
		}
		if rng.IntN(2) == 0 {
			s = "-" + s
		}
		cases = append(cases, s)
	}
	check := func(what string, got money.Decimal, want decimal.Decimal) {
		t.Helper()
		if g, w := got.String(), want.String(); g != w {
			t.Fatalf("%s: String() = %q, want %q", what, g, w)
		}
		if g, w := string(got.Append([]byte("x="))), "x="+want.String(); g != w {
			t.Fatalf("%s: Append = %q, want %q", what, g, w)
		}
	}
	for i, s := range cases {
		d, err := money.ParseDecimal(s)
		if err != nil {
			continue // beyond the parse limits
		}
		check(s, d, decimal.RequireFromString(s))
		// Products reach exponents and coefficients past the fast path.
		o := cases[(i*7+3)%len(cases)]
		if e, err := money.ParseDecimal(o); err == nil {
			check(s+" × "+o, d.Mul(e), decimal.RequireFromString(s).Mul(decimal.RequireFromString(o)))
		}
	}
}
