package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// CouponUse is the context a coupon code is used in.
type CouponUse struct {
	Code string
	Plan Plan
	// BuyerOrgID is the customer buying; empty for an anonymous quote.
	BuyerOrgID string
	// SellerOrgID is the organization whose catalog sells (the marketplace
	// owner), for anonymous quotes.
	SellerOrgID string
	// At is when the coupon is used (the business time).
	At time.Time
}

func couponRefused(code, msg string) error {
	return errs.Invalid(code, msg, errs.Field("coupon", code, msg))
}

// CheckCoupon finds the coupon of use.Code and checks it applies: active,
// within its validity window, for this plan, from an owner that may
// discount it for this buyer, in the plan's currency, not used up. It
// returns the coupon and its pricing terms. Refusals are invalid-input
// errors on the field "coupon" with a specific code (coupon_not_found,
// coupon_disabled, coupon_not_yet_valid, coupon_expired,
// coupon_not_applicable, coupon_currency_mismatch, coupon_used_up,
// coupon_budget_spent).
func (s *Service) CheckCoupon(ctx context.Context, use CouponUse) (Coupon, pricing.Coupon, error) {
	code := strings.ToUpper(strings.TrimSpace(use.Code))
	c, err := db.Get(ctx, s.db, scanCoupon, `SELECT `+couponColumns+` FROM coupons c WHERE c.code = $1`, code)
	if errors.Is(err, db.ErrNoRows) || (err == nil && !couponCodeRE.MatchString(code)) {
		return c, pricing.Coupon{}, couponRefused("coupon_not_found", "no coupon has this code")
	}
	if err != nil {
		return c, pricing.Coupon{}, err
	}
	c.Plans, err = db.Select(ctx, s.db, func(sc db.Scanner) (string, error) {
		var l string
		return l, sc.Scan(&l)
	}, `SELECT plan_lineage FROM coupon_plans WHERE coupon_id = $1`, c.ID)
	if err != nil {
		return c, pricing.Coupon{}, err
	}
	switch {
	case c.Status != "active":
		return c, pricing.Coupon{}, couponRefused("coupon_disabled", "this coupon is no longer valid")
	case c.ValidFrom != nil && use.At.Before(*c.ValidFrom):
		return c, pricing.Coupon{}, couponRefused("coupon_not_yet_valid", "this coupon is valid from "+c.ValidFrom.Format("2 Jan 2006"))
	case c.ValidUntil != nil && !use.At.Before(*c.ValidUntil):
		return c, pricing.Coupon{}, couponRefused("coupon_expired", "this coupon expired on "+c.ValidUntil.Format("2 Jan 2006"))
	case len(c.Plans) > 0 && !slices.Contains(c.Plans, use.Plan.LineageID):
		return c, pricing.Coupon{}, couponRefused("coupon_not_applicable", "this coupon is for other plans")
	case c.MaxRedemptions != nil && c.Redemptions >= *c.MaxRedemptions:
		return c, pricing.Coupon{}, couponRefused("coupon_used_up", "this coupon has been used up")
	}
	if (c.Kind == pricing.CouponDiscountAmount || c.Kind == pricing.CouponFixedPrice) && c.Currency != use.Plan.Currency.Code() {
		return c, pricing.Coupon{}, couponRefused("coupon_currency_mismatch", "this coupon is in "+c.Currency+", the plan in "+use.Plan.Currency.Code())
	}
	if c.Kind == pricing.CouponExtendedTrial && use.Plan.TrialDays == 0 {
		return c, pricing.Coupon{}, couponRefused("coupon_not_applicable", "this plan has no trial to extend")
	}
	if ok, err := s.ownerMayDiscount(ctx, c, use); err != nil || !ok {
		if err != nil {
			return c, pricing.Coupon{}, err
		}
		return c, pricing.Coupon{}, couponRefused("coupon_not_applicable", "this coupon does not apply to this purchase")
	}
	if c.TargetEmail != "" {
		var addressed bool
		if use.BuyerOrgID != "" {
			if addressed, err = s.identity.HasUser(ctx, use.BuyerOrgID, c.TargetEmail); err != nil {
				return c, pricing.Coupon{}, err
			}
		}
		if !addressed {
			return c, pricing.Coupon{}, couponRefused("coupon_not_applicable", "this coupon was issued to someone else")
		}
	}
	if c.Budget != nil {
		draw, err := trialDraw(use.Plan, c.TrialDays, c.Budget.Currency())
		if err != nil {
			return c, pricing.Coupon{}, err
		}
		left, err := c.Budget.Sub(*c.BudgetUsed)
		if err != nil {
			return c, pricing.Coupon{}, err
		}
		if cmp, _ := draw.Cmp(left); cmp > 0 {
			return c, pricing.Coupon{}, couponRefused("coupon_budget_spent", "this coupon's budget is spent")
		}
	}
	return c, c.Pricing(), nil
}

