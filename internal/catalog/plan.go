package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Plan statuses. A plan's prices never change once its product has been
// published: a change makes a new version (same lineage, version + 1) and
// the old one becomes superseded, kept for the subscriptions that bought
// it until they renew or change.
const (
	PlanActive     = "active"
	PlanSuperseded = "superseded"
	PlanRetired    = "retired"
)

// Extra is an extra resource sold with a plan (support days, storage,
// seats), priced by quantity with a scheme. Its id is stable across plan
// versions.
type Extra struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Unit     string         `json:"unit"`
	Scheme   pricing.Scheme `json:"scheme"`
	Required bool           `json:"required"`
	// Billing is "prepaid" (invoiced in advance with the licence) or
	// "postpaid" (in arrears, on the quantity used).
	Billing string `json:"billing"`
}

// Metric is a pay-per-use metric of a plan: the values reported for it each
// period are aggregated and rated with its scheme, after the included
// quantity. Its id is stable across plan versions.
type Metric struct {
	ID          string         `json:"id"`
	Key         string         `json:"key"`
	Name        string         `json:"name"`
	Unit        string         `json:"unit"`
	Aggregation string         `json:"aggregation"`
	Scheme      pricing.Scheme `json:"scheme"`
	Included    money.Decimal  `json:"included"`
}

// Component is one plan of a bundle plan, with its discount.
type Component struct {
	// PlanLineageID names the component plan across its versions; the
	// current version prices the bundle.
	PlanLineageID   string        `json:"plan_lineage_id"`
	DiscountPercent money.Decimal `json:"discount_percent"`
}

// Plan is one version of a product's plan (silver, gold...): its billing
// terms and prices.
type Plan struct {
	ID                string              `json:"id"`
	ProductID         string              `json:"product_id"`
	LineageID         string              `json:"lineage_id"`
	Version           int                 `json:"version"`
	Name              string              `json:"name"`
	Description       string              `json:"description"`
	PricingKind       pricing.PricingKind `json:"pricing_kind"`
	PeriodUnit        string              `json:"period_unit"`
	PeriodCount       int                 `json:"period_count"`
	MinPeriods        int                 `json:"min_periods"`
	AllowedPeriods    []int               `json:"allowed_periods"`
	Currency          money.Currency      `json:"currency"`
	SetupFee          money.Decimal       `json:"setup_fee"`
	RecurringPrice    money.Decimal       `json:"recurring_price"`
	IaaSCost          money.Decimal       `json:"iaas_cost"`
	TrialDays         int                 `json:"trial_days"`
	TrialCardRequired bool                `json:"trial_card_required"`
	AutoRenew         bool                `json:"auto_renew"`
	SelfBilled        bool                `json:"self_billed"`
	Upgrades          []string            `json:"upgrades"`
	Downgrades        []string            `json:"downgrades"`
	Weight            int                 `json:"weight"`
	Ribbon            string              `json:"ribbon"`
	Status            string              `json:"status"`
	Extras            []Extra             `json:"extras"`
	Metrics           []Metric            `json:"metrics"`
	Components        []Component         `json:"components,omitempty"`
	CreatedAt         time.Time           `json:"created_at"`
	UpdatedAt         time.Time           `json:"updated_at"`
}

// Terms returns the plan's billing terms for the pricing engine.
func (p Plan) Terms() pricing.Terms {
	return pricing.Terms{Kind: p.PricingKind, PeriodUnit: p.PeriodUnit, PeriodCount: p.PeriodCount, MinPeriods: p.MinPeriods,
		AllowedPeriods: p.AllowedPeriods, TrialDays: p.TrialDays, TrialCardRequired: p.TrialCardRequired, AutoRenew: p.AutoRenew}
}

// Prices returns the plan's list prices (the vendor's) for the pricing
// engine.
func (p Plan) Prices() pricing.PlanPrices {
	pp := pricing.PlanPrices{Currency: p.Currency, Setup: p.SetupFee, Recurring: p.RecurringPrice, IaaS: p.IaaSCost}
	for _, x := range p.Extras {
		pp.Extras = append(pp.Extras, pricing.ExtraPrice{ID: x.ID, Name: x.Name, Unit: x.Unit, Scheme: x.Scheme, Required: x.Required, Billing: pricing.BillingMode(x.Billing)})
	}
	for _, m := range p.Metrics {
		pp.Metrics = append(pp.Metrics, pricing.MetricPrice{ID: m.ID, Key: m.Key, Name: m.Name, Unit: m.Unit, Scheme: m.Scheme, Included: m.Included})
	}
	return pp
}

