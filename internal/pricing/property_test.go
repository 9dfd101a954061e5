package pricing_test

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// randPrice returns a random price with up to 9 decimal places, often a
// round one and sometimes zero.
func randPrice(r *rand.Rand) money.Decimal {
	switch r.IntN(6) {
	case 0:
		return money.Decimal{}
	case 1:
		return money.DecimalFromInt(r.Int64N(1000))
	case 2: // near the limit
		return d(strconv.FormatInt(r.Int64N(1_000_000_000), 10) + "." + strconv.FormatInt(r.Int64N(1_000_000_000), 10))
	}
	places := r.IntN(10)
	v := r.Int64N(100_000_000)
	p := money.DecimalFromInt(v)
	q, _ := p.Div(money.DecimalFromInt(pow10(places)), int32(places))
	return q
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// randQuantity returns a quantity up to about max, often whole, sometimes
// with 6 decimal places.
func randQuantity(r *rand.Rand, max int64) money.Decimal {
	whole := money.DecimalFromInt(r.Int64N(max + 1))
	if r.IntN(3) == 0 {
		frac, _ := money.DecimalFromInt(r.Int64N(1_000_000)).Div(money.DecimalFromInt(1_000_000), 6)
		return whole.Add(frac)
	}
	return whole
}

// randScheme returns a random valid scheme and the largest interesting
// quantity for it.
func randScheme(r *rand.Rand) (pricing.Scheme, int64) {
	kinds := []pricing.SchemeKind{pricing.SchemePerUnit, pricing.SchemeTiered, pricing.SchemeVolume, pricing.SchemeStairstep, pricing.SchemePackage}
	s := pricing.Scheme{Kind: kinds[r.IntN(len(kinds))]}
	n := 1 + r.IntN(pricing.MaxRanges)
	switch s.Kind {
	case pricing.SchemePerUnit:
		s.UnitPrice = randPrice(r)
		n = r.IntN(2)
	case pricing.SchemePackage:
		s.PackageSize = 1 + r.Int64N(100)
		s.PackagePrice = randPrice(r)
		n = r.IntN(2)
	}
	from := int64(0)
	switch r.IntN(3) {
	case 0:
		from = 1
	case 1:
		from = r.Int64N(50)
	}
	for i := range n {
		width := 1 + r.Int64N(100)
		if r.IntN(10) == 0 {
			width = 1 + r.Int64N(1_000_000_000)
		}
		rg := pricing.Range{From: money.DecimalFromInt(from), SetupFee: randPrice(r)}
		if i < n-1 || r.IntN(2) == 0 {
			to := money.DecimalFromInt(from + width - 1)
			rg.To = &to
		}
		switch s.Kind {
		case pricing.SchemeTiered, pricing.SchemeVolume:
			rg.UnitPrice = randPrice(r)
			if r.IntN(3) == 0 {
				rg.FlatPrice = randPrice(r)
			}
		case pricing.SchemeStairstep:
			rg.FlatPrice = randPrice(r)
		}
		if r.IntN(4) == 0 {
			step := money.DecimalFromInt(1 + r.Int64N(10))
			rg.Step = &step
		}
		s.Ranges = append(s.Ranges, rg)
		from += width
	}
	return s, from + 10
}

// ref is the straightforward money.Decimal reference implementation of
// the rating rules of the package documentation. It returns the amount,
// the one-off fees and whether the quantity is in range.
func ref(s pricing.Scheme, q money.Decimal) (amount, oneOff money.Decimal, ok bool) {
	if q.IsNegative() {
		return amount, oneOff, false
	}
	rs := s.Ranges
	lo := func(i int) money.Decimal { return money.Max(rs[i].From.Sub(d("1")), money.Decimal{}) }
	if q.IsZero() {
		if s.Kind == pricing.SchemeStairstep && rs[0].From.IsZero() {
			return rs[0].FlatPrice, rs[0].SetupFee, true
		}
		return amount, oneOff, true
	}
	if len(rs) > 0 {
		if last := rs[len(rs)-1]; last.To != nil && q.Cmp(*last.To) > 0 {
			return amount, oneOff, false
		}
		if q.Cmp(lo(0)) <= 0 {
			return amount, oneOff, false
		}
	}
	switch s.Kind {
	case pricing.SchemePerUnit, pricing.SchemePackage:
		if len(rs) == 1 {
			oneOff = rs[0].SetupFee
		}
		if s.Kind == pricing.SchemePerUnit {
			return q.Mul(s.UnitPrice), oneOff, true
		}
		size := money.DecimalFromInt(s.PackageSize)
		k, _ := q.Div(size, 0)
		for k.Mul(size).Cmp(q) < 0 {
			k = k.Add(d("1"))
		}
		for k.Sub(d("1")).Mul(size).Cmp(q) >= 0 {
			k = k.Sub(d("1"))
		}
		return k.Mul(s.PackagePrice), oneOff, true
	case pricing.SchemeTiered:
		for i, r := range rs {
			if q.Cmp(lo(i)) <= 0 {
				break
			}
			top := q
			if r.To != nil {
				top = money.Min(q, *r.To)
			}
			amount = amount.Add(top.Sub(lo(i)).Mul(r.UnitPrice)).Add(r.FlatPrice)
			oneOff = oneOff.Add(r.SetupFee)
		}
		return amount, oneOff, true
	}
	for _, r := range rs {
		if r.To == nil || q.Cmp(*r.To) <= 0 {
			if s.Kind == pricing.SchemeVolume {
				return q.Mul(r.UnitPrice).Add(r.FlatPrice), r.SetupFee, true
			}
			return r.FlatPrice, r.SetupFee, true
		}
	}
	panic("unreachable: the cap was checked")
}

func TestRateMatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for range 3000 {
		s, top := randScheme(r)
		if err := s.Validate(); err != nil {
			t.Fatalf("random scheme invalid: %v\n%+v", err, s)
		}
		rater, err := s.Compile()
		if err != nil {
			t.Fatal(err)
		}
		for range 8 {
			q := randQuantity(r, top)
			wantAmt, wantFee, inRange := ref(s, q)
			got, err := s.Rate(q)
			if !inRange {
				if !errs.Is(err, pricing.CodeQuantityOutOfRange) {
					t.Fatalf("Rate(%s) = %v, want quantity_out_of_range\n%+v", q, err, s)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Rate(%s): %v\n%+v", q, err, s)
			}
			if !got.Amount.Equal(wantAmt) || !got.OneOff.Equal(wantFee) {
				t.Fatalf("Rate(%s) = %s + %s, reference %s + %s\n%+v", q, got.Amount, got.OneOff, wantAmt, wantFee, s)
			}
			if got.Amount.IsNegative() || got.OneOff.IsNegative() {
				t.Fatalf("negative rating %s", got.Amount)
			}
			var lines money.Decimal
			for _, l := range got.Lines {
				lines = lines.Add(l.Amount)
			}
			if !lines.Equal(got.Amount) {
				t.Fatalf("lines add up to %s, not %s", lines, got.Amount)
			}
			qty, err := pricing.NewQuantity(q)
			if err != nil {
				t.Fatal(err)
			}
			c, err := rater.Charge(qty)
			if err != nil || !c.Amount.Decimal().Equal(wantAmt) || !c.OneOff.Decimal().Equal(wantFee) {
				t.Fatalf("Rater.Charge(%s) = %s + %s, %v; reference %s", q, c.Amount.Decimal(), c.OneOff.Decimal(), err, wantAmt)
			}
			checked++
		}
	}
	if checked < 10000 {
		t.Errorf("only %d in-range quantities checked", checked)
	}
}

// Tiered totals are non-decreasing in the quantity and equal the sum of
// each range's own contribution.
func TestTieredIsSumOverRanges(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		s, top := randScheme(r)
		s.Kind = pricing.SchemeTiered
		if len(s.Ranges) == 0 {
			continue
		}
		s.UnitPrice, s.PackageSize, s.PackagePrice = money.Decimal{}, 0, money.Decimal{}
		q1, q2 := randQuantity(r, top), randQuantity(r, top)
		if q1.Cmp(q2) > 0 {
			q1, q2 = q2, q1
		}
		a1, e1 := s.Rate(q1)
		a2, e2 := s.Rate(q2)
		if e1 != nil || e2 != nil {
			continue
		}
		if a1.Amount.Cmp(a2.Amount) > 0 && !q1.IsZero() {
			t.Fatalf("tiered(%s) = %s > tiered(%s) = %s", q1, a1.Amount, q2, a2.Amount)
		}
		// Each range alone, as a one-range scheme over the units it holds.
		var sum money.Decimal
		for _, l := range a2.Lines {
			rg := s.Ranges[l.Range]
			sum = sum.Add(l.Quantity.Mul(rg.UnitPrice)).Add(rg.FlatPrice)
		}
		if !sum.Equal(a2.Amount) {
			t.Fatalf("sum over ranges %s != %s", sum, a2.Amount)
		}
	}
}

