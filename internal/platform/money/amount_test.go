package money_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

func TestParseAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		c     money.Currency
		minor int64
		err   error
	}{
		{"63", eur, 6300, nil},
		{"63.0", eur, 6300, nil},
		{"63.00", eur, 6300, nil},
		{"-63.05", eur, -6305, nil},
		{"0", eur, 0, nil},
		{"-0.00", eur, 0, nil},
		{"007.5", eur, 750, nil},
		{"92233720368547758.07", eur, math.MaxInt64, nil},
		{"-92233720368547758.07", eur, -math.MaxInt64, nil},
		{"100", jpy, 100, nil},
		{"1.234", bhd, 1234, nil},
		{"1.2345", clf, 12345, nil},
		{"63.001", eur, 0, money.ErrTooManyDecimals},
		{"63.000", eur, 0, money.ErrTooManyDecimals},
		{"100.5", jpy, 0, money.ErrTooManyDecimals},
		{"100.0", jpy, 0, money.ErrTooManyDecimals},
		{"1.2345", bhd, 0, money.ErrTooManyDecimals},
		{"92233720368547758.08", eur, 0, money.ErrOverflow},
		{"-92233720368547758.08", eur, 0, money.ErrOverflow},
		{"9223372036854775808", jpy, 0, money.ErrOverflow},
		{"1,00", eur, 0, money.ErrInvalidDecimal},
		{"", eur, 0, money.ErrInvalidDecimal},
		{"1e2", eur, 0, money.ErrInvalidDecimal},
		{"63", money.Currency{}, 0, money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.in+tt.c.Code(), func(t *testing.T) {
			t.Parallel()
			a, err := money.ParseAmount(tt.in, tt.c)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseAmount(%q, %s) error = %v, want %v", tt.in, tt.c, err, tt.err)
				}
				return
			}
			if err != nil || a.Minor() != tt.minor || a.Currency() != tt.c {
				t.Fatalf("ParseAmount(%q, %s) = %d %s, %v; want %d", tt.in, tt.c, a.Minor(), a.Currency(), err, tt.minor)
			}
		})
	}
	_, err := money.ParseAmount("63.001", eur)
	if want := `too many decimal places in "63.001": EUR allows at most 2`; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
	_, err = money.ParseAmount("100.5", jpy)
	if want := `too many decimal places in "100.5": JPY allows none`; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
}

func TestAmountString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a    money.Amount
		want string
	}{
		{money.NewAmount(0, eur), "0.00"},
		{money.NewAmount(6300, eur), "63.00"},
		{money.NewAmount(5, eur), "0.05"},
		{money.NewAmount(-5, eur), "-0.05"},
		{money.NewAmount(-123456, eur), "-1234.56"},
		{money.NewAmount(0, jpy), "0"},
		{money.NewAmount(-1500, jpy), "-1500"},
		{money.NewAmount(1, bhd), "0.001"},
		{money.NewAmount(-1234, bhd), "-1.234"},
		{money.NewAmount(1, clf), "0.0001"},
		{money.NewAmount(math.MaxInt64, eur), "92233720368547758.07"},
		{money.NewAmount(-math.MaxInt64, jpy), "-9223372036854775807"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		back, err := money.ParseAmount(tt.a.String(), tt.a.Currency())
		if err != nil || back != tt.a {
			t.Errorf("ParseAmount(%q) = %v, %v; want %v", tt.a, back, err, tt.a)
		}
		if d := tt.a.Decimal(); d.StringFixed(int32(tt.a.Currency().MinorUnits())) != tt.want {
			t.Errorf("Decimal() = %s, want %s", d, tt.want)
		}
	}
}

func TestAmountArithmetic(t *testing.T) {
	t.Parallel()
	a, b := money.NewAmount(1050, eur), money.NewAmount(-300, eur)
	if got, err := a.Add(b); err != nil || got != money.NewAmount(750, eur) {
		t.Errorf("Add = %v, %v", got, err)
	}
	if got, err := a.Sub(b); err != nil || got != money.NewAmount(1350, eur) {
		t.Errorf("Sub = %v, %v", got, err)
	}
	if a.Neg() != money.NewAmount(-1050, eur) || b.Abs() != money.NewAmount(300, eur) || a.Abs() != a {
		t.Error("Neg / Abs are wrong")
	}
	if !money.NewAmount(0, eur).IsZero() || a.IsZero() || !b.IsNegative() || a.IsNegative() || !a.IsPositive() {
		t.Error("predicates are wrong")
	}
	for _, tt := range []struct {
		x, y money.Amount
		want int
	}{{a, b, 1}, {b, a, -1}, {a, a, 0}} {
		if got, err := tt.x.Cmp(tt.y); err != nil || got != tt.want {
			t.Errorf("Cmp = %d, %v; want %d", got, err, tt.want)
		}
	}

	other := money.NewAmount(100, usd)
	if _, err := a.Add(other); !errors.Is(err, money.ErrCurrencyMismatch) || !strings.Contains(err.Error(), "EUR and USD") {
		t.Errorf("Add mismatch error = %v", err)
	}
	if _, err := a.Sub(other); !errors.Is(err, money.ErrCurrencyMismatch) {
		t.Errorf("Sub mismatch error = %v", err)
	}
	if _, err := a.Cmp(other); !errors.Is(err, money.ErrCurrencyMismatch) {
		t.Errorf("Cmp mismatch error = %v", err)
	}
	if _, err := a.Add(money.Amount{}); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("Add zero Amount error = %v", err)
	}
	if _, err := (money.Amount{}).Add(money.Amount{}); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("zero + zero error = %v", err)
	}
}

