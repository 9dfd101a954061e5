package pricing

import (
	"fmt"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// BillingMode says when an extra resource is charged.
type BillingMode string

// The billing modes of extra resources.
const (
	// Prepaid extras are charged in advance, each period, with the licence.
	Prepaid BillingMode = "prepaid"
	// Postpaid extras are charged in arrears, at the end of each period,
	// like metrics; quotes list them apart and leave them out of totals.
	Postpaid BillingMode = "postpaid"
)

// PlanPrices are the prices of one plan in one currency at one level of
// the channel (vendor list price, wholesale, sell-in, sell-out). Every
// price is a unit price: ≥ 0, at most 9 decimal places, at most
// MaxPriceText.
type PlanPrices struct {
	Currency money.Currency `json:"currency"`
	// Setup is the one-off setup fee, charged in the first period only.
	Setup money.Decimal `json:"setup"`
	// Recurring is the licence price per billing period (the one-time
	// licence price of an everlasting or short plan).
	Recurring money.Decimal `json:"recurring"`
	// IaaS is the infrastructure cost per billing period, charged in
	// advance with the licence.
	IaaS    money.Decimal `json:"iaas"`
	Extras  []ExtraPrice  `json:"extras,omitempty"`
	Metrics []MetricPrice `json:"metrics,omitempty"`
}

// ExtraPrice is the price of an extra resource (a value-added service)
// sold with a plan by quantity.
type ExtraPrice struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Unit string `json:"unit,omitempty"`
	// Scheme prices the quantity bought, per period.
	Scheme Scheme `json:"scheme"`
	// Required extras are always bought, by default at the scheme's
	// MinPurchase.
	Required bool        `json:"required,omitempty"`
	Billing  BillingMode `json:"billing"`
}

// MetricPrice is the pay-per-use price of a metric, billed in arrears.
type MetricPrice struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Name   string `json:"name"`
	Unit   string `json:"unit,omitempty"`
	Scheme Scheme `json:"scheme"`
	// Included is the free quantity per period, subtracted from the usage
	// before rating (≥ 0, at most 6 decimal places).
	Included money.Decimal `json:"included"`
}

// Validate checks p and returns nil or an errs.Invalid with code
// validation_failed and one field error per problem, with paths such as
// "currency", "recurring", "extras[1].id", "extras[0].scheme.ranges[1].to",
// "metrics[0].included". Extra and metric IDs must be non-empty and unique
// within the plan; an extra's billing must be prepaid or postpaid.
func (p PlanPrices) Validate() error {
	v := validate.New()
	p.validate(v, "", entered)
	return v.Err()
}

func (p PlanPrices) validate(v *validate.Collector, pre string, c ceiling) {
	if p.Currency.IsZero() {
		v.Add(pre+"currency", "required", "is required")
	}
	checkPrice(v, pre+"setup", p.Setup, c)
	checkPrice(v, pre+"recurring", p.Recurring, c)
	checkPrice(v, pre+"iaas", p.IaaS, c)
	seen := map[string]bool{}
	for i, x := range p.Extras {
		f := fmt.Sprintf("%sextras[%d].", pre, i)
		checkID(v, f+"id", x.ID, seen)
		v.Text(f+"name", x.Name, 200)
		v.Text(f+"unit", x.Unit, 50)
		if x.Billing != Prepaid && x.Billing != Postpaid {
			v.OneOf(f+"billing", string(x.Billing), string(Prepaid), string(Postpaid))
		}
		x.Scheme.validate(v, f+"scheme.", c)
	}
	seen = map[string]bool{}
	for i, m := range p.Metrics {
		f := fmt.Sprintf("%smetrics[%d].", pre, i)
		checkID(v, f+"id", m.ID, seen)
		v.Text(f+"key", m.Key, 100)
		v.Text(f+"name", m.Name, 200)
		v.Text(f+"unit", m.Unit, 50)
		switch {
		case m.Included.IsNegative():
			v.Add(f+"included", "negative", "must not be negative")
		case decimalPlaces(m.Included) > QuantityPlaces:
			v.Add(f+"included", "too_many_decimals", fmt.Sprintf("allows at most %d decimal places", QuantityPlaces))
		case m.Included.Cmp(money.DecimalFromInt(MaxBound)) > 0:
			v.Add(f+"included", "too_large", fmt.Sprintf("must be at most %d", MaxBound))
		}
		m.Scheme.validate(v, f+"scheme.", c)
	}
}

func checkID(v *validate.Collector, field, id string, seen map[string]bool) {
	switch {
	case id == "":
		v.Add(field, "required", "is required")
	case seen[id]:
		v.Add(field, "duplicate", "is used twice: "+id)
	default:
		v.Text(field, id, 100)
	}
	seen[id] = true
}

// Extra returns the extra resource with the given ID.
func (p PlanPrices) Extra(id string) (ExtraPrice, bool) {
	for _, x := range p.Extras {
		if x.ID == id {
			return x, true
		}
	}
	return ExtraPrice{}, false
}

// clone returns a deep copy of p.
func (p PlanPrices) clone() PlanPrices {
	if p.Extras != nil {
		xs := make([]ExtraPrice, len(p.Extras))
		for i, x := range p.Extras {
			x.Scheme = x.Scheme.clone()
			xs[i] = x
		}
		p.Extras = xs
	}
	if p.Metrics != nil {
		ms := make([]MetricPrice, len(p.Metrics))
		for i, m := range p.Metrics {
			m.Scheme = m.Scheme.clone()
			ms[i] = m
		}
		p.Metrics = ms
	}
	return p
}

// Rate rates a period's usage of the metric: the usage minus Included
// (never below zero) through the metric's scheme. Errors are those of
// Scheme.Rate.
func (m MetricPrice) Rate(usage money.Decimal) (Rating, error) {
	billable := usage.Sub(m.Included)
	if usage.IsNegative() {
		billable = usage // refused as negative by Rate
	} else if billable.IsNegative() {
		billable = money.Decimal{}
	}
	return m.Scheme.Rate(billable)
}