// Pricing returns the coupon's terms for the pricing engine.
func (c Coupon) Pricing() pricing.Coupon {
	pc := pricing.Coupon{Code: c.Code, Kind: c.Kind, Scope: c.Scope, Percent: c.Percent, FixedPrice: c.FixedPrice, TrialDays: c.TrialDays,
		FunderOrgID: c.OwnerOrgID}
	if c.Amount != nil {
		pc.Amount = *c.Amount
	}
	if c.ValidFrom != nil {
		pc.ValidFrom = *c.ValidFrom
	}
	if c.ValidUntil != nil {
		pc.ValidUntil = *c.ValidUntil
	}
	return pc
}

// ownerMayDiscount applies who may discount what: the operator anything; a
// vendor its own products; a distributor or reseller products it offers,
// to buyers in its channel.
func (s *Service) ownerMayDiscount(ctx context.Context, c Coupon, use CouponUse) (bool, error) {
	var productOwner string
	owner, _, err := s.identity.Org(ctx, c.OwnerOrgID)
	if err != nil {
		return false, err
	}
	if err := s.db.QueryRow(ctx, `SELECT owner_org_id FROM products WHERE id = $1`, use.Plan.ProductID).Scan(&productOwner); err != nil {
		return false, err
	}
	switch owner.Kind {
	case identity.Operator:
		return true, nil
	case identity.VendorOrg:
		return productOwner == c.OwnerOrgID, nil
	}
	// A channel party's coupon: the buyer (or the selling marketplace) must
	// be in its channel, and it must offer the product.
	within := use.BuyerOrgID
	if within == "" {
		within = use.SellerOrgID
	}
	if in, err := s.identity.Within(ctx, c.OwnerOrgID, within); err != nil || !in {
		return false, err
	}
	return s.mayDiscount(ctx, c.OwnerOrgID, use.Plan.ProductID, productOwner)
}

// trialDraw is what one extended trial costs a coupon's budget: the plan's
// infrastructure cost per billing period, prorated to the trial's days
// (a month counts 30 days), rounded once.
func trialDraw(p Plan, days int, cur money.Currency) (money.Amount, error) {
	if p.IaaSCost.IsZero() {
		return money.NewAmount(0, cur), nil
	}
	periodDays := money.DecimalFromInt(int64(30 * p.PeriodCount))
	if p.PeriodUnit == "hour" {
		var err error
		if periodDays, err = money.DecimalFromInt(int64(p.PeriodCount)).Div(money.DecimalFromInt(24), 9); err != nil {
			return money.Amount{}, err
		}
	}
	perDay, err := p.IaaSCost.Div(periodDays, 18)
	if err != nil {
		return money.Amount{}, err
	}
	return money.Round(perDay.Mul(money.DecimalFromInt(int64(days))), cur)
}

// Redemption records one use of a coupon.
type Redemption struct {
	ID            string       `json:"id"`
	CouponID      string       `json:"coupon_id"`
	CustomerOrgID string       `json:"customer_org_id"`
	PlanID        string       `json:"plan_id"`
	Reference     string       `json:"reference"`
	Drawn         money.Amount `json:"drawn"`
	CreatedAt     time.Time    `json:"created_at"`
}

