package money_test

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

func TestAddMinorRefusesOverflow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b int64
		ok   bool
	}{
		{1, 2, true}, {math.MaxInt64 - 1, 1, true}, {math.MaxInt64, 1, false}, {-math.MaxInt64, -1, false},
		{-math.MaxInt64, 0, true}, {math.MaxInt64, -math.MaxInt64, true}, {92233720368547758_00, 92233720368547758_00, false},
	} {
		got, err := money.AddMinor(c.a, c.b)
		if c.ok != (err == nil) || (!c.ok && !errors.Is(err, money.ErrOverflow)) {
			t.Errorf("AddMinor(%d, %d) = %d, %v", c.a, c.b, got, err)
		}
		if c.ok && got != c.a+c.b {
			t.Errorf("AddMinor(%d, %d) = %d", c.a, c.b, got)
		}
	}
	var sum int64
	var err error
	for _, x := range []int64{math.MaxInt64 - 5, 3, 3, 1} {
		money.AddMinorTo(&sum, x, &err)
	}
	if !errors.Is(err, money.ErrOverflow) || sum != math.MaxInt64-1 {
		t.Errorf("AddMinorTo: sum %d, err %v", sum, err)
	}
}

func TestUserMaxima(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		check func(money.Decimal) error
		in    string
		ok    bool
	}{
		{money.CheckUnitPrice, money.MaxUnitPriceText, true},
		{money.CheckUnitPrice, "-" + money.MaxUnitPriceText, true},
		{money.CheckUnitPrice, "1000000000", false},
		{money.CheckUnitPrice, "92233720368547758", false},
		{money.CheckUnitPrice, "99999999999999999999.99", false},
		{money.CheckUnitPrice, "0.0000000001", false},
		{money.CheckQuantity, "1000000000000", true},
		{money.CheckQuantity, "1000000000000.000001", false},
		{money.CheckAmount, money.MaxAmountText, true},
		{money.CheckAmount, "10000000000000", false},
	} {
		err := c.check(money.MustDecimal(c.in))
		if c.ok != (err == nil) {
			t.Errorf("check %s: %v", c.in, err)
		}
	}
}

// The maxima's doc comment promises one vendor line fits in any currency
// 92 times over.
func TestMaxAmountFitsEveryCurrency(t *testing.T) {
	t.Parallel()
	a, err := money.Round(money.MustDecimal(money.MaxAmountText), money.MustCurrency("CLF"))
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]money.Amount, 92)
	for i := range parts {
		parts[i] = a
	}
	if _, err := money.Sum(a.Currency(), parts...); err != nil {
		t.Fatal(err)
	}
}

func TestWideSumIsExact(t *testing.T) {
	t.Parallel()
	xs := []int64{math.MaxInt64, math.MaxInt64, 5, -math.MaxInt64, -7, math.MinInt64 + 1, math.MinInt64 + 1, math.MinInt64 + 1, 3}
	var w money.WideSum
	want := new(big.Int)
	for i, x := range xs {
		w = w.Add(x)
		want.Add(want, big.NewInt(x))
		if w.String() != want.String() {
			t.Fatalf("after %d: %s, want %s", i, w, want)
		}
	}
	if got := w.AddWide(w.Neg()); !got.IsZero() {
		t.Errorf("w - w = %s", got)
	}
	if _, err := w.Amount(money.MustCurrency("EUR")); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("Amount of %s: %v", w, err)
	}
	small := money.WideSum{}.Add(-6300)
	if a, err := small.Amount(money.MustCurrency("EUR")); err != nil || a.String() != "-63.00" {
		t.Errorf("Amount: %v %v", a, err)
	}
	for _, p := range [][2]int64{{0, 0}, {1, 0}, {-1, 5}, {-3, -4294967295}, {2147483647, 4294967295}, {-2147483648, -4294967295}, {math.MaxInt64, math.MaxInt64}} {
		want := new(big.Int).Lsh(big.NewInt(p[0]), 32)
		want.Add(want, big.NewInt(p[1]))
		if got := money.WideFromParts(p[0], p[1]); got.String() != want.String() {
			t.Errorf("WideFromParts(%d, %d) = %s, want %s", p[0], p[1], got, want)
		}
	}
}
