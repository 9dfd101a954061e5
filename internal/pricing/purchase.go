package pricing

import (
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// CheckPurchase checks a purchased (not metered) quantity: a whole number
// ≥ 0, within the scheme's minimum and cap, and on its range's Step. Zero
// always passes (nothing is bought; whether that is allowed is the
// caller's business, see Compute's required extras).
//
// It returns Validate's error for an invalid scheme, or an errs.Invalid
// with code quantity_out_of_range (also beyond money.MaxQuantity),
// quantity_not_whole or quantity_not_on_step (field "quantity").
func (s Scheme) CheckPurchase(q money.Decimal) error {
	r, err := s.Compile()
	if err != nil {
		return err
	}
	if q.IsNegative() {
		return invalidField(CodeQuantityOutOfRange, "quantity", "must not be negative, got "+q.String())
	}
	if decimalPlaces(q) > 0 {
		return invalidField(CodeQuantityNotWhole, "quantity", "must be a whole number of units, got "+q.String())
	}
	if err := money.CheckQuantity(q); err != nil {
		return invalidField(CodeQuantityOutOfRange, "quantity", err.Error())
	}
	qty, err := NewQuantity(q)
	if err != nil {
		return err
	}
	return r.CheckPurchase(qty)
}

// CheckPurchase is Scheme.CheckPurchase on a compiled scheme.
func (r *Rater) CheckPurchase(q Quantity) error {
	if !q.IsWhole() {
		return invalidField(CodeQuantityNotWhole, "quantity", "must be a whole number of units, got "+q.String())
	}
	if q.micro == 0 {
		return nil
	}
	x := uint64(q.micro)
	if r.capped && x > r.cap {
		return errAbove(q, r)
	}
	if r.n == 0 {
		return nil
	}
	if x <= r.ranges[0].lo {
		return errBelow(q, r)
	}
	i := 0
	for i < r.n-1 && !r.ranges[i].open && x > r.ranges[i].hi {
		i++
	}
	g := &r.ranges[i]
	if g.step != 0 && (x < g.from || (x-g.from)%g.step != 0) {
		from, step := fromScaled(g.from, QuantityPlaces), fromScaled(g.step, QuantityPlaces)
		return invalidField(CodeQuantityNotOnStep, "quantity",
			"must be "+from.String()+" plus a multiple of "+step.String()+" in this range, got "+q.String())
	}
	return nil
}

func errBelow(q Quantity, r *Rater) error {
	if q.micro < 0 {
		return invalidField(CodeQuantityOutOfRange, "quantity", "must not be negative")
	}
	if q.IsWhole() {
		min := fromScaled(r.ranges[0].from, QuantityPlaces)
		return invalidField(CodeQuantityOutOfRange, "quantity",
			"must be 0 or at least "+min.String()+", got "+q.String())
	}
	lo := fromScaled(r.ranges[0].lo, QuantityPlaces)
	return invalidField(CodeQuantityOutOfRange, "quantity",
		"must be 0 or greater than "+lo.String()+", got "+q.String())
}

func errAbove(q Quantity, r *Rater) error {
	max := fromScaled(r.cap, QuantityPlaces)
	return invalidField(CodeQuantityOutOfRange, "quantity", "must be at most "+max.String()+", got "+q.String())
}
