package catalog

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Coupon usages: a one-time coupon is redeemed once overall (whoever holds
// the code); a reusable one until it expires or reaches its limit.
const (
	OneTime  = "one_time"
	Reusable = "reusable"
)

// Coupon is a code that changes a price or a trial, created by an admin, a
// vendor (for its own plans) or a reseller (for what it offers).
type Coupon struct {
	ID         string              `json:"id"`
	Code       string              `json:"code"`
	OwnerOrgID string              `json:"owner_org_id"`
	Kind       pricing.CouponKind  `json:"kind"`
	Scope      pricing.CouponScope `json:"scope"`
	Percent    money.Decimal       `json:"percent"`
	// Amount is the discount of a discount_amount coupon, per period.
	Amount *money.Amount `json:"amount,omitempty"`
	// FixedPrice replaces the licence price per period (fixed_price).
	FixedPrice money.Decimal `json:"fixed_price"`
	// Currency of Amount and FixedPrice.
	Currency       string `json:"currency,omitempty"`
	TrialDays      int    `json:"trial_days"`
	Usage          string `json:"usage"`
	MaxRedemptions *int   `json:"max_redemptions,omitempty"`
	Redemptions    int    `json:"redemptions"`
	// Budget bounds an extended-trial coupon: each use draws the trial's
	// infrastructure cost; refused when spent.
	Budget      *money.Amount `json:"budget,omitempty"`
	BudgetUsed  *money.Amount `json:"budget_used,omitempty"`
	TargetEmail string        `json:"target_email,omitempty"`
	ValidFrom   *time.Time    `json:"valid_from,omitempty"`
	ValidUntil  *time.Time    `json:"valid_until,omitempty"`
	// Plans restricts the coupon to these plan lineages; empty means every
	// plan its owner may discount.
	Plans     []string  `json:"plans"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

const couponColumns = `c.id, c.code, c.owner_org_id, c.kind, c.scope, c.percent, c.amount_minor, c.currency, c.fixed_price, c.trial_days,
	c.usage, c.max_redemptions, c.redemptions, c.budget_minor, c.budget_used_minor, c.target_email, c.valid_from, c.valid_until,
	c.status, c.created_at, c.updated_at`

func scanCoupon(s db.Scanner) (Coupon, error) {
	var c Coupon
	var amount, used int64
	var budget *int64
	err := s.Scan(&c.ID, &c.Code, &c.OwnerOrgID, &c.Kind, &c.Scope, &c.Percent, &amount, &c.Currency, &c.FixedPrice, &c.TrialDays,
		&c.Usage, &c.MaxRedemptions, &c.Redemptions, &budget, &used, &c.TargetEmail, &c.ValidFrom, &c.ValidUntil,
		&c.Status, &c.CreatedAt, &c.UpdatedAt)
	if err != nil || c.Currency == "" {
		return c, err
	}
	cur, err := money.ParseCurrency(c.Currency)
	if err != nil {
		return c, fmt.Errorf("coupon %s: %w", c.ID, err)
	}
	if c.Kind == pricing.CouponDiscountAmount {
		a := money.NewAmount(amount, cur)
		c.Amount = &a
	}
	if budget != nil {
		b, u := money.NewAmount(*budget, cur), money.NewAmount(used, cur)
		c.Budget, c.BudgetUsed = &b, &u
	}
	return c, nil
}

var (
	errCouponNotFound = errs.NotFound("coupon_not_found", "no such coupon")
	couponCodeRE      = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{2,39}$`)
)

// CouponInput creates (or, for the mutable fields, changes) a coupon.
type CouponInput struct {
	Code           string
	Kind           string
	Scope          string
	Percent        money.Decimal
	Amount         money.Decimal
	FixedPrice     money.Decimal
	Currency       string
	TrialDays      int
	Usage          string
	MaxRedemptions *int
	Budget         *money.Decimal
	TargetEmail    string
	ValidFrom      *time.Time
	ValidUntil     *time.Time
	Plans          []string
}