const planColumns = `pl.id, pl.product_id, pl.lineage_id, pl.version, pl.name, pl.description, pl.pricing_kind, pl.period_unit,
	pl.period_count, pl.min_periods, pl.allowed_periods, pl.currency, pl.setup_fee, pl.recurring_price, pl.iaas_cost, pl.trial_days,
	pl.trial_card_required, pl.auto_renew, pl.self_billed, pl.upgrades, pl.downgrades, pl.weight, pl.ribbon, pl.status,
	pl.created_at, pl.updated_at`

func scanPlan(s db.Scanner) (Plan, error) {
	var p Plan
	var allowed, ups, downs string
	err := s.Scan(&p.ID, &p.ProductID, &p.LineageID, &p.Version, &p.Name, &p.Description, &p.PricingKind, &p.PeriodUnit,
		&p.PeriodCount, &p.MinPeriods, &allowed, &p.Currency, &p.SetupFee, &p.RecurringPrice, &p.IaaSCost, &p.TrialDays,
		&p.TrialCardRequired, &p.AutoRenew, &p.SelfBilled, &ups, &downs, &p.Weight, &p.Ribbon, &p.Status, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return p, err
	}
	for _, f := range []struct {
		raw string
		dst any
	}{{allowed, &p.AllowedPeriods}, {ups, &p.Upgrades}, {downs, &p.Downgrades}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return p, fmt.Errorf("plan %s: %w", p.ID, err)
		}
	}
	return p, nil
}

var errPlanNotFound = errs.NotFound("plan_not_found", "no such plan")

// loadParts fills the extras, metrics and bundle components of plans.
func (s *Service) loadParts(ctx context.Context, plans []Plan) error {
	for i := range plans {
		p := &plans[i]
		var err error
		p.Extras, err = db.Select(ctx, s.db, func(sc db.Scanner) (Extra, error) {
			var x Extra
			var scheme string
			if err := sc.Scan(&x.ID, &x.Name, &x.Unit, &scheme, &x.Required, &x.Billing); err != nil {
				return x, err
			}
			return x, json.Unmarshal([]byte(scheme), &x.Scheme)
		}, `SELECT id, name, unit, scheme, required, billing FROM plan_extras WHERE plan_id = $1 ORDER BY position`, p.ID)
		if err != nil {
			return fmt.Errorf("plan %s extras: %w", p.ID, err)
		}
		p.Metrics, err = db.Select(ctx, s.db, func(sc db.Scanner) (Metric, error) {
			var m Metric
			var scheme string
			if err := sc.Scan(&m.ID, &m.Key, &m.Name, &m.Unit, &m.Aggregation, &scheme, &m.Included); err != nil {
				return m, err
			}
			return m, json.Unmarshal([]byte(scheme), &m.Scheme)
		}, `SELECT id, key, name, unit, aggregation, scheme, included FROM plan_metrics WHERE plan_id = $1 ORDER BY position`, p.ID)
		if err != nil {
			return fmt.Errorf("plan %s metrics: %w", p.ID, err)
		}
		p.Components, err = db.Select(ctx, s.db, func(sc db.Scanner) (Component, error) {
			var c Component
			err := sc.Scan(&c.PlanLineageID, &c.DiscountPercent)
			return c, err
		}, `SELECT component_lineage, discount_percent FROM bundle_components WHERE plan_id = $1 ORDER BY position`, p.ID)
		if err != nil {
			return fmt.Errorf("plan %s components: %w", p.ID, err)
		}
		if p.Extras == nil {
			p.Extras = []Extra{}
		}
		if p.Metrics == nil {
			p.Metrics = []Metric{}
		}
	}
	return nil
}

// GetPlan returns a plan version by id, visible when its product is.
func (s *Service) GetPlan(ctx context.Context, id string) (Plan, error) {
	return memo.Get(ctx, systemKey(ctx, "catalog.plan:"+id), func() (Plan, error) { return s.getPlan(ctx, id) })
}

