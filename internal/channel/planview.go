package channel

import (
	"context"
	"time"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Price bases of a PlanView: whose price its price fields carry.
const (
	// BasisList is the vendor's list price, shown to the product's vendor
	// and to staff.
	BasisList = "list"
	// BasisBuy is what the viewer's organization buys the plan at through
	// its price list: a distributor's wholesale price, a reseller's
	// sell-in price, a customer's price.
	BasisBuy = "buy"
	// BasisPublic is the marketplace's public (sell-out) price, shown to
	// visitors and to parties that buy from no one (other vendors).
	BasisPublic = "public"
	// BasisHidden: the viewer may see no price of the plan (it is not in
	// its price list, or it is a bundle plan, priced by its components):
	// the price fields are left out.
	BasisHidden = "hidden"
)

// PlanView is a plan version as one viewer may see it: its terms, and its
// prices at the viewer's own price (PriceBasis says which), never the
// price of a party above the viewer.
type PlanView struct {
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
	PriceBasis        string              `json:"price_basis" enum:"list,buy,public,hidden" doc:"Whose price the price fields (setup_fee, recurring_price, iaas_cost, extras' and metrics' schemes) carry: list, the vendor's list price (its vendor and staff); buy, what the caller's organization buys it at through its price list (a distributor's wholesale, a reseller's sell-in, a customer's price); public, the marketplace's public price (visitors, other vendors); hidden, none: the fields are left out (not in the caller's price list, or a bundle plan, priced by its components: quote it). Nobody sees the price of a party above it."`
	SetupFee          *money.Decimal      `json:"setup_fee,omitempty" doc:"One-off setup fee, at the price_basis price."`
	RecurringPrice    *money.Decimal      `json:"recurring_price,omitempty" doc:"Licence price per billing period, at the price_basis price."`
	IaaSCost          *money.Decimal      `json:"iaas_cost,omitempty" doc:"Infrastructure cost per billing period, at the price_basis price."`
	TrialDays         int                 `json:"trial_days"`
	TrialCardRequired bool                `json:"trial_card_required"`
	AutoRenew         bool                `json:"auto_renew"`
	SelfBilled        bool                `json:"self_billed"`
	Upgrades          []string            `json:"upgrades"`
	Downgrades        []string            `json:"downgrades"`
	Weight            int                 `json:"weight"`
	Ribbon            string              `json:"ribbon"`
	Status            string              `json:"status"`
	Extras            []ExtraView         `json:"extras"`
	Metrics           []MetricView        `json:"metrics"`
	Components        []catalog.Component `json:"components,omitempty"`
	CreatedAt         time.Time           `json:"created_at"`
	UpdatedAt         time.Time           `json:"updated_at"`
}

// ExtraView is an extra resource of a PlanView; its scheme is at the
// view's price basis, left out when it is hidden.
type ExtraView struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Unit     string          `json:"unit"`
	Scheme   *pricing.Scheme `json:"scheme,omitempty"`
	Required bool            `json:"required"`
	Billing  string          `json:"billing"`
}

// MetricView is a pay-per-use metric of a PlanView; its scheme is at the
// view's price basis, left out when it is hidden.
type MetricView struct {
	ID          string          `json:"id"`
	Key         string          `json:"key"`
	Name        string          `json:"name"`
	Unit        string          `json:"unit"`
	Aggregation string          `json:"aggregation"`
	Scheme      *pricing.Scheme `json:"scheme,omitempty"`
	Included    money.Decimal   `json:"included"`
}

