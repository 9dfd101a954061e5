package pricing

import (
	"slices"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// PlanPriceOverride is a party's own price for a plan (typically a
// reseller's sell-out price): each set field replaces the price it names,
// whatever the price bought at. Nil and absent entries leave prices as
// they are.
type PlanPriceOverride struct {
	Setup     *money.Decimal `json:"setup,omitempty"`
	Recurring *money.Decimal `json:"recurring,omitempty"`
	IaaS      *money.Decimal `json:"iaas,omitempty"`
	// Extras replaces the scheme of the extra resource with that ID.
	Extras map[string]Scheme `json:"extras,omitempty"`
	// Metrics replaces the scheme of the metric with that ID.
	Metrics map[string]Scheme `json:"metrics,omitempty"`
}

// WithOverride returns a copy of p with the override applied (p is not
// modified).
//
// It returns an errs.Invalid with code validation_failed when p is
// invalid, when an override price is invalid (paths "override.setup",
// "override.recurring", "override.iaas"), when an override scheme is
// invalid ("override.extras.<id>.ranges[0].to") or names an extra or
// metric the plan does not have (code unknown_extra or unknown_metric at
// "override.extras.<id>" / "override.metrics.<id>").
func (p PlanPrices) WithOverride(o PlanPriceOverride) (PlanPrices, error) {
	v := validate.New()
	p.validate(v, "", computed) // bought at: a computed price
	for _, x := range []struct {
		name string
		d    *money.Decimal
	}{{"setup", o.Setup}, {"recurring", o.Recurring}, {"iaas", o.IaaS}} {
		if x.d != nil {
			checkPrice(v, "override."+x.name, *x.d, entered)
		}
	}
	for _, id := range sortedKeys(o.Extras) {
		f := "override.extras." + id
		if _, ok := p.Extra(id); !ok {
			v.Add(f, "unknown_extra", "the plan has no extra resource "+id)
		}
		o.Extras[id].validate(v, f+".", entered)
	}
	for _, id := range sortedKeys(o.Metrics) {
		f := "override.metrics." + id
		if !slices.ContainsFunc(p.Metrics, func(m MetricPrice) bool { return m.ID == id }) {
			v.Add(f, "unknown_metric", "the plan has no metric "+id)
		}
		o.Metrics[id].validate(v, f+".", entered)
	}
	if err := computedErr(v.Err()); err != nil {
		return PlanPrices{}, err
	}
	q := p.clone()
	if o.Setup != nil {
		q.Setup = *o.Setup
	}
	if o.Recurring != nil {
		q.Recurring = *o.Recurring
	}
	if o.IaaS != nil {
		q.IaaS = *o.IaaS
	}
	for i, x := range q.Extras {
		if s, ok := o.Extras[x.ID]; ok {
			q.Extras[i].Scheme = s.clone()
		}
	}
	for i, m := range q.Metrics {
		if s, ok := o.Metrics[m.ID]; ok {
			q.Metrics[i].Scheme = s.clone()
		}
	}
	return q, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
