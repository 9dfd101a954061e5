package money_test

import (
	"errors"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

var (
	eur = money.MustCurrency("EUR")
	jpy = money.MustCurrency("JPY")
	bhd = money.MustCurrency("BHD")
	clf = money.MustCurrency("CLF")
	usd = money.MustCurrency("USD")
)

func TestRound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		c     money.Currency
		minor int64
		str   string
	}{
		{"2.345", eur, 235, "2.35"},
		{"-2.345", eur, -235, "-2.35"},
		{"2.344", eur, 234, "2.34"},
		{"-2.344", eur, -234, "-2.34"},
		{"2.3449999999", eur, 234, "2.34"},
		{"0.005", eur, 1, "0.01"},
		{"-0.005", eur, -1, "-0.01"},
		{"0.0049", eur, 0, "0.00"},
		{"-0.0049", eur, 0, "0.00"},
		{"63", eur, 6300, "63.00"},
		{"63.10", eur, 6310, "63.10"},
		{"100.5", jpy, 101, "101"},
		{"-100.5", jpy, -101, "-101"},
		{"100.4999", jpy, 100, "100"},
		{"100", jpy, 100, "100"},
		{"1.2345", bhd, 1235, "1.235"},
		{"-1.2345", bhd, -1235, "-1.235"},
		{"1.234", bhd, 1234, "1.234"},
		{"0.00005", clf, 1, "0.0001"},
		{"12.34565", clf, 123457, "12.3457"},
		{"92233720368547758.07", eur, 9223372036854775807, "92233720368547758.07"},
		{"-92233720368547758.07", eur, -9223372036854775807, "-92233720368547758.07"},
		{"92233720368547758.074", eur, 9223372036854775807, "92233720368547758.07"},
	}
	for _, tt := range tests {
		t.Run(tt.in+tt.c.Code(), func(t *testing.T) {
			t.Parallel()
			a, err := money.Round(dec(t, tt.in), tt.c)
			if err != nil {
				t.Fatalf("Round(%s, %s): %v", tt.in, tt.c, err)
			}
			if a.Minor() != tt.minor || a.String() != tt.str || a.Currency() != tt.c {
				t.Errorf("Round(%s, %s) = %d %q %s, want %d %q", tt.in, tt.c, a.Minor(), a, a.Currency(), tt.minor, tt.str)
			}
		})
	}
}

func TestRoundErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"92233720368547758.075", "-92233720368547758.08", "-92233720368547758.075", "1000000000000000000000000000"} {
		if _, err := money.Round(dec(t, in), eur); !errors.Is(err, money.ErrOverflow) {
			t.Errorf("Round(%s) error = %v, want ErrOverflow", in, err)
		}
	}
	if _, err := money.Round(dec(t, "1"), money.Currency{}); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("Round with zero currency error = %v", err)
	}
}

func TestRoundPrice(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"23.48825", "23.48825"},                // 19.99 × 1.175: already within 9 places
		{"0.1234567895", "0.12345679"},          // tie → away from zero
		{"-0.1234567895", "-0.12345679"},        // negative tie → away from zero
		{"0.12345678949", "0.123456789"},        // below the tie
		{"0.12345678950", "0.12345679"},         // trailing zero after the tie digit
		{"1.9999999995", "2"},                   // carries into the integer part
		{"0.0000000004999999", "0"},             // rounds to zero
		{"0.0000000005", "0.000000001"},         // smallest tie
		{"5", "5"},                              // integers unchanged
		{"0", "0"},                              // zero
		{"3.333333333333333333", "3.333333333"}, // 10 / 3 at 18 places
		{"999999999999.9999999995", "1000000000000"},
	}
	for _, tt := range tests {
		got := money.RoundPrice(dec(t, tt.in))
		if !got.Equal(dec(t, tt.want)) {
			t.Errorf("RoundPrice(%s) = %s, want %s", tt.in, got, tt.want)
		}
		if _, err := money.ParsePrice(got.String()); err != nil {
			t.Errorf("RoundPrice(%s) = %s is not a valid price: %v", tt.in, got, err)
		}
	}
	// A computed price: 19.99 + 17.5 % is exactly 23.48825; 0.01 / 3 is not
	// representable and rounds at the ninth place.
	marked := dec(t, "19.99").Mul(dec(t, "1.175"))
	if got := money.RoundPrice(marked); got.String() != "23.48825" {
		t.Errorf("RoundPrice(19.99 × 1.175) = %s", got)
	}
	third, err := dec(t, "0.01").Div(dec(t, "3"), 20)
	if err != nil {
		t.Fatal(err)
	}
	if got := money.RoundPrice(third); got.String() != "0.003333333" {
		t.Errorf("RoundPrice(0.01 / 3) = %s", got)
	}
}

func TestLineAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		price, qty string
		c          money.Currency
		want       string
	}{
		{"5.00", "9", eur, "45.00"},
		{"3.00", "6", eur, "18.00"},
		{"0.333333333", "3", eur, "1.00"},      // 0.999999999
		{"0.0015", "3", eur, "0.00"},           // 0.0045
		{"0.0015", "5", eur, "0.01"},           // 0.0075
		{"19.99", "1.5", eur, "29.99"},         // 29.985 → half away
		{"-19.99", "1.5", eur, "-29.99"},       // credit line
		{"0.123456789", "1000", usd, "123.46"}, // 123.456789
		{"120.5", "3", jpy, "362"},             // 361.5
		{"1.0005", "1", bhd, "1.001"},          // 1.0005
		{"1.000000000000", "2", eur, "2.00"},   // trailing zeros do not count as places
	}
	for _, tt := range tests {
		got, err := money.LineAmount(dec(t, tt.price), dec(t, tt.qty), tt.c)
		if err != nil || got.String() != tt.want {
			t.Errorf("LineAmount(%s × %s %s) = %s, %v; want %s", tt.price, tt.qty, tt.c, got, err, tt.want)
		}
	}

	// Seed example: 9 × 5.00 + 6 × 3.00 = 63.00 EUR.
	l1, err1 := money.LineAmount(dec(t, "5.00"), dec(t, "9"), eur)
	l2, err2 := money.LineAmount(dec(t, "3.00"), dec(t, "6"), eur)
	total, err3 := money.Sum(eur, l1, l2)
	if err := errors.Join(err1, err2, err3); err != nil || total != money.NewAmount(6300, eur) || total.String() != "63.00" {
		t.Errorf("seed example total = %s, %v; want 63.00", total, err)
	}

	if _, err := money.LineAmount(dec(t, "0.0000000001"), dec(t, "1"), eur); !errors.Is(err, money.ErrTooManyDecimals) {
		t.Errorf("10-place unit price error = %v, want ErrTooManyDecimals", err)
	}
	if _, err := money.LineAmount(dec(t, "1"), dec(t, "1"), money.Currency{}); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("zero currency error = %v", err)
	}
	big := dec(t, "999999999999999")
	if _, err := money.LineAmount(big, big, eur); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("huge line error = %v, want ErrOverflow", err)
	}
}

func TestTax(t *testing.T) {
	t.Parallel()
	// The base is the unrounded sum of the lines: 9.995 + 0.005 = 10.000.
	base := dec(t, "9.995").Add(dec(t, "0.005"))
	tax, err := money.Tax(base, dec(t, "0.22"), eur)
	if err != nil || tax.String() != "2.20" {
		t.Errorf("Tax(10.000, 0.22) = %s, %v; want 2.20", tax, err)
	}

	// Here the unrounded base gives a different result from taxing the
	// rounded lines: 1.005 + 1.005 = 2.010 → 0.5025 → 0.50, whereas the
	// rounded lines 1.01 + 1.01 = 2.02 would give 0.505 → 0.51.
	base = dec(t, "1.005").Add(dec(t, "1.005"))
	tax, err = money.Tax(base, dec(t, "0.25"), eur)
	if err != nil || tax.String() != "0.50" {
		t.Errorf("Tax(2.010, 0.25) = %s, %v; want 0.50", tax, err)
	}

	tests := []struct {
		base, rate string
		c          money.Currency
		want       string
	}{
		{"100", "0.22", eur, "22.00"},
		{"-100", "0.22", eur, "-22.00"},
		{"10.05", "0.1", eur, "1.01"},    // 1.005
		{"-10.05", "0.1", eur, "-1.01"},  // -1.005
		{"1005", "0.1", jpy, "101"},      // 100.5
		{"12.345", "0.05", bhd, "0.617"}, // 0.61725
		{"0", "0.22", eur, "0.00"},
		{"100", "0", eur, "0.00"},
	}
	for _, tt := range tests {
		got, err := money.Tax(dec(t, tt.base), dec(t, tt.rate), tt.c)
		if err != nil || got.String() != tt.want {
			t.Errorf("Tax(%s, %s, %s) = %s, %v; want %s", tt.base, tt.rate, tt.c, got, err, tt.want)
		}
	}
	if _, err := money.Tax(dec(t, "100"), dec(t, "-0.22"), eur); !errors.Is(err, money.ErrInvalidDecimal) {
		t.Errorf("negative rate error = %v", err)
	}
}
