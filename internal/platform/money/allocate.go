package money

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
)

// Allocate splits a into len(weights) parts proportional to weights, for
// prorations and splits. The parts always add up to a exactly and each has
// a's sign (or is zero).
//
// Each part first gets floor(|a| × weight / total weight) minor units; the
// minor units left over (fewer than the number of parts) go one each to the
// parts with the largest remainders, ties broken by position (earlier
// first). The result is therefore deterministic, and a part with weight 0
// is always zero. Allocating 1.00 EUR by 1, 1, 1 gives 0.34, 0.33, 0.33.
//
// It returns an error wrapping [ErrInvalidWeights] if there are no weights,
// a weight is negative, or all weights are zero; [ErrOverflow] if the sum of
// the weights exceeds 2^64-1; [ErrUnknownCurrency] if a has no currency.
func (a Amount) Allocate(weights ...int64) ([]Amount, error) {
	if a.cur.IsZero() {
		return nil, errNoCurrency
	}
	if len(weights) == 0 {
		return nil, fmt.Errorf("%w: at least one weight is required", ErrInvalidWeights)
	}
	var total uint64
	for i, w := range weights {
		if w < 0 {
			return nil, fmt.Errorf("%w: weight %d is negative (%d)", ErrInvalidWeights, i+1, w)
		}
		var carry uint64
		if total, carry = bits.Add64(total, uint64(w), 0); carry != 0 {
			return nil, fmt.Errorf("%w: the weights add up to more than 2^64-1", ErrOverflow)
		}
	}
	if total == 0 {
		return nil, fmt.Errorf("%w: all weights are zero", ErrInvalidWeights)
	}

	abs := uint64(a.minor) // |minor| ≤ MaxInt64, see NewAmount
	if a.minor < 0 {
		abs = -abs
	}
	shares := make([]uint64, len(weights))
	rems := make([]uint64, len(weights))
	var given uint64
	for i, w := range weights {
		// abs × w / total fits: the quotient is at most abs, so hi < total.
		hi, lo := bits.Mul64(abs, uint64(w))
		shares[i], rems[i] = bits.Div64(hi, lo, total)
		given += shares[i]
	}
	left := abs - given // < len(weights)
	if left > 0 {
		order := make([]int, len(weights))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(rems[y], rems[x]) })
		for _, i := range order[:left] {
			shares[i]++
		}
	}

	parts := make([]Amount, len(weights))
	for i, s := range shares {
		m := int64(s)
		if a.minor < 0 {
			m = -m
		}
		parts[i] = Amount{minor: m, cur: a.cur}
	}
	return parts, nil
}
