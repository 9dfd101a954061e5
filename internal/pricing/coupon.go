package pricing

import (
	"fmt"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// CouponKind is what a coupon does.
type CouponKind string

// The coupon kinds.
const (
	// CouponDiscountPercent reduces the lines of its scope by Percent.
	CouponDiscountPercent CouponKind = "discount_percent"
	// CouponDiscountAmount subtracts Amount per period from the lines of its
	// scope, never below zero.
	CouponDiscountAmount CouponKind = "discount_amount"
	// CouponFixedPrice replaces the licence price per period by FixedPrice
	// (a private deal). It may raise the price: the difference is then a
	// coupon_surcharge line.
	CouponFixedPrice CouponKind = "fixed_price"
	// CouponExtendedTrial replaces the plan's trial length by TrialDays; it
	// changes no price and needs a plan that offers trials.
	CouponExtendedTrial CouponKind = "extended_trial"
)

// CouponScope is which lines a discount coupon reduces.
type CouponScope string

// The coupon scopes. Setup fees (the plan's and the extras') are in scope
// only for ScopeTotal; postpaid extras and metrics are never in a quote's
// scope (they are billed in arrears, see Quote.Postpaid).
const (
	ScopeLicence       CouponScope = "licence"        // the licence (and its bundle discounts)
	ScopeLicenceExtras CouponScope = "licence_extras" // the licence and the prepaid extras
	ScopeTotal         CouponScope = "total"          // everything quoted, IaaS and setup fees included
)

// Coupon is a redeemed coupon code's pricing effect. Budgets, one-time
// use and targeting are the order domain's business.
type Coupon struct {
	Code string     `json:"code"`
	Kind CouponKind `json:"kind"`
	// Scope is the scope of discount coupons; empty means licence. A
	// fixed_price coupon always concerns the licence.
	Scope CouponScope `json:"scope,omitempty"`
	// Percent is the discount_percent rate: 0 < Percent ≤ 100.
	Percent money.Decimal `json:"percent,omitzero"`
	// Amount is the discount_amount per period, in the plan's currency.
	Amount money.Amount `json:"amount,omitzero"`
	// FixedPrice replaces the licence price per period (fixed_price).
	FixedPrice money.Decimal `json:"fixed_price,omitzero"`
	// TrialDays is the extended trial length (extended_trial), 1..3650.
	TrialDays int `json:"trial_days,omitempty"`
	// ValidFrom and ValidUntil bound the redemption window
	// [ValidFrom, ValidUntil); a zero time is unbounded. A discount applies
	// to every period of the order that starts before ValidUntil.
	ValidFrom  time.Time `json:"valid_from,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	// FunderOrgID is the party whose price the discount comes out of (the
	// coupon's creator). Pricing ignores it; settlement uses it.
	FunderOrgID string `json:"funder_org_id,omitempty"`
}

var hundred = money.DecimalFromInt(100)

// Validate checks the coupon's definition and returns nil or an
// errs.Invalid with code validation_failed and field paths "code", "kind",
// "scope", "percent", "amount", "fixed_price", "trial_days",
// "valid_until". Fields another kind uses must be left empty
// (not_applicable).
func (c Coupon) Validate() error {
	v := validate.New()
	c.validate(v, "")
	return v.Err()
}

func (c Coupon) validate(v *validate.Collector, p string) {
	if v.Required(p+"code", c.Code) {
		v.Text(p+"code", c.Code, 64)
	}
	switch c.Kind {
	case CouponDiscountPercent, CouponDiscountAmount, CouponFixedPrice, CouponExtendedTrial:
	default:
		v.OneOf(p+"kind", string(c.Kind), string(CouponDiscountPercent), string(CouponDiscountAmount),
			string(CouponFixedPrice), string(CouponExtendedTrial))
	}
	switch c.Scope {
	case "", ScopeLicence, ScopeLicenceExtras, ScopeTotal:
		if c.Kind == CouponFixedPrice && c.Scope != "" && c.Scope != ScopeLicence {
			v.Add(p+"scope", "not_applicable", "a fixed_price coupon concerns the licence only")
		}
	default:
		v.OneOf(p+"scope", string(c.Scope), string(ScopeLicence), string(ScopeLicenceExtras), string(ScopeTotal))
	}
	na := func(field string, set bool) {
		if set {
			v.Add(p+field, "not_applicable", fmt.Sprintf("is not used by a %s coupon; leave it empty", c.Kind))
		}
	}
	if c.Kind == CouponDiscountPercent {
		switch {
		case c.Percent.Sign() <= 0 || c.Percent.Cmp(hundred) > 0:
			v.Add(p+"percent", "out_of_range", "must be greater than 0 and at most 100")
		case decimalPlaces(c.Percent) > money.MaxPricePlaces:
			v.Add(p+"percent", "too_many_decimals", "allows at most 9 decimal places")
		}
	} else {
		na("percent", !c.Percent.IsZero())
	}
	if c.Kind == CouponDiscountAmount {
		switch {
		case c.Amount.Currency().IsZero():
			v.Add(p+"amount", "required", "is required, with its currency")
		case !c.Amount.IsPositive():
			v.Add(p+"amount", "not_positive", "must be greater than 0")
		}
	} else {
		na("amount", !c.Amount.IsZero())
	}
	if c.Kind == CouponFixedPrice {
		checkPrice(v, p+"fixed_price", c.FixedPrice, entered)
	} else {
		na("fixed_price", !c.FixedPrice.IsZero())
	}
	if c.Kind == CouponExtendedTrial {
		if c.TrialDays < 1 || c.TrialDays > MaxTrialDays {
			v.Add(p+"trial_days", "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxTrialDays))
		}
	} else {
		na("trial_days", c.TrialDays != 0)
	}
	if !c.ValidFrom.IsZero() && !c.ValidUntil.IsZero() && !c.ValidUntil.After(c.ValidFrom) {
		v.Add(p+"valid_until", "before_valid_from", "must be after valid_from")
	}
}

// CheckRedeemable reports whether the coupon can be redeemed at at: nil,
// or an errs.FailedPrecondition with code coupon_not_yet_valid (at before
// ValidFrom) or coupon_expired (at at or after ValidUntil), field
// "coupon".
func (c Coupon) CheckRedeemable(at time.Time) error {
	if !c.ValidFrom.IsZero() && at.Before(c.ValidFrom) {
		return preconditionField(CodeCouponNotYetValid, "coupon",
			fmt.Sprintf("coupon %s is valid from %s", c.Code, c.ValidFrom.UTC().Format(time.RFC3339)))
	}
	if !c.ValidUntil.IsZero() && !at.Before(c.ValidUntil) {
		return preconditionField(CodeCouponExpired, "coupon",
			fmt.Sprintf("coupon %s expired at %s", c.Code, c.ValidUntil.UTC().Format(time.RFC3339)))
	}
	return nil
}

// AppliesTo reports whether the coupon's discount applies to a period
// starting at periodStart: it does unless the period starts at or after
// ValidUntil. Extended-trial coupons change no price and never apply.
func (c Coupon) AppliesTo(periodStart time.Time) bool {
	if c.Kind == CouponExtendedTrial {
		return false
	}
	return c.ValidUntil.IsZero() || periodStart.Before(c.ValidUntil)
}

func (c Coupon) scope() CouponScope {
	if c.Scope == "" || c.Kind == CouponFixedPrice {
		return ScopeLicence
	}
	return c.Scope
}

// inScope reports whether a line of class k is in the coupon's scope.
func (c Coupon) inScope(k chargeClass) bool {
	switch c.scope() {
	case ScopeTotal:
		return true
	case ScopeLicenceExtras:
		return k == classLicence || k == classExtra
	}
	return k == classLicence
}

// adjustment returns the coupon's line for one period: the lines charged
// in that period are given (one-offs only in the first). ok is false when
// the coupon changes nothing.
func (c Coupon) adjustment(lines []draft, cur money.Currency) (l QuoteLine, ok bool, err error) {
	var raw money.Decimal
	var scoped []money.Amount
	for _, x := range lines {
		if c.inScope(x.class) {
			raw = raw.Add(x.raw)
			scoped = append(scoped, x.line.Amount)
		}
	}
	subtotal, err := money.Sum(cur, scoped...)
	if err != nil {
		return QuoteLine{}, false, asOverflow(err, "coupon subtotal")
	}
	l = QuoteLine{Kind: LineCouponDiscount, Description: "Coupon " + c.Code, Quantity: one, Recurring: true}
	switch c.Kind {
	case CouponDiscountPercent:
		l.Description += fmt.Sprintf(" (-%s %%)", c.Percent)
		l.Amount, err = money.Round(raw.Mul(c.Percent).Mul(hundredth).Neg(), cur)
	case CouponDiscountAmount:
		l.Description += " (-" + c.Amount.String() + " " + cur.Code() + ")"
		l.Amount = money.NewAmount(-min(c.Amount.Minor(), max(subtotal.Minor(), 0)), cur)
	case CouponFixedPrice:
		l.Description += " (fixed price " + c.FixedPrice.String() + ")"
		l.Amount, err = money.Round(c.FixedPrice.Sub(raw), cur)
		if l.Amount.IsPositive() {
			l.Kind = LineCouponSurcharge
		}
	default:
		return QuoteLine{}, false, nil
	}
	if err != nil {
		return QuoteLine{}, false, asOverflow(err, "coupon discount")
	}
	// A discount never takes more than the rounded lines it reduces: a
	// 100 % coupon leaves exactly zero even when the percentage of the
	// unrounded values rounds a cent above the sum of the rounded lines.
	if l.Amount.Minor() < -max(subtotal.Minor(), 0) {
		l.Amount = money.NewAmount(-max(subtotal.Minor(), 0), cur)
	}
	l.UnitPrice = l.Amount.Decimal()
	return l, !l.Amount.IsZero(), nil
}
