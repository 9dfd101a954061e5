package money_test

import (
	"errors"
	"math"
	"math/big"
	mathrand "math/rand"
	"math/rand/v2"
	"testing"
	"testing/quick"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

func minors(parts []money.Amount) []int64 {
	out := make([]int64, len(parts))
	for i, p := range parts {
		out[i] = p.Minor()
	}
	return out
}

func TestAllocateExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		minor   int64
		weights []int64
		want    []int64
	}{
		{100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{-100, []int64{1, 1, 1}, []int64{-34, -33, -33}},
		{100, []int64{1}, []int64{100}},
		{5, []int64{1, 1, 1, 1, 1, 1, 1}, []int64{1, 1, 1, 1, 1, 0, 0}},
		{1000, []int64{1, 2, 3}, []int64{167, 333, 500}},
		{1000, []int64{0, 1, 0, 1}, []int64{0, 500, 0, 500}},
		{1, []int64{0, 0, 3}, []int64{0, 0, 1}},
		{0, []int64{1, 2}, []int64{0, 0}},
		{101, []int64{30, 70}, []int64{30, 71}}, // remainders 0.3 and 0.7
		{6300, []int64{31, 28, 31}, []int64{2170, 1960, 2170}},
		{math.MaxInt64, []int64{1, 1}, []int64{math.MaxInt64/2 + 1, math.MaxInt64 / 2}},
		{math.MaxInt64, []int64{math.MaxInt64, math.MaxInt64, 1}, nil}, // checked by sum only
	}
	for _, tt := range tests {
		a := money.NewAmount(tt.minor, eur)
		parts, err := a.Allocate(tt.weights...)
		if err != nil {
			t.Fatalf("Allocate(%d, %v): %v", tt.minor, tt.weights, err)
		}
		checkAllocation(t, a, tt.weights, parts)
		if tt.want != nil && !equalInts(minors(parts), tt.want) {
			t.Errorf("Allocate(%d, %v) = %v, want %v", tt.minor, tt.weights, minors(parts), tt.want)
		}
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkAllocation asserts the allocation invariants: same count, same
// currency, parts sum to the original, each part has the original's sign,
// zero weights get zero, and each part is within one minor unit of its
// exact proportional share.
func checkAllocation(t *testing.T, a money.Amount, weights []int64, parts []money.Amount) {
	t.Helper()
	if len(parts) != len(weights) {
		t.Fatalf("got %d parts for %d weights", len(parts), len(weights))
	}
	total, err := money.Sum(a.Currency(), parts...)
	if err != nil || total != a {
		t.Fatalf("parts %v of %v sum to %v, %v", minors(parts), a, total, err)
	}
	wsum := new(big.Int)
	for _, w := range weights {
		wsum.Add(wsum, big.NewInt(w))
	}
	for i, p := range parts {
		if p.Currency() != a.Currency() {
			t.Errorf("part %d has currency %s", i, p.Currency())
		}
		if (a.IsNegative() && p.IsPositive()) || (a.IsPositive() && p.IsNegative()) {
			t.Errorf("part %d = %v has the wrong sign for %v", i, p, a)
		}
		if weights[i] == 0 && !p.IsZero() {
			t.Errorf("part %d has weight 0 but got %v", i, p)
		}
		// |part × Σw − amount × w| < Σw: within one minor unit of the exact share.
		diff := new(big.Int).Mul(big.NewInt(p.Minor()), wsum)
		diff.Sub(diff, new(big.Int).Mul(big.NewInt(a.Minor()), big.NewInt(weights[i])))
		if diff.Abs(diff).Cmp(wsum) >= 0 {
			t.Errorf("part %d = %d is not within one unit of %d × %d / %s", i, p.Minor(), a.Minor(), weights[i], wsum)
		}
	}
}

func TestAllocateRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2024, 42))
	currencies := []money.Currency{eur, jpy, bhd}
	for range 5000 {
		var minor int64
		switch rng.IntN(3) {
		case 0:
			minor = rng.Int64N(2001) - 1000
		case 1:
			minor = rng.Int64N(math.MaxInt64)
		default:
			minor = -rng.Int64N(math.MaxInt64)
		}
		weights := make([]int64, 1+rng.IntN(12))
		positive := false
		for i := range weights {
			switch rng.IntN(4) {
			case 0:
				weights[i] = 0
			case 1:
				weights[i] = rng.Int64N(math.MaxInt64 / 16)
			default:
				weights[i] = rng.Int64N(100)
			}
			positive = positive || weights[i] > 0
		}
		if !positive {
			weights[0] = 1
		}
		a := money.NewAmount(minor, currencies[rng.IntN(len(currencies))])
		parts, err := a.Allocate(weights...)
		if err != nil {
			t.Fatalf("Allocate(%v, %v): %v", a, weights, err)
		}
		checkAllocation(t, a, weights, parts)
		again, _ := a.Allocate(weights...)
		if !equalInts(minors(parts), minors(again)) {
			t.Fatalf("Allocate is not deterministic: %v vs %v", minors(parts), minors(again))
		}
	}
}

func TestAllocateQuick(t *testing.T) {
	t.Parallel()
	sumsToOriginal := func(minor int64, w []uint16) bool {
		if minor == math.MinInt64 {
			minor = 0
		}
		weights := make([]int64, len(w)+1)
		weights[0] = 1
		for i, x := range w {
			weights[i+1] = int64(x)
		}
		a := money.NewAmount(minor, usd)
		parts, err := a.Allocate(weights...)
		if err != nil {
			return false
		}
		total, err := money.Sum(usd, parts...)
		return err == nil && total == a
	}
	if err := quick.Check(sumsToOriginal, &quick.Config{MaxCount: 2000, Rand: mathrand.New(mathrand.NewSource(7))}); err != nil {
		t.Error(err)
	}
}

func TestAllocateErrors(t *testing.T) {
	t.Parallel()
	a := money.NewAmount(100, eur)
	for _, weights := range [][]int64{nil, {}, {0}, {0, 0, 0}, {1, -1}, {-5}} {
		if _, err := a.Allocate(weights...); !errors.Is(err, money.ErrInvalidWeights) {
			t.Errorf("Allocate(%v) error = %v, want ErrInvalidWeights", weights, err)
		}
	}
	if _, err := a.Allocate(math.MaxInt64, math.MaxInt64, math.MaxInt64); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("weight overflow error = %v", err)
	}
	if _, err := (money.Amount{}).Allocate(1); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("zero Amount error = %v", err)
	}
}