// getPlan reads what GetPlan answers.
// The name that calls it remembers the answer within a memo scope.
func (s *Service) getPlan(ctx context.Context, id string) (Plan, error) {
	if err := validate.CheckID("id", PlanKind, id); err != nil {
		return Plan{}, err
	}
	p, err := db.Get(ctx, s.db, scanPlan, `SELECT `+planColumns+` FROM plans pl WHERE pl.id = $1`, id)
	if errors.Is(err, db.ErrNoRows) {
		return p, errPlanNotFound
	}
	if err != nil {
		return p, err
	}
	if _, err := s.visibleProduct(ctx, p.ProductID); err != nil {
		return Plan{}, errPlanNotFound
	}
	plans := []Plan{p}
	if err := s.loadParts(ctx, plans); err != nil {
		return Plan{}, err
	}
	return plans[0], nil
}

// CurrentPlan returns the active version of the plan whose id or lineage id
// is given (a superseded version's id leads to its successor).
func (s *Service) CurrentPlan(ctx context.Context, id string) (Plan, error) {
	return memo.Get(ctx, systemKey(ctx, "catalog.current_plan:"+id), func() (Plan, error) { return s.currentPlan(ctx, id) })
}

// currentPlan reads what CurrentPlan answers.
// The name that calls it remembers the answer within a memo scope.
func (s *Service) currentPlan(ctx context.Context, id string) (Plan, error) {
	if err := validate.CheckID("plan_id", PlanKind, id); err != nil {
		return Plan{}, err
	}
	var current string
	err := s.db.QueryRow(ctx, `SELECT id FROM plans WHERE status = 'active'
		AND lineage_id = (SELECT lineage_id FROM plans WHERE id = $1)`, id).Scan(&current)
	if errors.Is(err, db.ErrNoRows) {
		return Plan{}, errPlanNotFound
	}
	if err != nil {
		return Plan{}, err
	}
	return s.GetPlan(ctx, current)
}

// ListPlans lists a product's plans: active versions by display weight, or
// with history every version.
func (s *Service) ListPlans(ctx context.Context, productID string, history bool) ([]Plan, error) {
	if err := validate.CheckID("product_id", ProductKind, productID); err != nil {
		return nil, err
	}
	if _, err := s.visibleProduct(ctx, productID); err != nil {
		return nil, err
	}
	q := `SELECT ` + planColumns + ` FROM plans pl WHERE pl.product_id = $1 AND pl.status = 'active' ORDER BY pl.weight, pl.id`
	if history {
		q = `SELECT ` + planColumns + ` FROM plans pl WHERE pl.product_id = $1 ORDER BY pl.lineage_id, pl.version`
	}
	plans, err := db.Select(ctx, s.db, scanPlan, q, productID)
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	if err := s.loadParts(ctx, plans); err != nil {
		return nil, err
	}
	if plans == nil {
		plans = []Plan{}
	}
	return plans, nil
}

// CreatePlan adds a plan to a product the caller may change.
func (s *Service) CreatePlan(ctx context.Context, productID string, in PlanInput) (Plan, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Plan{}, err
	}
	var out Plan
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		prod, err := s.manageableProduct(ctx, a, productID)
		if err != nil {
			return err
		}
		if prod.Status == Retired {
			return errs.FailedPrecondition("product_retired", "a retired product takes no new plans")
		}
		p := Plan{ProductID: prod.ID, Version: 1, Status: PlanActive, AutoRenew: true, AllowedPeriods: []int{}, Upgrades: []string{}, Downgrades: []string{}}
		if err := s.applyPlanInput(ctx, a, prod, &p, in, true); err != nil {
			return err
		}
		now := s.db.Now(ctx)
		p.ID = ids.New(PlanKind)
		p.LineageID, p.CreatedAt, p.UpdatedAt = p.ID, now, now
		if err := s.insertPlan(ctx, p); err != nil {
			return err
		}
		out = p
		return s.rec.Created(ctx, "plan.create", "plan", p.ID, prod.OwnerOrgID, p, "plan.created")
	})
	return out, err
}

