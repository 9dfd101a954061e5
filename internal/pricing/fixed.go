package pricing

import (
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Scales of the fixed-point rater. Prices have at most 9 decimal places
// (money.MaxPricePlaces) and are held exactly as int64 nano units;
// quantities are held as int64 micro units; a quantity × a price is
// therefore exact at scale 6 + 9 = 15.
const (
	// QuantityPlaces is the largest number of decimal places of a
	// [Quantity] (a micro unit of a metered resource).
	QuantityPlaces = 6
	// ValuePlaces is the scale of a [Value]: 15 decimal places.
	ValuePlaces = QuantityPlaces + money.MaxPricePlaces

	quantityOne = 1_000_000     // one unit in micro units
	priceOne    = 1_000_000_000 // one currency unit in nano units
)

// Quantity is a non-negative quantity with at most [QuantityPlaces] (6)
// decimal places, held exactly as an int64 count of micro units, for the
// allocation-free [Rater]. The zero value is 0.
type Quantity struct{ micro int64 }

// NewQuantity converts d to a Quantity. It returns an errs.Invalid with
// code quantity_out_of_range (field "quantity") for a negative d,
// quantity_too_precise for more than 6 decimal places, and amount_overflow
// (wrapping money.ErrOverflow) when d exceeds about 9.2 × 10^12 units.
func NewQuantity(d money.Decimal) (Quantity, error) {
	if d.IsNegative() {
		return Quantity{}, invalidField(CodeQuantityOutOfRange, "quantity", "must not be negative, got "+d.String())
	}
	v, places, ok := scaled(d, QuantityPlaces)
	switch {
	case places > QuantityPlaces:
		return Quantity{}, invalidField(CodeQuantityTooPrecise, "quantity",
			"allows at most 6 decimal places, got "+d.String())
	case !ok:
		return Quantity{}, overflowError("quantity " + d.String())
	}
	return Quantity{micro: v}, nil
}

// WholeQuantity returns the Quantity of n whole units, with the errors of
// [NewQuantity].
func WholeQuantity(n int64) (Quantity, error) {
	return NewQuantity(money.DecimalFromInt(n))
}

// MicroQuantity returns the Quantity of micro micro-units (1_500_000 is
// 1.5 units). A negative micro is refused like in [NewQuantity].
func MicroQuantity(micro int64) (Quantity, error) {
	if micro < 0 {
		return Quantity{}, invalidField(CodeQuantityOutOfRange, "quantity", "must not be negative")
	}
	return Quantity{micro: micro}, nil
}

// Micro returns q in micro units.
func (q Quantity) Micro() int64 { return q.micro }

// IsZero reports whether q is 0.
func (q Quantity) IsZero() bool { return q.micro == 0 }

// IsWhole reports whether q is a whole number of units.
func (q Quantity) IsWhole() bool { return q.micro%quantityOne == 0 }

// Decimal returns q as an exact Decimal.
func (q Quantity) Decimal() money.Decimal { return fromScaled(uint64(q.micro), QuantityPlaces) }

// String formats q canonically ("1.5").
func (q Quantity) String() string { return q.Decimal().String() }

// Value is an exact non-negative result of the [Rater]: an unsigned
// 128-bit count of 10^-15 currency units. The zero value is 0.
// Values are comparable with ==.
type Value struct{ hi, lo uint64 }

// IsZero reports whether v is 0.
func (v Value) IsZero() bool { return v.hi == 0 && v.lo == 0 }

// Cmp returns -1, 0 or +1 as v is less than, equal to or greater than w.
func (v Value) Cmp(w Value) int {
	switch {
	case v.hi != w.hi:
		if v.hi < w.hi {
			return -1
		}
		return 1
	case v.lo < w.lo:
		return -1
	case v.lo > w.lo:
		return 1
	}
	return 0
}

// Add returns v + w, or an amount_overflow error (wrapping
// money.ErrOverflow) when the sum exceeds 128 bits.
func (v Value) Add(w Value) (Value, error) {
	s, over := v.add(w)
	if over {
		return Value{}, overflowError("sum")
	}
	return s, nil
}

// Decimal returns v as an exact Decimal. It allocates; keep it out of hot
// loops.
func (v Value) Decimal() money.Decimal {
	if v.hi == 0 && v.lo <= math.MaxInt64 {
		return money.DecimalFromScaled(int64(v.lo), ValuePlaces)
	}
	const e15 = 1_000_000_000_000_000
	qhi, r := v.hi/e15, v.hi%e15
	qlo, frac := bits.Div64(r, v.lo, e15)
	whole := fromUint64(qlo)
	if qhi != 0 {
		whole = whole.Add(fromUint64(qhi).Mul(two64))
	}
	return whole.Add(fromScaled(frac, ValuePlaces))
}

// two64 is 2^64.
var two64 = money.MustDecimal("18446744073709551616")

// add returns v + w and whether the sum overflowed 128 bits.
func (v Value) add(w Value) (Value, bool) {
	lo, c := bits.Add64(v.lo, w.lo, 0)
	hi, c2 := bits.Add64(v.hi, w.hi, c)
	return Value{hi: hi, lo: lo}, c2 != 0
}

// mulValue returns a × b exactly (it cannot overflow 128 bits).
func mulValue(a, b uint64) Value {
	hi, lo := bits.Mul64(a, b)
	return Value{hi: hi, lo: lo}
}

// mul returns v × m and whether the product overflowed 128 bits.
func (v Value) mul(m uint64) (Value, bool) {
	h1, lo := bits.Mul64(v.lo, m)
	h2, mid := bits.Mul64(v.hi, m)
	hi, c := bits.Add64(h1, mid, 0)
	return Value{hi: hi, lo: lo}, h2 != 0 || c != 0
}

// fromUint64 returns u as a Decimal.
func fromUint64(u uint64) money.Decimal {
	if u <= math.MaxInt64 {
		return money.DecimalFromInt(int64(u))
	}
	return money.DecimalFromInt(int64(u >> 1)).Mul(money.DecimalFromInt(2)).Add(money.DecimalFromInt(int64(u & 1)))
}

// fromScaled returns u × 10^-places exactly (places ≤ 18).
func fromScaled(u uint64, places int) money.Decimal {
	if u <= math.MaxInt64 && u != 0 {
		return money.DecimalFromScaled(int64(u), int32(places))
	}
	d := fromUint64(u)
	if places == 0 || u == 0 {
		return d
	}
	q, err := d.Div(money.DecimalFromInt(pow10[places]), int32(places))
	if err != nil { // unreachable: the divisor is a power of ten > 0
		panic("pricing: " + err.Error())
	}
	return q
}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// decimalPlaces returns the number of decimal places d needs (trailing
// zeros ignored).
func decimalPlaces(d money.Decimal) int {
	s := d.String() // canonical: trailing zeros trimmed
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// scaled returns |d| × 10^places as an int64, the number of decimal places
// d needs, and ok = false when d needs more than places decimal places or
// the result does not fit in an int64.
func scaled(d money.Decimal, places int) (v int64, needed int, ok bool) {
	s := d.String()
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	if len(frac) > places {
		return 0, len(frac), false
	}
	digits := intPart + frac + strings.Repeat("0", places-len(frac))
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, len(frac), false
	}
	return n, len(frac), true
}
