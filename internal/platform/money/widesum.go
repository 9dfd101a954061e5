package money

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
)

// WideSum is an exact sum of minor units in a signed 128-bit integer, for
// reports that add up a whole book: 2^64 entries of any int64 size cannot
// overflow it, so no ledger the database can hold does. It is a value
// type; the zero WideSum is 0. Turn it into an Amount at the end with
// [WideSum.Amount], which is where a result too large to show is refused.
type WideSum struct {
	hi int64  // high 64 bits, two's complement with lo
	lo uint64 // low 64 bits
}

// WideFromParts returns high × 2^32 + low: the recombination of SQL sums
// of x / 2^32 and x % 2^32 (see ledger.Sums), each of which fits in int64
// for up to 2^31 rows where the plain SUM(x) may not.
func WideFromParts(high, low int64) WideSum {
	hi := WideSum{hi: high >> 32, lo: uint64(high) << 32}
	return hi.Add(low)
}

// Add returns w + x. It never overflows for fewer than 2^64 additions.
func (w WideSum) Add(x int64) WideSum {
	lo, carry := bits.Add64(w.lo, uint64(x), 0)
	hi := w.hi + int64(carry)
	if x < 0 {
		hi-- // sign extension of x into the high word
	}
	return WideSum{hi: hi, lo: lo}
}

// AddWide returns w + v.
func (w WideSum) AddWide(v WideSum) WideSum {
	lo, carry := bits.Add64(w.lo, v.lo, 0)
	return WideSum{hi: w.hi + v.hi + int64(carry), lo: lo}
}

// Neg returns -w.
func (w WideSum) Neg() WideSum {
	lo, borrow := bits.Sub64(0, w.lo, 0)
	return WideSum{hi: -w.hi - int64(borrow), lo: lo}
}

// Sign returns -1, 0 or +1.
func (w WideSum) Sign() int {
	switch {
	case w.hi < 0:
		return -1
	case w.hi == 0 && w.lo == 0:
		return 0
	}
	return 1
}

// IsZero reports whether w is 0.
func (w WideSum) IsZero() bool { return w.hi == 0 && w.lo == 0 }

// Int64 returns w and true when it lies in [-math.MaxInt64, math.MaxInt64]
// (the range of an Amount), otherwise false.
func (w WideSum) Int64() (int64, bool) {
	v := int64(w.lo)
	if (w.hi == 0 && v >= 0) || (w.hi == -1 && v < 0 && v != math.MinInt64) {
		return v, true
	}
	return 0, false
}

// Amount returns w minor units of c, or an error wrapping [ErrOverflow]
// when w is beyond the largest storable amount (an amount too large to
// show).
func (w WideSum) Amount(c Currency) (Amount, error) {
	if c.IsZero() {
		return Amount{}, errNoCurrency
	}
	v, ok := w.Int64()
	if !ok {
		return Amount{}, fmt.Errorf("%w: a total of %s minor units of %s is beyond the largest storable amount of %s %s",
			ErrOverflow, w, c.Code(), maxAmount(c), c.Code())
	}
	return Amount{minor: v, cur: c}, nil
}

// String formats w in decimal minor units.
func (w WideSum) String() string {
	b := new(big.Int).SetInt64(w.hi)
	b.Lsh(b, 64)
	return b.Add(b, new(big.Int).SetUint64(w.lo)).String()
}

// MarshalJSON writes w as a JSON string of decimal minor units
// ("-630000"): a JSON number that large would lose digits in most clients.
func (w WideSum) MarshalJSON() ([]byte, error) {
	return []byte(`"` + w.String() + `"`), nil
}