// PlanViews is PlanView of each plan.
func (s *Service) PlanViews(ctx context.Context, plans []catalog.Plan) ([]PlanView, error) {
	out := make([]PlanView, 0, len(plans))
	for _, p := range plans {
		v, err := s.PlanView(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// PlanView shows plan p (read with the caller's rights) to the caller of
// ctx: to its vendor and staff at the list price; to a distributor,
// reseller or customer at the price it buys it at (resolved through its
// channel, as a quote would); to anyone else at the marketplace's public
// price; with no price when the caller's price list does not offer it.
// Which prices a viewer may see is PriceSight's decision. Errors are the
// database's.
func (s *Service) PlanView(ctx context.Context, p catalog.Plan) (PlanView, error) {
	a := actor.From(ctx)
	sys := actor.With(ctx, actor.System)
	product, _, err := s.catalog.ProductRef(sys, p.ProductID)
	if err != nil {
		return PlanView{}, err
	}
	vendor := product.OwnerOrgID
	if sight := PriceSight(a, Deal{VendorOrgID: vendor}); sight.All || sight.VendorPrice {
		return planView(p, BasisList, new(p.Prices())), nil
	}
	if len(p.Components) > 0 {
		return planView(p, BasisHidden, nil), nil
	}
	// The price the caller would buy at: its own price list's, or the
	// marketplace's public one.
	var src PriceCatalog
	basis, buyer := BasisBuy, a.OrgID
	switch identity.OrgKind(a.OrgKind) {
	case identity.CustomerOrg, identity.ResellerOrg, identity.DistributorOrg:
		src, err = s.sourceCatalog(sys, a.OrgID)
	default:
		basis, buyer = BasisPublic, ""
		var op identity.Organization
		if op, err = s.identity.Operator(sys); err == nil {
			src, err = s.defaultCatalog(sys, op.ID, SellOut)
		}
	}
	if errs.Is(err, "no_price_catalog") {
		return planView(p, BasisHidden, nil), nil
	}
	if err != nil {
		return PlanView{}, err
	}
	chain, err := s.resolve(sys, p, buyer, src)
	if errs.Is(err, "plan_not_offered") {
		return planView(p, BasisHidden, nil), nil
	}
	if err != nil {
		return PlanView{}, err
	}
	if !PriceSight(a, Deal{BuyerOrgID: buyer, SellerOrgID: src.OwnerOrgID, VendorOrgID: vendor, Levels: chain.Levels}).BuyerPrice {
		return planView(p, BasisHidden, nil), nil
	}
	return planView(p, basis, new(chain.Price())), nil
}

// planView copies p with prices pp (nil: none) at basis.
func planView(p catalog.Plan, basis string, pp *pricing.PlanPrices) PlanView {
	v := PlanView{ID: p.ID, ProductID: p.ProductID, LineageID: p.LineageID, Version: p.Version, Name: p.Name, Description: p.Description,
		PricingKind: p.PricingKind, PeriodUnit: p.PeriodUnit, PeriodCount: p.PeriodCount, MinPeriods: p.MinPeriods,
		AllowedPeriods: p.AllowedPeriods, Currency: p.Currency, PriceBasis: basis, TrialDays: p.TrialDays,
		TrialCardRequired: p.TrialCardRequired, AutoRenew: p.AutoRenew, SelfBilled: p.SelfBilled, Upgrades: p.Upgrades,
		Downgrades: p.Downgrades, Weight: p.Weight, Ribbon: p.Ribbon, Status: p.Status, Components: p.Components,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Extras: []ExtraView{}, Metrics: []MetricView{}}
	if pp != nil {
		v.SetupFee, v.RecurringPrice, v.IaaSCost = new(pp.Setup), new(pp.Recurring), new(pp.IaaS)
	}
	for _, x := range p.Extras {
		xv := ExtraView{ID: x.ID, Name: x.Name, Unit: x.Unit, Required: x.Required, Billing: x.Billing}
		if pp != nil {
			if px, ok := pp.Extra(x.ID); ok {
				xv.Scheme = new(px.Scheme)
			}
		}
		v.Extras = append(v.Extras, xv)
	}
	for _, m := range p.Metrics {
		mv := MetricView{ID: m.ID, Key: m.Key, Name: m.Name, Unit: m.Unit, Aggregation: m.Aggregation, Included: m.Included}
		if pp != nil {
			for _, pm := range pp.Metrics {
				if pm.ID == m.ID {
					mv.Scheme = new(pm.Scheme)
				}
			}
		}
		v.Metrics = append(v.Metrics, mv)
	}
	if v.AllowedPeriods == nil {
		v.AllowedPeriods = []int{}
	}
	if v.Upgrades == nil {
		v.Upgrades = []string{}
	}
	if v.Downgrades == nil {
		v.Downgrades = []string{}
	}
	return v
}

// GetPlanView returns a plan version the caller may see (catalog's
// GetPlan), priced for it (PlanView).
func (s *Service) GetPlanView(ctx context.Context, id string) (PlanView, error) {
	p, err := s.catalog.GetPlan(ctx, id)
	if err != nil {
		return PlanView{}, err
	}
	return s.PlanView(ctx, p)
}

// ListPlanViews lists a product's plans the caller may see (catalog's
// ListPlans), each priced for it (PlanView).
func (s *Service) ListPlanViews(ctx context.Context, productID string, history bool) ([]PlanView, error) {
	plans, err := s.catalog.ListPlans(ctx, productID, history)
	if err != nil {
		return nil, err
	}
	return s.PlanViews(ctx, plans)
}
