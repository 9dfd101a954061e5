package pricing

import (
	"fmt"

	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// ChainLevel is one party of the channel below the vendor (the marketplace
// owner setting wholesale prices, a distributor's sell-in, a reseller's
// sell-out) with how it prices the plan over what it buys at.
type ChainLevel struct {
	// OrgID identifies the party, for the caller; pricing ignores it.
	OrgID string `json:"org_id"`
	// Markups are the party's markups over what it buys at.
	Markups ChargeMarkups `json:"markups"`
	// Override, when set, is applied after the markups: its prices win.
	Override *PlanPriceOverride `json:"override,omitempty"`
}

// ResolveChain returns the prices at each level of the channel, top-down:
// index 0 is the vendor's list price and index i+1 what levels[i] sells at
// (its markups over index i, then its override). What a level buys at is
// the previous level's sell price, so len(result) == len(levels)+1.
//
// It is pure; the channel domain loads the levels. Prices are computed
// prices (see MaxComputedPriceText): a marked-up price may exceed what a
// user may enter. Errors are errs.Invalid with code validation_failed
// whose field paths are prefixed with "vendor." (an invalid vendor price)
// or "levels[i]." (a level's markups or override, e.g.
// "levels[1].markups.recurring.value", "levels[2].override.setup"), and
// amount_overflow (wrapping money.ErrOverflow) with a path such as
// "levels[0].recurring" for a price beyond MaxComputedPriceText.
func ResolveChain(vendor PlanPrices, levels []ChainLevel) ([]PlanPrices, error) {
	v := validate.New()
	vendor.validate(v, "", computed)
	if err := computedErr(v.Err()); err != nil {
		return nil, prefixed(err, "vendor.")
	}
	out := make([]PlanPrices, 0, len(levels)+1)
	out = append(out, vendor.clone())
	for i, l := range levels {
		pre := fmt.Sprintf("levels[%d].", i)
		next, err := out[i].WithMarkups(l.Markups)
		if err != nil {
			return nil, prefixed(err, pre)
		}
		if l.Override != nil {
			if next, err = next.WithOverride(*l.Override); err != nil {
				return nil, prefixed(err, pre)
			}
		}
		out = append(out, next)
	}
	return out, nil
}
