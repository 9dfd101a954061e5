package pricing

import (
	"fmt"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// BundleComponent is one product plan of a bundle plan with its discount.
type BundleComponent struct {
	PlanID string     `json:"plan_id"`
	Name   string     `json:"name"`
	Prices PlanPrices `json:"prices"`
	// DiscountPercent is the component's bundle discount, 0..100.
	DiscountPercent money.Decimal `json:"discount_percent"`
}

// MinBundleComponents is the smallest number of plans in a bundle.
const MinBundleComponents = 2

// ValidateBundle checks a bundle's components and returns nil or an
// errs.Invalid with code validation_failed: at least two components
// (field "bundle", code too_few), each with a plan ID, valid prices
// ("bundle[1].prices.recurring"), a discount of 0..100 with at most 9
// decimal places ("bundle[0].discount_percent"), the first component's
// currency ("bundle[2].prices.currency", code currency_mismatch) and
// extra resource IDs unique across the bundle ("bundle[1].prices.extras[0].id",
// code duplicate). That components share a billing period is the
// caller's check: it passes one Terms for the bundle plan. Component
// prices are computed prices: beyond MaxComputedPriceText is
// amount_overflow (see computedErr).
func ValidateBundle(components []BundleComponent) error {
	v := validate.New()
	validateBundle(v, "bundle", components)
	return computedErr(v.Err())
}

func validateBundle(v *validate.Collector, field string, cs []BundleComponent) {
	if len(cs) < MinBundleComponents {
		v.Add(field, "too_few", fmt.Sprintf("a bundle has at least %d plans", MinBundleComponents))
	}
	extras := map[string]bool{}
	for i, c := range cs {
		p := fmt.Sprintf("%s[%d].", field, i)
		v.Required(p+"plan_id", c.PlanID)
		v.Text(p+"name", c.Name, 200)
		c.Prices.validate(v, p+"prices.", computed)
		switch {
		case c.DiscountPercent.IsNegative() || c.DiscountPercent.Cmp(hundred) > 0:
			v.Add(p+"discount_percent", "out_of_range", "must be between 0 and 100")
		case decimalPlaces(c.DiscountPercent) > money.MaxPricePlaces:
			v.Add(p+"discount_percent", "too_many_decimals", "allows at most 9 decimal places")
		}
		if i > 0 && !c.Prices.Currency.IsZero() && !cs[0].Prices.Currency.IsZero() && c.Prices.Currency != cs[0].Prices.Currency {
			v.Add(p+"prices.currency", "currency_mismatch",
				fmt.Sprintf("must be %s like the bundle's first plan", cs[0].Prices.Currency))
		}
		for j, x := range c.Prices.Extras {
			if x.ID != "" && extras[x.ID] && !v.Has(fmt.Sprintf("%sprices.extras[%d].id", p, j)) {
				v.Add(fmt.Sprintf("%sprices.extras[%d].id", p, j), "duplicate", "is used by another plan of the bundle: "+x.ID)
			}
		}
		for _, x := range c.Prices.Extras {
			extras[x.ID] = true
		}
	}
}

// Discounted returns the component's prices reduced by its discount: the
// setup fee, the licence price and every price of its extras' schemes
// (unit, flat, package prices and range setup fees) become
// money.RoundPrice(price × (100 − DiscountPercent) / 100). IaaS costs and
// metrics are not discounted. It returns ValidateBundle's field errors for
// this component alone (paths "prices.recurring", "discount_percent").
func (c BundleComponent) Discounted() (PlanPrices, error) {
	v := validate.New()
	c.Prices.validate(v, "prices.", computed)
	if c.DiscountPercent.IsNegative() || c.DiscountPercent.Cmp(hundred) > 0 || decimalPlaces(c.DiscountPercent) > money.MaxPricePlaces {
		v.Add("discount_percent", "out_of_range", "must be between 0 and 100 with at most 9 decimal places")
	}
	if err := computedErr(v.Err()); err != nil {
		return PlanPrices{}, err
	}
	return c.discounted(), nil
}

func (c BundleComponent) discounted() PlanPrices {
	cut := func(p money.Decimal) money.Decimal {
		return money.RoundPrice(p.Sub(p.Mul(c.DiscountPercent).Mul(hundredth)))
	}
	q := c.Prices.clone()
	q.Setup = cut(q.Setup)
	q.Recurring = cut(q.Recurring)
	for i := range q.Extras {
		q.Extras[i].Scheme = q.Extras[i].Scheme.mapPrices(cut, cut)
	}
	return q
}

// BundlePrice is the list and discounted price of a bundle plan without
// extras, for catalogue pages. Values are exact sums of unit prices
// (round them with money.Round to display them).
type BundlePrice struct {
	Currency      money.Currency `json:"currency"`
	ListSetup     money.Decimal  `json:"list_setup"`
	Setup         money.Decimal  `json:"setup"`
	ListRecurring money.Decimal  `json:"list_recurring"`
	Recurring     money.Decimal  `json:"recurring"`
}

// PriceBundle returns the bundle's price: the sum of its components'
// discounted setup fees and licence prices, next to the list sums. Errors
// are ValidateBundle's.
func PriceBundle(components []BundleComponent) (BundlePrice, error) {
	if err := ValidateBundle(components); err != nil {
		return BundlePrice{}, err
	}
	b := BundlePrice{Currency: components[0].Prices.Currency}
	for _, c := range components {
		dp := c.discounted()
		b.ListSetup = b.ListSetup.Add(c.Prices.Setup)
		b.ListRecurring = b.ListRecurring.Add(c.Prices.Recurring)
		b.Setup = b.Setup.Add(dp.Setup)
		b.Recurring = b.Recurring.Add(dp.Recurring)
	}
	return b, nil
}
