package pricing

import (
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// QuoteInput is everything a quote depends on. Compute reads nothing else:
// no clock, no database.
type QuoteInput struct {
	Terms Terms `json:"terms"`
	// Prices are what the buyer pays, already resolved through the channel.
	Prices PlanPrices `json:"prices,omitzero"`
	// Bundle is set instead of Prices for a bundle plan.
	Bundle []BundleComponent `json:"bundle,omitempty"`
	// Quantities maps an extra resource ID to the quantity ordered. An
	// extra present in the map is bought at that quantity (0 buys nothing,
	// except a stairstep's base level when its first range starts at 0);
	// required extras missing from the map default to their scheme's
	// MinPurchase; other extras missing from it are not bought; unknown IDs
	// are refused.
	Quantities map[string]money.Decimal `json:"quantities,omitempty"`
	Coupon     *Coupon                  `json:"coupon,omitempty"`
	// Periods is the order duration in billing periods; 0 means the default
	// (MinPeriods, or the smallest of AllowedPeriods).
	Periods int `json:"periods,omitempty"`
	// Start is when the subscription would start, from the caller's clock.
	Start time.Time `json:"start"`
	// Trial quotes the plan's free trial (as long as an extended_trial
	// coupon makes it): the first period starts when the trial ends.
	// Without it the first period starts at Start.
	Trial bool `json:"trial,omitempty"`
}

// Quote is the priced order: the lines of the first invoice and the
// totals over the whole duration, all in Currency.
type Quote struct {
	Currency money.Currency `json:"currency"`
	// Lines are the lines of the first invoice, each rounded once: one-off
	// lines (setup fees) have no Period; lines charged every period have
	// Recurring set (for renewable plans) and the first Period.
	Lines []QuoteLine `json:"lines"`
	// FirstInvoice is what is due when the first period starts (after the
	// trial): one-offs + the first period's charges incl. prepaid extras,
	// after the coupon.
	FirstInvoice money.Amount `json:"first_invoice"`
	// RecurringPerPeriod is the charge of each renewal period after the
	// first, as it stands for the second period: it includes the coupon
	// exactly when the coupon still applies to the second period (see
	// CouponPeriods). Zero for plans that do not renew.
	RecurringPerPeriod money.Amount `json:"recurring_per_period"`
	// Total is the sum of the charges of every period of the duration.
	Total money.Amount `json:"total"`
	// Periods is the order duration in billing periods.
	Periods int `json:"periods"`
	// Renewable plans charge every period and renew at the end.
	Renewable bool `json:"renewable"`
	// PeriodStart and PeriodEnd bound the first period; End is the end of
	// the duration. PeriodEnd and End are zero for plans without a period
	// (everlasting, free without a period).
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end,omitzero"`
	End         time.Time `json:"end,omitzero"`
	// Savings are the bundle and coupon discounts over the whole duration
	// (coupon surcharges are not counted), ≥ 0.
	Savings money.Amount `json:"savings"`
	// CouponPeriods is the number of periods the coupon's price effect
	// applies to.
	CouponPeriods int `json:"coupon_periods,omitempty"`
	// RenewalCoupon is the coupon's line in the periods after the first
	// (computed on their recurring lines only), when it has one; which of
	// those periods it applies to follows the coupon's validity.
	RenewalCoupon *QuoteLine `json:"renewal_coupon,omitempty"`
	// Trial describes the trial before the first period; nil without one.
	Trial *TrialTerms `json:"trial,omitempty"`
	// Postpaid lists the postpaid extras and the metrics, billed in arrears
	// and left out of every total.
	Postpaid []PostpaidTerm `json:"postpaid,omitempty"`
}

// LineKind is the kind of a quote line.
type LineKind string

// The quote line kinds.
const (
	LineSetupFee        LineKind = "setup_fee"
	LineLicence         LineKind = "licence"
	LineIaaS            LineKind = "iaas"
	LineExtraResource   LineKind = "extra_resource"
	LineExtraSetupFee   LineKind = "extra_setup_fee"
	LineBundleComponent LineKind = "bundle_component" // a bundle component's licence, at list price
	LineBundleDiscount  LineKind = "bundle_discount"  // follows the line it discounts
	LineCouponDiscount  LineKind = "coupon_discount"
	LineCouponSurcharge LineKind = "coupon_surcharge" // a fixed_price coupon above the list price
)

// QuoteLine is one line of a quote.
type QuoteLine struct {
	Kind        LineKind `json:"kind"`
	Description string   `json:"description"`
	// ComponentPlanID names the bundle component a line belongs to.
	ComponentPlanID string `json:"component_plan_id,omitempty"`
	// ExtraID names the extra resource of extra and extra setup lines.
	ExtraID string `json:"extra_id,omitempty"`
	// Quantity is the quantity charged (1 for the licence and fees).
	Quantity money.Decimal `json:"quantity"`
	// UnitPrice is set when Amount is Quantity × UnitPrice rounded: the
	// licence, fees, per_unit extras, volume extras without a flat price.
	// It is zero for tiered, stairstep and package extras (see Breakdown),
	// and the rounded amount for discount lines.
	UnitPrice money.Decimal `json:"unit_price"`
	// Amount is the line's value rounded once with money.Round.
	Amount money.Amount `json:"amount"`
	// Recurring lines are charged again every period of a renewable plan.
	Recurring bool `json:"recurring"`
	// Period is the service period of lines charged per period (the first
	// one); nil for one-off lines and plans without a period.
	Period *Period `json:"period,omitempty"`
	// Breakdown details an extra resource's charge by range.
	Breakdown []RatingLine `json:"breakdown,omitempty"`
}

// TrialTerms describe the trial before the first period.
type TrialTerms struct {
	Days         int       `json:"days"`
	CardRequired bool      `json:"card_required"`
	EndsAt       time.Time `json:"ends_at"`
}

// PostpaidTerm is a postpaid extra resource or a metric, shown with its
// scheme and billed in arrears.
type PostpaidTerm struct {
	Kind            LineKind `json:"kind"` // extra_resource or "metric"
	ID              string   `json:"id"`
	Key             string   `json:"key,omitempty"`
	Name            string   `json:"name"`
	Unit            string   `json:"unit,omitempty"`
	ComponentPlanID string   `json:"component_plan_id,omitempty"`
	// Scheme is the price the buyer pays for the use of a period.
	Scheme Scheme `json:"scheme"`
	// Included is a metric's free quantity per period.
	Included money.Decimal `json:"included,omitzero"`
	// Quantity is the quantity ordered of a postpaid extra, if any, and
	// Estimate its charge per period at that quantity (rounded once). The
	// invoice rates the actual usage.
	Quantity money.Decimal `json:"quantity,omitzero"`
	Estimate money.Amount  `json:"estimate,omitzero"`
}

// LineMetric is the Kind of a metric's PostpaidTerm.
const LineMetric LineKind = "metric"

// Compute prices an order. The rules are in the package documentation.
//
// Errors: errs.FailedPrecondition contact_only for a contact-only plan;
// errs.Invalid validation_failed for invalid terms, prices, bundle or
// coupon definitions (paths "terms.min_periods", "prices.recurring",
// "bundle[1].discount_percent", "coupon.percent", "start");
// invalid_duration (field "periods"); coupon_not_yet_valid,
// coupon_expired, coupon_not_applicable (failed preconditions, field
// "coupon"); coupon_currency_mismatch (field "coupon");
// trial_not_available (field "type": a trial of a plan without one);
// unknown_extra,
// quantity_required, quantity_out_of_range, quantity_not_whole,
// quantity_not_on_step (field "quantities.<id>"); amount_overflow
// (wrapping money.ErrOverflow).
func Compute(in QuoteInput) (Quote, error) {
	t := in.Terms
	if t.Kind == PricingContactOnly {
		return Quote{}, errs.FailedPrecondition(CodeContactOnly, "this plan has no public price: contact the vendor for an offer")
	}
	if err := validateInput(in); err != nil {
		return Quote{}, err
	}
	periods, err := t.resolvePeriods(in.Periods)
	if err != nil {
		return Quote{}, err
	}
	parts := planParts(in)
	cur := parts[0].list.Currency
	trialDays, err := checkCoupon(in, cur)
	if err != nil {
		return Quote{}, err
	}
	if err := checkQuantityKeys(in.Quantities, parts); err != nil {
		return Quote{}, err
	}

	q := Quote{Currency: cur, Periods: periods, Renewable: t.renewable(), PeriodStart: in.Start}
	if trialDays > 0 {
		q.Trial = &TrialTerms{Days: trialDays, CardRequired: t.TrialCardRequired, EndsAt: in.Start.AddDate(0, 0, trialDays)}
		q.PeriodStart = q.Trial.EndsAt
	}
	b := &builder{cur: cur, terms: t, renew: q.Renewable}
	if t.periodic() {
		q.PeriodEnd = t.periodStart(q.PeriodStart, 1)
		q.End = t.periodStart(q.PeriodStart, periods)
		b.first = &Period{Start: q.PeriodStart, End: q.PeriodEnd}
	}
	for _, p := range parts {
		if err := b.addPlan(p, in.Quantities); err != nil {
			return Quote{}, err
		}
	}
	if err := b.totals(&q, in.Coupon, periods); err != nil {
		return Quote{}, err
	}
	return q, nil
}

func validateInput(in QuoteInput) error {
	v := validate.New()
	in.Terms.validate(v, "terms.")
	if len(in.Bundle) > 0 {
		p := in.Prices
		if !p.Currency.IsZero() || !p.Setup.IsZero() || !p.Recurring.IsZero() || !p.IaaS.IsZero() || len(p.Extras)+len(p.Metrics) > 0 {
			v.Add("prices", "not_applicable", "a bundle plan is priced by its components; leave prices empty")
		}
		validateBundle(v, "bundle", in.Bundle)
	} else {
		in.Prices.validate(v, "prices.", computed)
	}
	if in.Coupon != nil {
		in.Coupon.validate(v, "coupon.")
	}
	if in.Start.IsZero() {
		v.Add("start", "required", "is required")
	}
	return computedErr(v.Err())
}

// checkCoupon checks the coupon against the plan and returns the trial
// length in days.
func checkCoupon(in QuoteInput, cur money.Currency) (int, error) {
	days := in.Terms.TrialDays
	if in.Trial && days == 0 {
		return 0, invalidField(CodeTrialNotAvailable, "type", "this plan offers no trial")
	}
	if !in.Trial {
		days = 0
	}
	c := in.Coupon
	if c == nil {
		return days, nil
	}
	if err := c.CheckRedeemable(in.Start); err != nil {
		return 0, err
	}
	switch c.Kind {
	case CouponDiscountAmount:
		if c.Amount.Currency() != cur {
			return 0, invalidField(CodeCouponCurrencyMismatch, "coupon",
				"coupon "+c.Code+" is in "+c.Amount.Currency().Code()+" but the plan is priced in "+cur.Code())
		}
	case CouponExtendedTrial:
		if in.Terms.TrialDays == 0 {
			return 0, preconditionField(CodeCouponNotApplicable, "coupon", "this plan offers no trial to extend")
		}
		if !in.Trial {
			return 0, preconditionField(CodeCouponNotApplicable, "coupon", "an extended-trial coupon applies to a trial order")
		}
		days = c.TrialDays
	case CouponFixedPrice:
		if in.Terms.Kind == PricingFree {
			return 0, preconditionField(CodeCouponNotApplicable, "coupon", "a free plan has no licence price to replace")
		}
	}
	return days, nil
}

func checkQuantityKeys(qs map[string]money.Decimal, parts []planPart) error {
	for _, id := range sortedKeys(qs) {
		found := false
		for _, p := range parts {
			if _, ok := p.list.Extra(id); ok {
				found = true
				break
			}
		}
		if !found {
			return invalidField(CodeUnknownExtra, "quantities."+id, "the plan has no extra resource "+id)
		}
	}
	return nil
}