// UpdatePlan changes a plan. While its product has never been published the
// plan changes in place. Afterwards, a change of anything that prices it
// (terms, prices, trial, extras, metrics, components) makes a new version
// and supersedes this one, so running subscriptions keep what they bought;
// other fields (name, description, display, upgrade paths) change in
// place. It returns the plan as it now is and whether a version was made.
func (s *Service) UpdatePlan(ctx context.Context, id string, in PlanInput) (Plan, bool, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Plan{}, false, err
	}
	if err := validate.CheckID("id", PlanKind, id); err != nil {
		return Plan{}, false, err
	}
	var out Plan
	var versioned bool
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, prod, err := s.manageablePlan(ctx, a, id)
		if err != nil {
			return err
		}
		if before.Status != PlanActive {
			return errs.FailedPrecondition("plan_not_active", "only the active version of a plan can change; it is "+before.Status)
		}
		after := before
		after.AllowedPeriods, after.Upgrades, after.Downgrades = slices.Clone(before.AllowedPeriods), slices.Clone(before.Upgrades), slices.Clone(before.Downgrades)
		after.Extras, after.Metrics, after.Components = slices.Clone(before.Extras), slices.Clone(before.Metrics), slices.Clone(before.Components)
		if err := s.applyPlanInput(ctx, a, prod, &after, in, false); err != nil {
			return err
		}
		changes := audit.Diff(before, after)
		if len(changes) == 0 {
			out = before
			return nil
		}
		now := s.db.Now(ctx)
		after.UpdatedAt = now
		if prod.PublishedAt != nil && pricesDiffer(before, after) {
			versioned = true
			after.ID, after.Version, after.CreatedAt = ids.New(PlanKind), before.Version+1, now
			if _, err := s.db.Exec(ctx, `UPDATE plans SET status = $2, updated_at = $3 WHERE id = $1`, before.ID, PlanSuperseded, now); err != nil {
				return err
			}
			if err := s.insertPlan(ctx, after); err != nil {
				return err
			}
			out = after
			return s.rec.Record(ctx, "plan.version", "plan", after.ID, prod.OwnerOrgID, changes, "plan.versioned",
				map[string]any{"plan": after, "supersedes": before.ID})
		}
		if err := s.updatePlan(ctx, after); err != nil {
			return err
		}
		out = after
		return s.rec.Record(ctx, "plan.update", "plan", after.ID, prod.OwnerOrgID, changes, "plan.updated", after)
	})
	return out, versioned, err
}

// pricesDiffer reports whether anything that prices a plan changed.
func pricesDiffer(a, b Plan) bool {
	strip := func(p Plan) Plan {
		p.Name, p.Description, p.Upgrades, p.Downgrades, p.Weight, p.Ribbon, p.UpdatedAt, p.AutoRenew = "", "", nil, nil, 0, "", time.Time{}, false
		for i := range p.Extras {
			p.Extras[i].Name = ""
		}
		for i := range p.Metrics {
			p.Metrics[i].Name = ""
		}
		return p
	}
	x, y := strip(clonePlan(a)), strip(clonePlan(b))
	return len(audit.Diff(x, y)) > 0
}

func clonePlan(p Plan) Plan {
	p.Extras, p.Metrics, p.Components = slices.Clone(p.Extras), slices.Clone(p.Metrics), slices.Clone(p.Components)
	return p
}

