package pricing

import (
	"fmt"
	"strconv"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// chargeClass groups quote lines for coupon scopes.
type chargeClass int

const (
	classLicence chargeClass = iota // licence (and its bundle discount)
	classExtra                      // prepaid extra resources
	classIaaS                       // infrastructure costs
	classOneOff                     // setup fees of the plan and the extras
)

// draft is a quote line with what the totals need.
type draft struct {
	line   QuoteLine
	raw    money.Decimal // unrounded value
	class  chargeClass
	oneOff bool // first period only
}

// planPart is one priced plan of a quote: the plan itself, or a bundle
// component with its list and discounted prices.
type planPart struct {
	list, disc PlanPrices
	component  *BundleComponent // nil for a plain plan
}

func planParts(in QuoteInput) []planPart {
	if len(in.Bundle) == 0 {
		return []planPart{{list: in.Prices, disc: in.Prices}}
	}
	parts := make([]planPart, len(in.Bundle))
	for i := range in.Bundle {
		c := &in.Bundle[i]
		parts[i] = planPart{list: c.Prices, disc: c.discounted(), component: c}
	}
	return parts
}

// builder collects a quote's lines.
type builder struct {
	cur      money.Currency
	terms    Terms
	renew    bool
	first    *Period
	lines    []draft
	postpaid []PostpaidTerm
}

// add rounds raw once into l's Amount and records the line.
func (b *builder) add(l QuoteLine, raw money.Decimal, class chargeClass, oneOff bool) error {
	a, err := money.Round(raw, b.cur)
	if err != nil {
		return asOverflow(err, l.Description)
	}
	l.Amount = a
	if !oneOff {
		l.Recurring, l.Period = b.renew, b.period()
	}
	b.lines = append(b.lines, draft{line: l, raw: raw, class: class, oneOff: oneOff})
	return nil
}

// charge adds a line at list price and, for a discounted bundle
// component, the bundle_discount line that follows it.
func (b *builder) charge(p planPart, l QuoteLine, list, disc money.Decimal, class chargeClass, oneOff bool) error {
	if p.component != nil {
		l.ComponentPlanID = p.component.PlanID
	}
	if err := b.add(l, list, class, oneOff); err != nil {
		return err
	}
	if p.component == nil || disc.Equal(list) {
		return nil
	}
	dl := QuoteLine{
		Kind:            LineBundleDiscount,
		Description:     fmt.Sprintf("Bundle discount %s %% on %s", p.component.DiscountPercent, l.Description),
		ComponentPlanID: l.ComponentPlanID, ExtraID: l.ExtraID, Quantity: one,
	}
	if err := b.add(dl, disc.Sub(list), class, oneOff); err != nil {
		return err
	}
	last := &b.lines[len(b.lines)-1].line
	last.UnitPrice = last.Amount.Decimal()
	return nil
}

// period returns a copy of the first period (nil without one), so lines
// share no pointer.
func (b *builder) period() *Period {
	if b.first == nil {
		return nil
	}
	p := *b.first
	return &p
}

func (b *builder) periodLabel() string {
	if !b.terms.periodic() {
		return ""
	}
	n := b.terms.PeriodCount
	s := strconv.Itoa(n) + " " + b.terms.PeriodUnit
	if n != 1 {
		s += "s"
	}
	return ", " + s
}

// addPlan adds the lines and postpaid terms of one plan.
func (b *builder) addPlan(p planPart, qs map[string]money.Decimal) error {
	name := ""
	if p.component != nil {
		name = p.component.Name
		if name == "" {
			name = p.component.PlanID
		}
		name += ": "
	}
	if b.terms.Kind != PricingFree {
		if p.list.Setup.IsPositive() {
			l := QuoteLine{Kind: LineSetupFee, Description: name + "Setup fee", Quantity: one, UnitPrice: p.list.Setup}
			if err := b.charge(p, l, p.list.Setup, p.disc.Setup, classOneOff, true); err != nil {
				return err
			}
		}
		kind := LineLicence
		if p.component != nil {
			kind = LineBundleComponent
		}
		l := QuoteLine{Kind: kind, Description: name + "Licence" + b.periodLabel(), Quantity: one, UnitPrice: p.list.Recurring}
		if err := b.charge(p, l, p.list.Recurring, p.disc.Recurring, classLicence, false); err != nil {
			return err
		}
		if p.list.IaaS.IsPositive() {
			l := QuoteLine{Kind: LineIaaS, Description: name + "Infrastructure" + b.periodLabel(), Quantity: one, UnitPrice: p.list.IaaS}
			if err := b.charge(p, l, p.list.IaaS, p.disc.IaaS, classIaaS, false); err != nil {
				return err
			}
		}
	}
	for i, x := range p.list.Extras {
		if err := b.addExtra(p, name, x, p.disc.Extras[i], qs); err != nil {
			return err
		}
	}
	for _, m := range p.list.Metrics {
		t := PostpaidTerm{Kind: LineMetric, ID: m.ID, Key: m.Key, Name: m.Name, Unit: m.Unit, Scheme: m.Scheme.clone(), Included: m.Included}
		if p.component != nil {
			t.ComponentPlanID = p.component.PlanID
		}
		b.postpaid = append(b.postpaid, t)
	}
	return nil
}

// addExtra adds one extra resource: lines if prepaid and bought, a
// postpaid term if postpaid. list and disc are its list and discounted
// prices (the same for a plain plan); prefix names the bundle component.
func (b *builder) addExtra(p planPart, prefix string, list, disc ExtraPrice, qs map[string]money.Decimal) error {
	field := "quantities." + list.ID
	q, bought := qs[list.ID]
	if !bought && list.Required {
		q, bought = list.Scheme.MinPurchase(), true
	}
	if bought {
		if list.Required && q.IsZero() && !list.Scheme.MinPurchase().IsZero() {
			return invalidField(CodeQuantityRequired, field,
				"is a required extra resource: buy at least "+list.Scheme.MinPurchase().String())
		}
		if err := list.Scheme.CheckPurchase(q); err != nil {
			return renamed(err, field)
		}
	}
	name := list.Name
	if name == "" {
		name = list.ID
	}
	name = prefix + name
	if list.Billing == Postpaid {
		t := PostpaidTerm{Kind: LineExtraResource, ID: list.ID, Name: list.Name, Unit: list.Unit, Scheme: disc.Scheme.clone()}
		if p.component != nil {
			t.ComponentPlanID = p.component.PlanID
		}
		if bought {
			r, err := disc.Scheme.Rate(q)
			if err != nil {
				return renamed(err, field)
			}
			t.Quantity = q
			if t.Estimate, err = money.Round(r.Amount, b.cur); err != nil {
				return asOverflow(err, name)
			}
		}
		b.postpaid = append(b.postpaid, t)
		return nil
	}
	if !bought {
		return nil
	}
	rl, err := list.Scheme.Rate(q)
	if err != nil {
		return renamed(err, field)
	}
	rd, err := disc.Scheme.Rate(q)
	if err != nil {
		return renamed(err, field)
	}
	if len(rl.Lines) == 0 {
		return nil // nothing charged (a quantity of 0)
	}
	l := QuoteLine{Kind: LineExtraResource, Description: name + b.periodLabel(), ExtraID: list.ID,
		Quantity: q, UnitPrice: unitPriceOf(list.Scheme, rl), Breakdown: rl.Lines}
	if err := b.charge(p, l, rl.Amount, rd.Amount, classExtra, false); err != nil {
		return err
	}
	if rl.OneOff.IsPositive() || rd.OneOff.IsPositive() {
		l := QuoteLine{Kind: LineExtraSetupFee, Description: name + ": setup fee", ExtraID: list.ID, Quantity: one, UnitPrice: rl.OneOff}
		return b.charge(p, l, rl.OneOff, rd.OneOff, classOneOff, true)
	}
	return nil
}

// unitPriceOf returns the unit price of an extra's line when the charge
// is exactly quantity × that price, else zero.
func unitPriceOf(s Scheme, r Rating) money.Decimal {
	if len(r.Lines) == 1 && r.Lines[0].FlatPrice.IsZero() && (s.Kind == SchemePerUnit || s.Kind == SchemeVolume) {
		return r.Lines[0].UnitPrice
	}
	return money.Decimal{}
}