// CreateCoupon creates a coupon owned by the caller's organization. A code
// is generated when none is given. Vendors restrict coupons to their own
// plans, resellers and distributors to plans they offer.
func (s *Service) CreateCoupon(ctx context.Context, in CouponInput) (Coupon, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Coupon{}, err
	}
	if !identity.May(a, identity.CouponManagement) {
		return Coupon{}, errs.Forbidden("permission_denied", "creating coupons needs the coupon management function")
	}
	c, err := newCoupon(a.OrgID, in)
	if err != nil {
		return Coupon{}, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if c.Plans, err = s.couponPlans(ctx, a, in.Plans); err != nil {
			return err
		}
		return s.insertCoupon(ctx, &c)
	})
	return c, err
}

// newCoupon is the active coupon in describes, owned by organization
// owner, once its input is valid: a code (generated when none is given),
// its kind, scope and usage, its value and its window.
func newCoupon(owner string, in CouponInput) (Coupon, error) {
	v := validate.New()
	c := Coupon{OwnerOrgID: owner, Kind: pricing.CouponKind(in.Kind), Scope: pricing.CouponScope(in.Scope), Usage: in.Usage,
		TrialDays: in.TrialDays, MaxRedemptions: in.MaxRedemptions, Status: "active", ValidFrom: in.ValidFrom, ValidUntil: in.ValidUntil,
		Percent: in.Percent, FixedPrice: in.FixedPrice}
	c.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	if c.Code == "" {
		c.Code = randomCode()
	} else if !couponCodeRE.MatchString(c.Code) {
		v.Add("code", "invalid_code", "3 to 40 letters, digits, - or _")
	}
	v.OneOf("kind", in.Kind, string(pricing.CouponDiscountPercent), string(pricing.CouponDiscountAmount), string(pricing.CouponFixedPrice), string(pricing.CouponExtendedTrial))
	checkCouponUse(v, &c)
	cur := couponCurrency(v, &c, in)
	checkCouponValue(v, &c, in, cur)
	c.TargetEmail = v.OptionalEmail("target_email", in.TargetEmail)
	if c.ValidFrom != nil && c.ValidUntil != nil && !c.ValidUntil.After(*c.ValidFrom) {
		v.Add("valid_until", "out_of_range", "must be after valid_from")
	}
	if len(in.Plans) > 100 {
		v.Add("plans", "too_many", "at most 100 plans")
	}
	if err := v.Err(); err != nil {
		return Coupon{}, err
	}
	return c, nil
}

// checkCouponUse defaults and checks what a coupon applies to and how
// often: the licence by default, reusable by default, a one-time coupon
// redeemed at most once.
func checkCouponUse(v *validate.Collector, c *Coupon) {
	if c.Scope == "" {
		c.Scope = pricing.ScopeLicence
	}
	v.OneOf("scope", string(c.Scope), string(pricing.ScopeLicence), string(pricing.ScopeLicenceExtras), string(pricing.ScopeTotal))
	if c.Usage == "" {
		c.Usage = Reusable
	}
	v.OneOf("usage", c.Usage, OneTime, Reusable)
	if c.Usage == OneTime {
		one := 1
		c.MaxRedemptions = &one
	} else if c.MaxRedemptions != nil && (*c.MaxRedemptions < 1 || *c.MaxRedemptions > 1_000_000) {
		v.Add("max_redemptions", "out_of_range", "1 to 1,000,000")
	}
}

// couponCurrency is the currency of a coupon with money in it (an amount
// off, a fixed price, an extended trial's budget); zero for the others, or
// when the code given is unknown.
func couponCurrency(v *validate.Collector, c *Coupon, in CouponInput) money.Currency {
	var cur money.Currency
	needsCurrency := c.Kind == pricing.CouponDiscountAmount || c.Kind == pricing.CouponFixedPrice || (c.Kind == pricing.CouponExtendedTrial && in.Budget != nil)
	if needsCurrency {
		var err error
		cur, err = money.ParseCurrency(strings.ToUpper(strings.TrimSpace(in.Currency)))
		if err != nil {
			v.Add("currency", "invalid_currency", "a known ISO 4217 code is required for this kind of coupon")
		}
		c.Currency = cur.Code()
	}
	return cur
}