// RetirePlan stops selling a plan (its active version). The last active
// plan of a published product cannot be retired: retire the product.
func (s *Service) RetirePlan(ctx context.Context, id string) (Plan, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Plan{}, err
	}
	if err := validate.CheckID("id", PlanKind, id); err != nil {
		return Plan{}, err
	}
	var out Plan
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, prod, err := s.manageablePlan(ctx, a, id)
		if err != nil {
			return err
		}
		if before.Status != PlanActive {
			return errs.FailedPrecondition("plan_not_active", "the plan is "+before.Status)
		}
		var active int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM plans WHERE product_id = $1 AND status = 'active'`, prod.ID).Scan(&active); err != nil {
			return err
		}
		if active == 1 && prod.Status == Published {
			return errs.FailedPrecondition("last_active_plan", "a published product needs a plan; retire the product instead")
		}
		out = before
		out.Status, out.UpdatedAt = PlanRetired, s.db.Now(ctx)
		if _, err := s.db.Exec(ctx, `UPDATE plans SET status = $2, updated_at = $3 WHERE id = $1`, id, out.Status, out.UpdatedAt); err != nil {
			return err
		}
		return s.rec.Record(ctx, "plan.retire", "plan", id, prod.OwnerOrgID, audit.Diff(before, out), "plan.retired", out)
	})
	return out, err
}

// manageablePlan loads a plan and its product for a change.
func (s *Service) manageablePlan(ctx context.Context, a actor.Actor, id string) (Plan, Product, error) {
	p, err := db.Get(ctx, s.db, scanPlan, `SELECT `+planColumns+` FROM plans pl WHERE pl.id = $1`, id)
	if errors.Is(err, db.ErrNoRows) {
		return p, Product{}, errPlanNotFound
	}
	if err != nil {
		return p, Product{}, err
	}
	prod, err := s.manageableProduct(ctx, a, p.ProductID)
	if errs.Is(err, "product_not_found") {
		return p, prod, errPlanNotFound
	}
	if err != nil {
		return p, prod, err
	}
	plans := []Plan{p}
	if err := s.loadParts(ctx, plans); err != nil {
		return p, prod, err
	}
	return plans[0], prod, nil
}

func (s *Service) insertPlan(ctx context.Context, p Plan) error {
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	_, err := s.db.Exec(ctx, `INSERT INTO plans (id, product_id, lineage_id, version, name, description, pricing_kind, period_unit,
		period_count, min_periods, allowed_periods, currency, setup_fee, recurring_price, iaas_cost, trial_days, trial_card_required,
		auto_renew, self_billed, upgrades, downgrades, weight, ribbon, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`,
		p.ID, p.ProductID, p.LineageID, p.Version, p.Name, p.Description, p.PricingKind, p.PeriodUnit, p.PeriodCount, p.MinPeriods,
		js(p.AllowedPeriods), p.Currency, p.SetupFee, p.RecurringPrice, p.IaaSCost, p.TrialDays, p.TrialCardRequired, p.AutoRenew,
		p.SelfBilled, js(p.Upgrades), js(p.Downgrades), p.Weight, p.Ribbon, p.Status, p.CreatedAt, p.UpdatedAt)
	if err != nil {
		return fmt.Errorf("insert plan: %w", err)
	}
	return s.insertParts(ctx, p)
}

// insertParts writes a plan version's extras, metrics and components.
func (s *Service) insertParts(ctx context.Context, p Plan) error {
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	for i, x := range p.Extras {
		if _, err := s.db.Exec(ctx, `INSERT INTO plan_extras (plan_id, id, position, name, unit, scheme, required, billing)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.ID, x.ID, i, x.Name, x.Unit, js(x.Scheme), x.Required, x.Billing); err != nil {
			return fmt.Errorf("insert extra: %w", err)
		}
	}
	for i, m := range p.Metrics {
		if _, err := s.db.Exec(ctx, `INSERT INTO plan_metrics (plan_id, id, position, key, name, unit, aggregation, scheme, included)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, p.ID, m.ID, i, m.Key, m.Name, m.Unit, m.Aggregation, js(m.Scheme), m.Included); err != nil {
			return fmt.Errorf("insert metric: %w", err)
		}
	}
	for i, c := range p.Components {
		if _, err := s.db.Exec(ctx, `INSERT INTO bundle_components (plan_id, position, component_lineage, discount_percent) VALUES ($1, $2, $3, $4)`,
			p.ID, i, c.PlanLineageID, c.DiscountPercent); err != nil {
			return fmt.Errorf("insert bundle component: %w", err)
		}
	}
	return nil
}

// updatePlan rewrites a plan version in place: its row, then its parts.
func (s *Service) updatePlan(ctx context.Context, p Plan) error {
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	_, err := s.db.Exec(ctx, `UPDATE plans SET name = $2, description = $3, pricing_kind = $4, period_unit = $5, period_count = $6,
		min_periods = $7, allowed_periods = $8, currency = $9, setup_fee = $10, recurring_price = $11, iaas_cost = $12, trial_days = $13,
		trial_card_required = $14, auto_renew = $15, self_billed = $16, upgrades = $17, downgrades = $18, weight = $19, ribbon = $20,
		updated_at = $21 WHERE id = $1`,
		p.ID, p.Name, p.Description, p.PricingKind, p.PeriodUnit, p.PeriodCount, p.MinPeriods, js(p.AllowedPeriods), p.Currency,
		p.SetupFee, p.RecurringPrice, p.IaaSCost, p.TrialDays, p.TrialCardRequired, p.AutoRenew, p.SelfBilled, js(p.Upgrades),
		js(p.Downgrades), p.Weight, p.Ribbon, p.UpdatedAt)
	if err != nil {
		return fmt.Errorf("update plan: %w", err)
	}
	if err := s.deleteParts(ctx, p.ID); err != nil {
		return err
	}
	return s.insertParts(ctx, p)
}

func (s *Service) deleteParts(ctx context.Context, planID string) error {
	for _, t := range []string{"plan_extras", "plan_metrics", "bundle_components"} {
		if _, err := s.db.Exec(ctx, `DELETE FROM `+t+` WHERE plan_id = $1`, planID); err != nil {
			return err
		}
	}
	return nil
}