func TestAmountOverflow(t *testing.T) {
	t.Parallel()
	maxA := money.NewAmount(math.MaxInt64, eur)
	minA := money.NewAmount(-math.MaxInt64, eur)
	one := money.NewAmount(1, eur)
	overflows := []func() (money.Amount, error){
		func() (money.Amount, error) { return maxA.Add(one) },
		func() (money.Amount, error) { return minA.Sub(one) }, // would be MinInt64, excluded
		func() (money.Amount, error) { return minA.Add(one.Neg()) },
		func() (money.Amount, error) { return maxA.Sub(minA) },
		func() (money.Amount, error) { return minA.Sub(maxA) },
		func() (money.Amount, error) { return money.Sum(eur, maxA, one, one.Neg()) },
	}
	for i, f := range overflows {
		if got, err := f(); !errors.Is(err, money.ErrOverflow) {
			t.Errorf("case %d = %v, %v; want ErrOverflow", i, got, err)
		}
	}
	if got, err := maxA.Add(minA); err != nil || !got.IsZero() {
		t.Errorf("max + min = %v, %v", got, err)
	}
	if got, err := maxA.Sub(one); err != nil || got.Minor() != math.MaxInt64-1 {
		t.Errorf("max - 1 = %v, %v", got, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewAmount(math.MinInt64) did not panic")
		}
	}()
	money.NewAmount(math.MinInt64, eur)
}

func TestSum(t *testing.T) {
	t.Parallel()
	got, err := money.Sum(eur)
	if err != nil || got != money.NewAmount(0, eur) {
		t.Errorf("Sum() = %v, %v", got, err)
	}
	got, err = money.Sum(jpy, money.NewAmount(1, jpy), money.NewAmount(2, jpy), money.NewAmount(-10, jpy))
	if err != nil || got != money.NewAmount(-7, jpy) {
		t.Errorf("Sum = %v, %v", got, err)
	}
	if _, err := money.Sum(eur, money.NewAmount(1, eur), money.NewAmount(1, usd)); !errors.Is(err, money.ErrCurrencyMismatch) {
		t.Errorf("Sum mismatch error = %v", err)
	}
	if _, err := money.Sum(money.Currency{}); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("Sum zero currency error = %v", err)
	}
}

func TestAmountJSON(t *testing.T) {
	t.Parallel()
	type doc struct {
		Total money.Amount `json:"total"`
	}
	for _, a := range []money.Amount{
		money.NewAmount(6300, eur), money.NewAmount(-5, eur), money.NewAmount(100, jpy), money.NewAmount(1234, bhd),
	} {
		b, err := json.Marshal(doc{Total: a})
		if err != nil {
			t.Fatal(err)
		}
		var back doc
		if err := json.Unmarshal(b, &back); err != nil || back.Total != a {
			t.Errorf("round trip of %s: %s → %v, %v", a, b, back.Total, err)
		}
	}
	b, _ := json.Marshal(money.NewAmount(6300, eur))
	if string(b) != `{"amount":"63.00","currency":"EUR"}` {
		t.Errorf("Marshal = %s", b)
	}
	if _, err := json.Marshal(money.Amount{}); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("Marshal(zero) error = %v", err)
	}

	var a money.Amount
	for _, in := range []string{`{"amount":"63","currency":"EUR"}`, ` { "currency" : "EUR", "amount" : "63.0" } `} {
		if err := json.Unmarshal([]byte(in), &a); err != nil || a != money.NewAmount(6300, eur) {
			t.Errorf("Unmarshal(%s) = %v, %v", in, a, err)
		}
	}
	rejects := []struct {
		in   string
		want error
	}{
		{`{"amount":63,"currency":"EUR"}`, money.ErrInvalidDecimal},
		{`{"amount":"63.001","currency":"EUR"}`, money.ErrTooManyDecimals},
		{`{"amount":"1.5","currency":"JPY"}`, money.ErrTooManyDecimals},
		{`{"amount":"63.00","currency":"eur"}`, money.ErrUnknownCurrency},
		{`{"amount":"63.00","currency":"XXX"}`, money.ErrUnknownCurrency},
		{`{"amount":"63.00"}`, money.ErrInvalidAmount},
		{`{"currency":"EUR"}`, money.ErrInvalidAmount},
		{`{"amount":"63.00","currency":"EUR","note":"x"}`, money.ErrInvalidAmount},
		{`{"Amount":"63.00","currency":"EUR"}`, money.ErrInvalidAmount},
		{`{"amount":"63.00","currency":"EUR"`, money.ErrInvalidAmount},
		{`{"amount":null,"currency":"EUR"}`, money.ErrInvalidDecimal},
		{`{"amount":"1e3","currency":"EUR"}`, money.ErrInvalidDecimal},
		{`{"amount":"99999999999999999999","currency":"EUR"}`, money.ErrOverflow},
		{`"63.00 EUR"`, money.ErrInvalidAmount},
		{`null`, money.ErrInvalidAmount},
		{`[]`, money.ErrInvalidAmount},
	}
	for _, tt := range rejects {
		a := money.NewAmount(1, usd)
		err := a.UnmarshalJSON([]byte(tt.in))
		if !errors.Is(err, tt.want) {
			t.Errorf("Unmarshal(%s) error = %v, want %v", tt.in, err, tt.want)
		}
		if a != money.NewAmount(1, usd) {
			t.Errorf("Unmarshal(%s) modified the receiver on error", tt.in)
		}
	}
}