// checkCouponValue checks what each kind of coupon gives: a percent off,
// an amount off in cur, a fixed price, or a trial's length and budget.
func checkCouponValue(v *validate.Collector, c *Coupon, in CouponInput, cur money.Currency) {
	switch c.Kind {
	case pricing.CouponDiscountPercent:
		if !c.Percent.IsPositive() || c.Percent.Cmp(money.DecimalFromInt(100)) > 0 {
			v.Add("percent", "out_of_range", "a discount is more than 0 and at most 100 percent")
		}
	case pricing.CouponDiscountAmount:
		if !in.Amount.IsPositive() {
			v.Add("amount", "out_of_range", "must be more than zero")
		} else if !cur.IsZero() {
			c.Amount = couponAmount(v, in.Amount, cur)
		}
	case pricing.CouponFixedPrice:
		checkPrice(v, "fixed_price", c.FixedPrice)
	case pricing.CouponExtendedTrial:
		if c.TrialDays < 1 || c.TrialDays > 365 {
			v.Add("trial_days", "out_of_range", "an extended trial lasts 1 to 365 days")
		}
		if in.Budget != nil && !cur.IsZero() {
			c.Budget, c.BudgetUsed = couponBudget(v, *in.Budget, cur)
		}
	}
}

// couponAmount is a discount_amount coupon's amount off in cur, which
// must have no more decimals than cur has and fit the largest amount.
func couponAmount(v *validate.Collector, d money.Decimal, cur money.Currency) *money.Amount {
	amt, err := money.ParseAmount(d.String(), cur)
	switch {
	case err != nil && !errors.Is(err, money.ErrOverflow):
		v.Add("amount", "too_many_decimals", err.Error())
	case err != nil || money.CheckAmount(d) != nil:
		v.Add("amount", "too_large", "must be at most "+money.MaxAmountText)
	}
	return &amt
}

// couponBudget is an extended-trial coupon's budget in cur, none of it
// used yet; nil when it is not a positive amount in cur.
func couponBudget(v *validate.Collector, d money.Decimal, cur money.Currency) (budget, used *money.Amount) {
	b, err := money.ParseAmount(d.String(), cur)
	switch {
	case err != nil && !errors.Is(err, money.ErrOverflow):
		v.Add("budget", "too_many_decimals", err.Error())
	case err != nil || money.CheckAmount(d) != nil:
		v.Add("budget", "too_large", "must be at most "+money.MaxAmountText)
	case !b.IsPositive():
		v.Add("budget", "out_of_range", "must be more than zero")
	default:
		u := money.NewAmount(0, cur)
		return &b, &u
	}
	return nil, nil
}

// insertCoupon stores a new coupon and its plan restrictions, giving it
// its id and times, and records its creation. A code another coupon has is
// refused.
func (s *Service) insertCoupon(ctx context.Context, c *Coupon) error {
	now := s.db.Now(ctx)
	c.ID, c.CreatedAt, c.UpdatedAt = ids.New(CouponKind), now, now
	var amount int64
	if c.Amount != nil {
		amount = c.Amount.Minor()
	}
	var budget any
	if c.Budget != nil {
		budget = c.Budget.Minor()
	}
	_, err := s.db.Exec(ctx, `INSERT INTO coupons (id, code, owner_org_id, kind, scope, percent, amount_minor, currency, fixed_price,
			trial_days, usage, max_redemptions, redemptions, budget_minor, budget_used_minor, target_email, valid_from, valid_until,
			status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, 0, $14, $15, $16, $17, $18, $18)`,
		c.ID, c.Code, c.OwnerOrgID, c.Kind, c.Scope, c.Percent, amount, c.Currency, c.FixedPrice, c.TrialDays, c.Usage,
		c.MaxRedemptions, budget, c.TargetEmail, c.ValidFrom, c.ValidUntil, c.Status, now)
	if db.IsUniqueViolation(err) {
		return errs.Invalid("validation_failed", "code: already used by another coupon", errs.Field("code", "code_taken", "another coupon has this code"))
	}
	if err != nil {
		return fmt.Errorf("insert coupon: %w", err)
	}
	for _, l := range c.Plans {
		if _, err := s.db.Exec(ctx, `INSERT INTO coupon_plans (coupon_id, plan_lineage) VALUES ($1, $2)`, c.ID, l); err != nil {
			return err
		}
	}
	return s.rec.Created(ctx, "coupon.create", "coupon", c.ID, c.OwnerOrgID, *c, "coupon.created")
}

