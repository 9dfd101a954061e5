package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// SetProductOffered adds a product to (offered) or removes it from a
// catalog that lists its products one by one. A product must be offered
// by the catalog's own source to be added.
func (s *Service) SetProductOffered(ctx context.Context, catalogID, productID string, offered bool) (PriceCatalog, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return PriceCatalog{}, err
	}
	if err := validate.CheckID("product_id", catalog.ProductKind, productID); err != nil {
		return PriceCatalog{}, err
	}
	var out PriceCatalog
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.manageableCatalog(ctx, a, catalogID)
		if err != nil {
			return err
		}
		if _, err := s.catalog.GetProduct(actor.With(ctx, actor.System), productID); err != nil {
			return err
		}
		if offered {
			ok, err := s.sourceOffers(ctx, c.OwnerOrgID, productID)
			if err != nil {
				return err
			}
			if !ok {
				return errs.FailedPrecondition("product_not_offered_to_you", "the catalog you buy from does not offer this product")
			}
			_, err = s.db.Exec(ctx, `INSERT INTO price_catalog_products (catalog_id, product_id) VALUES ($1, $2) ON CONFLICT (catalog_id, product_id) DO NOTHING`, c.ID, productID)
			if err != nil {
				return err
			}
		} else if _, err := s.db.Exec(ctx, `DELETE FROM price_catalog_products WHERE catalog_id = $1 AND product_id = $2`, c.ID, productID); err != nil {
			return err
		}
		if out, err = s.loadCatalog(ctx, c.ID); err != nil {
			return err
		}
		out = s.view(a, out)
		action := "price_catalog.offer"
		if !offered {
			action = "price_catalog.withdraw"
		}
		return s.rec.Record(ctx, action, "price_catalog", c.ID, c.OwnerOrgID, map[string]audit.Change{"product": {To: productID}}, "price_catalog.updated", out)
	})
	return out, err
}

// PlanRule is how a catalog prices one plan, instead of its default
// markups: other markups, and/or its own prices.
type PlanRule struct {
	PlanLineageID string                     `json:"plan_lineage_id"`
	Markups       *pricing.ChargeMarkups     `json:"markups,omitempty"`
	Override      *pricing.PlanPriceOverride `json:"override,omitempty"`
}

// SetPlanRule sets (or, with neither markups nor override, removes) a
// catalog's rule for a plan. The rule is checked by pricing the plan
// through the channel at once.
func (s *Service) SetPlanRule(ctx context.Context, catalogID, planID string, markups *pricing.ChargeMarkups, override *pricing.PlanPriceOverride) (PlanRule, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return PlanRule{}, err
	}
	var out PlanRule
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.manageableCatalog(ctx, a, catalogID)
		if err != nil {
			return err
		}
		plan, err := s.catalog.CurrentPlan(actor.With(ctx, actor.System), planID)
		if errs.Is(err, "plan_not_found") {
			return errs.Invalid("validation_failed", "plan_id: no such plan", errs.Field("plan_id", "not_found", "no such plan"))
		}
		if err != nil {
			return err
		}
		out = PlanRule{PlanLineageID: plan.LineageID, Markups: markups, Override: override}
		now := s.db.Now(ctx)
		if markups == nil && override == nil {
			if _, err := s.db.Exec(ctx, `DELETE FROM price_catalog_plans WHERE catalog_id = $1 AND plan_lineage = $2`, c.ID, plan.LineageID); err != nil {
				return err
			}
		} else {
			var m, o any
			if markups != nil {
				b, _ := json.Marshal(markups)
				m = string(b)
			}
			if override != nil {
				b, _ := json.Marshal(override)
				o = string(b)
			}
			_, err := s.db.Exec(ctx, `INSERT INTO price_catalog_plans (catalog_id, plan_lineage, markups, override, updated_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (catalog_id, plan_lineage) DO UPDATE SET markups = excluded.markups, override = excluded.override, updated_at = excluded.updated_at`,
				c.ID, plan.LineageID, m, o, now)
			if err != nil {
				return err
			}
		}
		// Price the plan through this catalog's chain: a bad markup or
		// override is refused now, not at the customer's checkout.
		chain, err := s.catalogChain(ctx, c)
		if err != nil {
			return err
		}
		if _, err := s.resolveLevels(ctx, plan, chain); err != nil {
			return err
		}
		return s.rec.Record(ctx, "price_catalog.plan_rule", "price_catalog", c.ID, c.OwnerOrgID,
			map[string]audit.Change{plan.LineageID: {To: out}}, "price_catalog.updated", map[string]any{"catalog_id": c.ID, "rule": out})
	})
	return out, err
}

// planRule loads a catalog's rule for a plan lineage, if any.
func (s *Service) planRule(ctx context.Context, catalogID, lineage string) (*PlanRule, error) {
	return memo.Get(ctx, "channel.rule:"+catalogID+"/"+lineage, func() (*PlanRule, error) { return s.planRuleNow(ctx, catalogID, lineage) })
}

// planRuleNow reads what planRule answers.
// The name that calls it remembers the answer within a memo scope.
func (s *Service) planRuleNow(ctx context.Context, catalogID, lineage string) (*PlanRule, error) {
	var m, o *string
	err := s.db.QueryRow(ctx, `SELECT markups, override FROM price_catalog_plans WHERE catalog_id = $1 AND plan_lineage = $2`, catalogID, lineage).Scan(&m, &o)
	if errors.Is(err, db.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r := &PlanRule{PlanLineageID: lineage}
	if m != nil {
		r.Markups = &pricing.ChargeMarkups{}
		if err := json.Unmarshal([]byte(*m), r.Markups); err != nil {
			return nil, fmt.Errorf("plan rule markups: %w", err)
		}
	}
	if o != nil {
		r.Override = &pricing.PlanPriceOverride{}
		if err := json.Unmarshal([]byte(*o), r.Override); err != nil {
			return nil, fmt.Errorf("plan rule override: %w", err)
		}
	}
	return r, nil
}