// Volume and stairstep prices are step functions: the price per unit
// (volume) or the price (stairstep) is constant inside a range and changes
// only at its edges.
func TestStepFunctions(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		s, _ := randScheme(r)
		if s.Kind != pricing.SchemeVolume && s.Kind != pricing.SchemeStairstep {
			continue
		}
		i := r.IntN(len(s.Ranges))
		rg := s.Ranges[i]
		lo := money.Max(rg.From.Sub(d("1")), money.Decimal{})
		hi := lo.Add(d("1000"))
		if rg.To != nil {
			hi = *rg.To
		}
		// Two quantities inside (lo, hi].
		span := hi.Sub(lo)
		pick := func() money.Decimal {
			f, _ := money.DecimalFromInt(1+r.Int64N(1_000_000)).Div(money.DecimalFromInt(1_000_000), 6)
			q, _ := lo.Add(span.Mul(f)).Div(d("1"), 6)
			return money.Max(q, lo.Add(d("0.000001")))
		}
		q1, q2 := pick(), pick()
		a1, e1 := s.Rate(q1)
		a2, e2 := s.Rate(q2)
		if e1 != nil || e2 != nil {
			t.Fatalf("in-range quantities refused: %v %v", e1, e2)
		}
		l1, l2 := a1.Lines[0], a2.Lines[0]
		if l1.Range != i || l2.Range != i {
			t.Fatalf("quantities %s, %s of range %d rated in ranges %d, %d", q1, q2, i, l1.Range, l2.Range)
		}
		if s.Kind == pricing.SchemeStairstep && !a1.Amount.Equal(a2.Amount) {
			t.Fatalf("stairstep not constant in range %d: %s vs %s", i, a1.Amount, a2.Amount)
		}
		if s.Kind == pricing.SchemeVolume && (!a1.Amount.Sub(rg.FlatPrice).Equal(q1.Mul(rg.UnitPrice)) || !a2.Amount.Sub(rg.FlatPrice).Equal(q2.Mul(rg.UnitPrice))) {
			t.Fatalf("volume unit price not constant in range %d", i)
		}
		// Just past the edge, the next range applies.
		if rg.To != nil && i+1 < len(s.Ranges) {
			past, err := s.Rate(rg.To.Add(d("0.000001")))
			if err != nil || past.Lines[0].Range != i+1 {
				t.Fatalf("past the edge of range %d: %+v, %v", i, past.Lines, err)
			}
		}
	}
}