// couponPlans resolves the plans a coupon is restricted to (plan ids of any
// version → lineage ids), each one the caller may discount.
func (s *Service) couponPlans(ctx context.Context, a actor.Actor, planIDs []string) ([]string, error) {
	out := []string{}
	v := validate.New()
	for i, id := range planIDs {
		f := fmt.Sprintf("plans[%d]", i)
		if !ids.Valid(PlanKind, id) {
			v.Add(f, "invalid_id", "is not a plan id")
			continue
		}
		var lineage, productID, owner, status string
		err := s.db.QueryRow(ctx, `SELECT pl.lineage_id, p.id, p.owner_org_id, p.status FROM plans pl JOIN products p ON p.id = pl.product_id WHERE pl.id = $1`, id).
			Scan(&lineage, &productID, &owner, &status)
		if errors.Is(err, db.ErrNoRows) || (err == nil && status != Published && owner != a.OrgID && !identity.IsStaff(a)) {
			v.Add(f, "not_found", "no such plan")
			continue
		}
		if err != nil {
			return nil, err
		}
		ok, err := s.mayDiscount(ctx, a.OrgID, productID, owner)
		if err != nil {
			return nil, err
		}
		if !ok && !identity.IsStaff(a) {
			v.Add(f, "not_yours", "you may make coupons for your own plans or for those you offer")
			continue
		}
		if !slices.Contains(out, lineage) {
			out = append(out, lineage)
		}
	}
	return out, v.Err()
}

// mayDiscount reports whether organization orgID may discount a product:
// its own, or one it offers in its channel catalogs.
func (s *Service) mayDiscount(ctx context.Context, orgID, productID, productOwner string) (bool, error) {
	if orgID == productOwner {
		return true, nil
	}
	if s.offers == nil {
		return false, nil
	}
	return s.offers.Offers(ctx, orgID, productID)
}

const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// randomCode makes a 10-character code without look-alike characters.
func randomCode() string {
	b := make([]byte, 10)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(codeAlphabet))))
		if err != nil {
			panic("catalog: crypto/rand failed: " + err.Error())
		}
		b[i] = codeAlphabet[n.Int64()]
	}
	return string(b)
}

// visibleCoupon loads a coupon its owner organization or staff may see.
func (s *Service) visibleCoupon(ctx context.Context, a actor.Actor, id string) (Coupon, error) {
	if !ids.Valid(CouponKind, id) {
		return Coupon{}, errCouponNotFound
	}
	c, err := db.Get(ctx, s.db, scanCoupon, `SELECT `+couponColumns+` FROM coupons c WHERE c.id = $1`, id)
	if errors.Is(err, db.ErrNoRows) || (err == nil && !identity.IsStaff(a) && a.OrgID != c.OwnerOrgID) {
		return Coupon{}, errCouponNotFound
	}
	if err != nil {
		return c, err
	}
	c.Plans, err = db.Select(ctx, s.db, func(sc db.Scanner) (string, error) {
		var l string
		return l, sc.Scan(&l)
	}, `SELECT plan_lineage FROM coupon_plans WHERE coupon_id = $1 ORDER BY plan_lineage`, id)
	if c.Plans == nil {
		c.Plans = []string{}
	}
	return c, err
}

// GetCoupon returns a coupon of the caller's organization (staff: any).
func (s *Service) GetCoupon(ctx context.Context, id string) (Coupon, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return Coupon{}, err
	}
	if err := validate.CheckID("id", CouponKind, id); err != nil {
		return Coupon{}, err
	}
	return s.visibleCoupon(ctx, a, id)
}

// ListCoupons lists the caller's organization's coupons (staff: all),
// newest first.
func (s *Service) ListCoupons(ctx context.Context, p page.Request) ([]Coupon, string, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return nil, "", err
	}
	q := db.NewQuery(`SELECT ` + couponColumns + ` FROM coupons c WHERE `)
	if identity.IsStaff(a) {
		q.Add("1 = 1")
	} else {
		q.Add("c.owner_org_id = " + q.Arg(a.OrgID))
	}
	rows, next, err := page.List(ctx, s.db, q, "c.id", page.Descending, p, scanCoupon, func(c Coupon) string { return c.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list coupons: %w", err)
	}
	if err := s.loadCouponPlans(ctx, rows); err != nil {
		return nil, "", err
	}
	return rows, next, nil
}