// RedeemCoupon uses a coupon for a purchase (in the transaction of ctx,
// with the order that uses it). Limits hold under concurrency: the
// redemption count and the budget are updated by one conditional statement,
// so of two orders racing for a one-time coupon exactly one wins; the other
// gets coupon_used_up (or coupon_budget_spent).
func (s *Service) RedeemCoupon(ctx context.Context, use CouponUse, reference string) (Redemption, error) {
	if use.BuyerOrgID == "" {
		return Redemption{}, errs.Invalid("validation_failed", "a coupon is redeemed by a customer", errs.Field("customer_org_id", "required", "is required"))
	}
	var out Redemption
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		c, _, err := s.CheckCoupon(ctx, use)
		if err != nil {
			return err
		}
		cur := use.Plan.Currency
		if c.Budget != nil {
			cur = c.Budget.Currency()
		}
		drawn, err := money.Amount{}, error(nil)
		if c.Budget != nil {
			if drawn, err = trialDraw(use.Plan, c.TrialDays, cur); err != nil {
				return err
			}
		} else {
			drawn = money.NewAmount(0, cur)
		}
		n, err := s.db.Exec(ctx, `UPDATE coupons SET redemptions = redemptions + 1, budget_used_minor = budget_used_minor + $2, updated_at = $3
			WHERE id = $1 AND status = 'active' AND (max_redemptions IS NULL OR redemptions < max_redemptions)
			AND (budget_minor IS NULL OR budget_used_minor + $2 <= budget_minor)`, c.ID, drawn.Minor(), s.db.Now(ctx))
		if err != nil {
			return fmt.Errorf("redeem coupon: %w", err)
		}
		if n == 0 {
			if c.Budget != nil {
				return couponRefused("coupon_budget_spent", "this coupon's budget is spent")
			}
			return couponRefused("coupon_used_up", "this coupon has been used up")
		}
		out = Redemption{ID: ids.New(RedeemKind), CouponID: c.ID, CustomerOrgID: use.BuyerOrgID, PlanID: use.Plan.ID, Reference: reference,
			Drawn: drawn, CreatedAt: s.db.Now(ctx)}
		if _, err := s.db.Exec(ctx, `INSERT INTO coupon_redemptions (id, coupon_id, customer_org_id, plan_id, reference, drawn_minor, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, out.ID, out.CouponID, out.CustomerOrgID, out.PlanID, out.Reference, drawn.Minor(), out.CreatedAt); err != nil {
			return fmt.Errorf("record redemption: %w", err)
		}
		return s.rec.Record(ctx, "coupon.redeem", "coupon", c.ID, c.OwnerOrgID, map[string]audit.Change{"redemptions": {From: c.Redemptions, To: c.Redemptions + 1}},
			"coupon.redeemed", out)
	})
	return out, err
}

// ReleaseRedemptions gives back what the purchase named reference drew
// from coupons (an order rejected before it started): the redemption count
// and the budget are restored and the redemptions deleted.
func (s *Service) ReleaseRedemptions(ctx context.Context, reference string) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		type drawn struct {
			id, coupon string
			minor      int64
		}
		rows, err := db.Select(ctx, s.db, func(sc db.Scanner) (drawn, error) {
			var d drawn
			return d, sc.Scan(&d.id, &d.coupon, &d.minor)
		}, `SELECT id, coupon_id, drawn_minor FROM coupon_redemptions WHERE reference = $1`, reference)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := s.db.Exec(ctx, `UPDATE coupons SET redemptions = redemptions - 1, budget_used_minor = budget_used_minor - $2, updated_at = $3 WHERE id = $1`,
				r.coupon, r.minor, s.db.Now(ctx)); err != nil {
				return err
			}
			if _, err := s.db.Exec(ctx, `DELETE FROM coupon_redemptions WHERE id = $1`, r.id); err != nil {
				return err
			}
			var owner string
			if err := s.db.QueryRow(ctx, `SELECT owner_org_id FROM coupons WHERE id = $1`, r.coupon).Scan(&owner); err != nil {
				return err
			}
			if err := s.rec.Record(ctx, "coupon.release", "coupon", r.coupon, owner, map[string]audit.Change{"redemption": {From: r.id}}, "coupon.released",
				map[string]string{"coupon_id": r.coupon, "reference": reference}); err != nil {
				return err
			}
		}
		return nil
	})
}
