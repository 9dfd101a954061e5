package pricing

import (
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// MarkupKind says how a markup changes a price.
type MarkupKind string

// The markup kinds.
const (
	// MarkupPercent multiplies a price by (100 + Value) / 100 and rounds
	// the result with money.RoundPrice: 17.5 means +17.5 %, -10 means a
	// 10 % discount.
	MarkupPercent MarkupKind = "percent"
	// MarkupFixed adds Value to a price (per unit for unit prices, per
	// amount for flat prices and fees).
	MarkupFixed MarkupKind = "fixed"
)

// Markup is a channel party's change over the price it buys at.
//
// Value may be negative (a discount), but a marked-up price is never below
// zero: it is clamped to 0. A markup never turns a zero price into a
// charge: a price of 0 (a free licence, a free tier, a range without a
// flat fee) stays 0 under every markup, so a fixed markup does not invent
// fees the vendor did not set. A reseller that wants to charge for a free
// plan sets its own price with a PlanPriceOverride.
type Markup struct {
	Kind  MarkupKind    `json:"kind"`
	Value money.Decimal `json:"value"`
}

// Validate checks m: a known kind and a Value with at most 9 decimal
// places, at most MaxPriceText in absolute value, and not below -100 for a
// percentage. It returns nil or an errs.Invalid with code
// validation_failed and field paths "kind", "value".
func (m Markup) Validate() error {
	v := validate.New()
	m.validate(v, "")
	return v.Err()
}

var minusHundred = money.DecimalFromInt(-100)

func (m Markup) validate(v *validate.Collector, p string) {
	if m.Kind != MarkupPercent && m.Kind != MarkupFixed {
		v.OneOf(p+"kind", string(m.Kind), string(MarkupPercent), string(MarkupFixed))
	}
	switch {
	case decimalPlaces(m.Value) > money.MaxPricePlaces:
		v.Add(p+"value", "too_many_decimals", "allows at most 9 decimal places")
	case m.Value.Abs().Cmp(maxPrice) > 0:
		v.Add(p+"value", "too_large", "must be at most "+MaxPriceText+" in absolute value")
	case m.Kind == MarkupPercent && m.Value.Cmp(minusHundred) < 0:
		v.Add(p+"value", "out_of_range", "a percentage must not be below -100")
	}
}

var hundredth = money.MustDecimal("0.01")

// Apply returns price with the markup applied (see Markup for the rules).
// m must be valid.
func (m Markup) Apply(price money.Decimal) money.Decimal {
	if price.IsZero() {
		return price
	}
	var r money.Decimal
	switch m.Kind {
	case MarkupPercent:
		r = money.RoundPrice(price.Add(price.Mul(m.Value).Mul(hundredth)))
	default:
		r = price.Add(m.Value)
	}
	if r.IsNegative() {
		return money.Decimal{}
	}
	return r
}

// applyOpt applies an optional markup (nil = unchanged).
func applyOpt(m *Markup) func(money.Decimal) money.Decimal {
	if m == nil {
		return func(p money.Decimal) money.Decimal { return p }
	}
	return m.Apply
}

// ChargeMarkups holds one optional markup per charge type; nil leaves that
// charge type's prices unchanged (pass-through).
type ChargeMarkups struct {
	// OneOff applies to the plan's setup fee and to every range SetupFee of
	// extras' and metrics' schemes.
	OneOff *Markup `json:"one_off,omitempty"`
	// Recurring applies to the licence price.
	Recurring *Markup `json:"recurring,omitempty"`
	// Extras applies to the unit, flat and package prices of extras.
	Extras *Markup `json:"extras,omitempty"`
	// Usage applies to the unit, flat and package prices of metrics.
	Usage *Markup `json:"usage,omitempty"`
	// IaaS applies to the infrastructure cost.
	IaaS *Markup `json:"iaas,omitempty"`
}

// Validate checks every markup set, with field paths "one_off.value",
// "recurring.kind" and so on.
func (m ChargeMarkups) Validate() error {
	v := validate.New()
	m.validate(v, "")
	return v.Err()
}

func (m ChargeMarkups) validate(v *validate.Collector, p string) {
	for _, x := range []struct {
		name string
		m    *Markup
	}{{"one_off", m.OneOff}, {"recurring", m.Recurring}, {"extras", m.Extras}, {"usage", m.Usage}, {"iaas", m.IaaS}} {
		if x.m != nil {
			x.m.validate(v, p+x.name+".")
		}
	}
}

// WithMarkups returns a copy of p with the markups applied to every price
// of their charge type (p is not modified). p and the result are computed
// prices: they may exceed MaxPriceText (see MaxComputedPriceText). It
// returns an errs.Invalid with code validation_failed when p is invalid
// (paths as in PlanPrices.Validate) or when a markup is invalid (paths
// "markups.recurring.value"), and amount_overflow (wrapping
// money.ErrOverflow, with the price's path as field) when p or a
// marked-up price is beyond MaxComputedPriceText.
func (p PlanPrices) WithMarkups(m ChargeMarkups) (PlanPrices, error) {
	v := validate.New()
	p.validate(v, "", computed)
	m.validate(v, "markups.")
	if err := computedErr(v.Err()); err != nil {
		return PlanPrices{}, err
	}
	oneOff := applyOpt(m.OneOff)
	q := p.clone()
	q.Setup = oneOff(p.Setup)
	q.Recurring = applyOpt(m.Recurring)(p.Recurring)
	q.IaaS = applyOpt(m.IaaS)(p.IaaS)
	for i := range q.Extras {
		q.Extras[i].Scheme = q.Extras[i].Scheme.mapPrices(applyOpt(m.Extras), oneOff)
	}
	for i := range q.Metrics {
		q.Metrics[i].Scheme = q.Metrics[i].Scheme.mapPrices(applyOpt(m.Usage), oneOff)
	}
	v = validate.New()
	q.validate(v, "", computed)
	if err := computedErr(v.Err()); err != nil {
		return PlanPrices{}, err
	}
	return q, nil
}