// loadCouponPlans fills the plan restrictions of coupons in one query.
func (s *Service) loadCouponPlans(ctx context.Context, cs []Coupon) error {
	if len(cs) == 0 {
		return nil
	}
	byID := map[string]*Coupon{}
	args := make([]any, len(cs))
	for i := range cs {
		cs[i].Plans = []string{}
		byID[cs[i].ID] = &cs[i]
		args[i] = cs[i].ID
	}
	type pair struct{ coupon, lineage string }
	pairs, err := db.Select(ctx, s.db, func(sc db.Scanner) (pair, error) {
		var p pair
		return p, sc.Scan(&p.coupon, &p.lineage)
	}, `SELECT coupon_id, plan_lineage FROM coupon_plans WHERE coupon_id IN (`+db.In(1, len(args))+`) ORDER BY plan_lineage`, args...)
	for _, p := range pairs {
		byID[p.coupon].Plans = append(byID[p.coupon].Plans, p.lineage)
	}
	return err
}

// DisableCoupon stops a coupon; redemptions already made stand.
func (s *Service) DisableCoupon(ctx context.Context, id string) (Coupon, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Coupon{}, err
	}
	if err := validate.CheckID("id", CouponKind, id); err != nil {
		return Coupon{}, err
	}
	var out Coupon
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.visibleCoupon(ctx, a, id)
		if err != nil {
			return err
		}
		if !identity.May(a, identity.CouponManagement) {
			return errs.Forbidden("permission_denied", "coupon management is needed")
		}
		out = before
		if before.Status == "disabled" {
			return nil
		}
		out.Status, out.UpdatedAt = "disabled", s.db.Now(ctx)
		if _, err := s.db.Exec(ctx, `UPDATE coupons SET status = $2, updated_at = $3 WHERE id = $1`, id, out.Status, out.UpdatedAt); err != nil {
			return err
		}
		return s.rec.Record(ctx, "coupon.disable", "coupon", id, out.OwnerOrgID, audit.Diff(before, out), "coupon.disabled", out)
	})
	return out, err
}

// UpdateCouponInput changes what may change of a coupon once it exists:
// its window end, its limit and its target. Nil fields are left alone.
type UpdateCouponInput struct {
	ValidUntil     *time.Time
	MaxRedemptions *int
	TargetEmail    *string
}

// UpdateCoupon changes a coupon of the caller's organization (staff: any).
// Its kind and value never change: make a new coupon for a new deal. A
// limit below the redemptions already made is refused.
func (s *Service) UpdateCoupon(ctx context.Context, id string, in UpdateCouponInput) (Coupon, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Coupon{}, err
	}
	if err := validate.CheckID("id", CouponKind, id); err != nil {
		return Coupon{}, err
	}
	var out Coupon
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.visibleCoupon(ctx, a, id)
		if err != nil {
			return err
		}
		if !identity.May(a, identity.CouponManagement) {
			return errs.Forbidden("permission_denied", "coupon management is needed")
		}
		c := before
		v := validate.New()
		if in.ValidUntil != nil {
			c.ValidUntil = in.ValidUntil
			if c.ValidFrom != nil && !c.ValidUntil.After(*c.ValidFrom) {
				v.Add("valid_until", "out_of_range", "must be after valid_from")
			}
		}
		if in.MaxRedemptions != nil {
			switch {
			case c.Usage == OneTime:
				v.Add("max_redemptions", "one_time", "a one-time coupon is used once")
			case *in.MaxRedemptions < c.Redemptions || *in.MaxRedemptions < 1:
				v.Add("max_redemptions", "out_of_range", fmt.Sprintf("at least the %d redemptions made", c.Redemptions))
			}
			c.MaxRedemptions = in.MaxRedemptions
		}
		if in.TargetEmail != nil {
			c.TargetEmail = v.OptionalEmail("target_email", *in.TargetEmail)
		}
		if err := v.Err(); err != nil {
			return err
		}
		changes := audit.Diff(before, c)
		out = c
		if len(changes) == 0 {
			return nil
		}
		out.UpdatedAt = s.db.Now(ctx)
		if _, err := s.db.Exec(ctx, `UPDATE coupons SET valid_until = $2, max_redemptions = $3, target_email = $4, updated_at = $5 WHERE id = $1`,
			id, out.ValidUntil, out.MaxRedemptions, out.TargetEmail, out.UpdatedAt); err != nil {
			return err
		}
		return s.rec.Record(ctx, "coupon.update", "coupon", id, out.OwnerOrgID, changes, "coupon.updated", out)
	})
	return out, err
}