// Results do not depend on the order the ranges were given in, once
// normalized.
func TestOrderIndependenceAfterNormalize(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		s, top := randScheme(r)
		shuffled := s.Normalize() // a copy
		r.Shuffle(len(shuffled.Ranges), func(i, j int) {
			shuffled.Ranges[i], shuffled.Ranges[j] = shuffled.Ranges[j], shuffled.Ranges[i]
		})
		n := shuffled.Normalize()
		q := randQuantity(r, top)
		a, errA := s.Rate(q)
		b, errB := n.Rate(q)
		if (errA == nil) != (errB == nil) || !a.Amount.Equal(b.Amount) || !a.OneOff.Equal(b.OneOff) {
			t.Fatalf("Rate(%s): %s, %v before vs %s, %v after shuffling and normalizing", q, a.Amount, errA, b.Amount, errB)
		}
	}
}

func TestQuantityAndValue(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0", "1", "1.5", "0.000001", "9223372036854.775807"} {
		q, err := pricing.NewQuantity(d(s))
		if err != nil || !q.Decimal().Equal(d(s)) {
			t.Errorf("NewQuantity(%s) = %s, %v", s, q, err)
		}
	}
	if _, err := pricing.NewQuantity(d("9223372036854.775808")); !errors.Is(err, money.ErrOverflow) || !errs.Is(err, pricing.CodeAmountOverflow) {
		t.Errorf("huge quantity error = %v", err)
	}
	if _, err := pricing.NewQuantity(d("0.0000001")); !errs.Is(err, pricing.CodeQuantityTooPrecise) {
		t.Errorf("7 places error = %v", err)
	}
	if _, err := pricing.NewQuantity(d("-1")); !errs.Is(err, pricing.CodeQuantityOutOfRange) {
		t.Errorf("negative error = %v", err)
	}
	if _, err := pricing.MicroQuantity(-1); err == nil {
		t.Error("negative micro quantity accepted")
	}
	if q, _ := pricing.WholeQuantity(3); q.Micro() != 3_000_000 || !q.IsWhole() {
		t.Errorf("WholeQuantity(3) = %d", q.Micro())
	}

	// The largest charges: a package scheme multiplies three factors.
	s := pricing.Scheme{Kind: pricing.SchemePackage, PackageSize: 1, PackagePrice: d(pricing.MaxPriceText)}
	big, err := s.Rate(d("9223372036854.775807"))
	want := d("9223372036855").Mul(d(pricing.MaxPriceText))
	if err != nil || !big.Amount.Equal(want) {
		t.Errorf("largest package charge = %s, %v; want %s", big.Amount, err, want)
	}
	if _, err := money.Round(big.Amount, eur); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("rounding a charge beyond an Amount: %v", err)
	}
	// A per-unit charge near the 128-bit edge converts exactly.
	pu := pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: d(pricing.MaxPriceText)}
	r, err := pu.Rate(d("9223372036854.775807"))
	if err != nil || !r.Amount.Equal(d("9223372036854.775807").Mul(d(pricing.MaxPriceText))) {
		t.Errorf("largest per-unit charge = %s, %v", r.Amount, err)
	}
	var zero pricing.Value
	if !zero.IsZero() || !zero.Decimal().IsZero() || zero.Cmp(zero) != 0 {
		t.Error("zero Value")
	}
}
