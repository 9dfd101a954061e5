package pricing

import (
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Rating is the result of rating a quantity with [Scheme.Rate], with the
// per-range breakdown a quote or an invoice shows.
type Rating struct {
	// Amount is the unrounded period charge (rounded once, at the invoice
	// line, with money.Round).
	Amount money.Decimal `json:"amount"`
	// OneOff is the unrounded sum of the setup fees of the ranges that
	// apply.
	OneOff money.Decimal `json:"one_off"`
	// Lines has one entry per range that contributes (tiered: every range
	// reached; volume and stairstep: the range containing the quantity;
	// per_unit and package: one line). It is empty when nothing is charged.
	Lines []RatingLine `json:"lines,omitempty"`
}

// RatingLine is one range's part of a Rating.
type RatingLine struct {
	// Range is the index of the range in Scheme.Ranges, or -1 for a
	// per_unit or package scheme without ranges.
	Range int    `json:"range"`
	Tag   string `json:"tag,omitempty"`
	// From and To are the range's bounds as the scheme states them (To
	// nil: and up), so that a document can show which range a line
	// charges; From is zero for a scheme without ranges.
	From money.Decimal  `json:"from"`
	To   *money.Decimal `json:"to,omitempty"`
	// PackageSize is the units per package of a package line, else 0.
	PackageSize int64 `json:"package_size,omitempty"`
	// Quantity is the number of units charged in this line: the units
	// falling in the range for tiered, the whole quantity for volume,
	// stairstep and per_unit, and the number of started packages for
	// package.
	Quantity money.Decimal `json:"quantity"`
	// UnitPrice is the price per Quantity (the package price for package,
	// zero for stairstep).
	UnitPrice money.Decimal `json:"unit_price"`
	// FlatPrice is the flat price charged for the range.
	FlatPrice money.Decimal `json:"flat_price"`
	// SetupFee is the range's one-off fee.
	SetupFee money.Decimal `json:"setup_fee"`
	// Amount is Quantity × UnitPrice + FlatPrice, unrounded (setup fee
	// excluded).
	Amount money.Decimal `json:"amount"`
}

// Charge is the exact result of [Rater.Charge].
type Charge struct {
	Amount Value // the period charge
	OneOff Value // the setup fees of the ranges that apply
}

// Rater is a compiled, immutable [Scheme] that rates quantities exactly in
// fixed-point integers without allocating. It is safe for concurrent use.
type Rater struct {
	kind     SchemeKind
	unit     uint64 // per_unit price, nano
	pkgPrice uint64 // package price, nano
	pkgSize  uint64 // package size, micro
	n        int    // number of ranges
	capped   bool   // the last range has a To
	cap      uint64 // the last range's To, micro
	zeroBase bool   // stairstep whose first range starts at 0
	ranges   [MaxRanges]crange
}

// crange is a compiled range covering (lo, hi] in micro units.
type crange struct {
	lo, hi            uint64
	open              bool
	from, step        uint64 // micro; step 0 = none
	unit, flat, setup uint64 // nano
}

// lineOut is one compiled line; the rater fills them only when asked.
type lineOut struct {
	idx      int
	qty      uint64 // micro (package: started packages, whole)
	amount   Value
	packages bool
}

// Compile validates s and compiles it. Its prices may be computed ones
// (marked up through the channel): up to MaxComputedPriceText, beyond
// which it answers amount_overflow; otherwise Validate's errors.
func (s Scheme) Compile() (*Rater, error) {
	if err := s.validateComputed(); err != nil {
		return nil, err
	}
	r := &Rater{kind: s.Kind, n: len(s.Ranges)}
	r.unit = nano(s.UnitPrice)
	r.pkgPrice = nano(s.PackagePrice)
	r.pkgSize = uint64(s.PackageSize) * quantityOne
	for i, sr := range s.Ranges {
		from := micro(sr.From)
		c := crange{from: from, unit: nano(sr.UnitPrice), flat: nano(sr.FlatPrice), setup: nano(sr.SetupFee)}
		if from > 0 {
			c.lo = from - quantityOne
		}
		if sr.To == nil {
			c.open = true
		} else {
			c.hi = micro(*sr.To)
		}
		if sr.Step != nil {
			c.step = micro(*sr.Step)
		}
		r.ranges[i] = c
	}
	if r.n > 0 {
		last := r.ranges[r.n-1]
		r.capped, r.cap = !last.open, last.hi
		r.zeroBase = s.Kind == SchemeStairstep && s.Ranges[0].From.IsZero()
	}
	return r, nil
}

// nano and micro convert validated values (within limits by Validate).
func nano(d money.Decimal) uint64 {
	v, _, _ := scaled(d, money.MaxPricePlaces)
	return uint64(v)
}

func micro(d money.Decimal) uint64 {
	v, _, _ := scaled(d, QuantityPlaces)
	return uint64(v)
}

// Rate returns the exact period charge of q without allocating (except
// for an error). Errors: quantity_out_of_range (q below the scheme's
// minimum or above its cap) and amount_overflow (wrapping
// money.ErrOverflow; only for package schemes with absurd quantities).
func (r *Rater) Rate(q Quantity) (Value, error) {
	c, _, err := r.eval(q, nil)
	return c.Amount, err
}

// Charge is Rate that also returns the setup fees of the ranges that
// apply, with the same errors.
func (r *Rater) Charge(q Quantity) (Charge, error) {
	c, _, err := r.eval(q, nil)
	return c, err
}

// feeScale turns a nano price into a Value (scale 15).
const feeScale = quantityOne

// eval rates q; when lines is not nil it also records the lines.
func (r *Rater) eval(q Quantity, lines *[MaxRanges]lineOut) (Charge, int, error) {
	var c Charge
	if q.micro < 0 {
		return c, 0, errBelow(q, r)
	}
	x := uint64(q.micro)
	if x == 0 {
		if !r.zeroBase {
			return c, 0, nil
		}
		g := &r.ranges[0]
		c.Amount, c.OneOff = mulValue(g.flat, feeScale), mulValue(g.setup, feeScale)
		if lines != nil {
			lines[0] = lineOut{idx: 0, amount: c.Amount}
		}
		return c, 1, nil
	}
	if r.capped && x > r.cap {
		return c, 0, errAbove(q, r)
	}
	if r.n > 0 && x <= r.ranges[0].lo {
		return c, 0, errBelow(q, r)
	}
	switch r.kind {
	case SchemePerUnit:
		c.Amount = mulValue(x, r.unit)
		if r.n > 0 {
			c.OneOff = mulValue(r.ranges[0].setup, feeScale)
		}
		if lines != nil {
			lines[0] = lineOut{idx: 0, qty: x, amount: c.Amount}
		}
		return c, 1, nil
	case SchemePackage:
		blocks := x / r.pkgSize
		if x%r.pkgSize != 0 {
			blocks++
		}
		amt, over := mulValue(blocks, r.pkgPrice).mul(feeScale)
		if over {
			return Charge{}, 0, overflowError("package charge")
		}
		c.Amount = amt
		if r.n > 0 {
			c.OneOff = mulValue(r.ranges[0].setup, feeScale)
		}
		if lines != nil {
			lines[0] = lineOut{idx: 0, qty: blocks, amount: c.Amount, packages: true}
		}
		return c, 1, nil
	case SchemeTiered:
		n := 0
		for i := 0; i < r.n; i++ {
			g := &r.ranges[i]
			if x <= g.lo {
				break
			}
			top := x
			if !g.open && g.hi < x {
				top = g.hi
			}
			units := top - g.lo
			part, o1 := mulValue(units, g.unit).add(mulValue(g.flat, feeScale))
			sum, o2 := c.Amount.add(part)
			fee, o3 := c.OneOff.add(mulValue(g.setup, feeScale))
			if o1 || o2 || o3 {
				return Charge{}, 0, overflowError("tiered charge")
			}
			c.Amount, c.OneOff = sum, fee
			if lines != nil {
				lines[n] = lineOut{idx: i, qty: units, amount: part}
			}
			n++
		}
		return c, n, nil
	}
	// volume, stairstep: the range containing x
	i := 0
	for i < r.n-1 && !r.ranges[i].open && x > r.ranges[i].hi {
		i++
	}
	g := &r.ranges[i]
	flat := mulValue(g.flat, feeScale)
	if r.kind == SchemeVolume {
		var over bool
		if c.Amount, over = mulValue(x, g.unit).add(flat); over {
			return Charge{}, 0, overflowError("volume charge")
		}
	} else {
		c.Amount = flat
	}
	c.OneOff = mulValue(g.setup, feeScale)
	if lines != nil {
		lines[0] = lineOut{idx: i, qty: x, amount: c.Amount}
	}
	return c, 1, nil
}

// Rate rates q (a decimal ≥ 0 with at most 6 decimal places) with the
// compiled fixed-point rater and returns the exact charge and its
// breakdown. Errors: Validate's error for an invalid scheme; the errors of
// NewQuantity; quantity_out_of_range; amount_overflow.
func (s Scheme) Rate(q money.Decimal) (Rating, error) {
	r, err := s.Compile()
	if err != nil {
		return Rating{}, err
	}
	return s.RateCompiled(r, q)
}

// RateCompiled is Rate with r, s compiled (r must come from s.Compile):
// for rating many quantities of one scheme.
func (s Scheme) RateCompiled(r *Rater, q money.Decimal) (Rating, error) {
	qty, err := NewQuantity(q)
	if err != nil {
		return Rating{}, err
	}
	var lines [MaxRanges]lineOut
	c, n, err := r.eval(qty, &lines)
	if err != nil {
		return Rating{}, err
	}
	out := Rating{Amount: c.Amount.Decimal(), OneOff: c.OneOff.Decimal()}
	for _, l := range lines[:n] {
		rl := RatingLine{Range: l.idx, Amount: l.amount.Decimal()}
		if len(s.Ranges) == 0 {
			rl.Range = -1
		} else {
			sr := s.Ranges[l.idx]
			rl.Tag, rl.SetupFee, rl.From, rl.To = sr.Tag, sr.SetupFee, sr.From, sr.To
			if s.Kind == SchemeTiered || s.Kind == SchemeVolume || s.Kind == SchemeStairstep {
				rl.UnitPrice, rl.FlatPrice = sr.UnitPrice, sr.FlatPrice
			}
		}
		switch {
		case l.packages:
			rl.Quantity = fromUint64(l.qty)
			rl.UnitPrice, rl.PackageSize = s.PackagePrice, s.PackageSize
		default:
			rl.Quantity = fromScaled(l.qty, QuantityPlaces)
		}
		if s.Kind == SchemePerUnit {
			rl.UnitPrice = s.UnitPrice
		}
		if s.Kind == SchemeStairstep {
			rl.UnitPrice = money.Decimal{}
		}
		out.Lines = append(out.Lines, rl)
	}
	return out, nil
}
