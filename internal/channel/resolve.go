package channel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// sourceCatalog is the catalog organization orgID buys from: its
// assignment, or its parent's default catalog for its tier (made at
// pass-through prices when the parent has none). The operator buys from no
// one (errNoSource).
func (s *Service) sourceCatalog(ctx context.Context, orgID string) (PriceCatalog, error) {
	return memo.Get(ctx, "channel.source:"+orgID, func() (PriceCatalog, error) { return s.sourceCatalogNow(ctx, orgID) })
}

// sourceCatalogNow reads what sourceCatalog answers.
// The name that calls it remembers the answer within a memo scope.
func (s *Service) sourceCatalogNow(ctx context.Context, orgID string) (PriceCatalog, error) {
	var catalogID string
	err := s.db.QueryRow(ctx, `SELECT a.catalog_id FROM price_catalog_assignments a JOIN price_catalogs c ON c.id = a.catalog_id
		WHERE a.org_id = $1 AND c.status = 'active'`, orgID).Scan(&catalogID)
	if err == nil {
		return s.loadCatalog(ctx, catalogID)
	}
	if !errors.Is(err, db.ErrNoRows) {
		return PriceCatalog{}, err
	}
	org, ok, err := s.identity.Org(ctx, orgID)
	if err != nil {
		return PriceCatalog{}, fmt.Errorf("source catalog of %s: %w", orgID, err)
	}
	if !ok {
		return PriceCatalog{}, fmt.Errorf("source catalog of %s: no such organization", orgID)
	}
	if org.ParentID == "" || org.Kind == identity.VendorOrg {
		return PriceCatalog{}, errNoSource
	}
	return s.defaultCatalog(ctx, org.ParentID, tierOf(org.Kind))
}

var errNoSource = errs.FailedPrecondition("no_price_catalog", "this organization buys from no price catalog")

var defaultNames = map[string]string{Wholesale: "Wholesale price list", SellIn: "Reseller price list", SellOut: "Price list"}

// defaultCatalog returns owner's default catalog for tier. Reading never
// writes: when the owner has none yet (its set-up has not been handled, see
// onOrganizationCreated), it is the catalog the set-up will make,
// pass-through prices for every product, not yet stored and without an id.
func (s *Service) defaultCatalog(ctx context.Context, owner, tier string) (PriceCatalog, error) {
	c, err := db.Get(ctx, s.db, scanCatalog, `SELECT `+catalogColumns+` FROM price_catalogs c WHERE c.owner_org_id = $1 AND c.tier = $2 AND c.is_default = $3`,
		owner, tier, true)
	if errors.Is(err, db.ErrNoRows) {
		return defaultOf(owner, tier, time.Time{}), nil
	}
	if err != nil {
		return c, err
	}
	return s.loadCatalog(ctx, c.ID)
}

// defaultOf is owner's default catalog for tier as its set-up makes it.
func defaultOf(owner, tier string, now time.Time) PriceCatalog {
	return PriceCatalog{OwnerOrgID: owner, Tier: tier, Name: defaultNames[tier], AllProducts: true, IsDefault: true,
		Status: "active", CreatedAt: now, UpdatedAt: now}
}

// catalogChain is the chain of catalogs from the root down to c: each one
// is the source of the owner of the next.
func (s *Service) catalogChain(ctx context.Context, c PriceCatalog) ([]PriceCatalog, error) {
	chain := []PriceCatalog{c}
	for range 6 {
		src, err := s.sourceCatalog(ctx, chain[0].OwnerOrgID)
		if errors.Is(err, errNoSource) {
			return chain, nil
		}
		if err != nil {
			return nil, err
		}
		chain = append([]PriceCatalog{src}, chain...)
	}
	return nil, fmt.Errorf("price catalog chain of %s is too deep", c.ID)
}

// offers reports whether catalog c offers a published product: it lists it
// (or offers all its owner may sell), and every catalog above offers it.
func (s *Service) offers(ctx context.Context, chain []PriceCatalog, productID string) (bool, error) {
	product, found, err := s.catalog.ProductRef(ctx, productID)
	if err != nil || !found || product.Status != catalog.Published {
		return false, err
	}
	for _, c := range chain {
		if c.Status != "active" || (!c.AllProducts && !slices.Contains(c.Products, productID)) {
			return false, nil
		}
	}
	return true, nil
}

// sourceOffers reports whether the catalog owner buys from offers a product
// (the operator may sell any published product).
func (s *Service) sourceOffers(ctx context.Context, owner, productID string) (bool, error) {
	src, err := s.sourceCatalog(ctx, owner)
	if errors.Is(err, errNoSource) {
		return s.offers(ctx, nil, productID)
	}
	if err != nil {
		return false, err
	}
	chain, err := s.catalogChain(ctx, src)
	if err != nil {
		return false, err
	}
	return s.offers(ctx, chain, productID)
}

// Offers reports whether organization orgID offers a product in one of its
// active catalogs. It implements catalog.Offerings (bundles and coupons of
// channel parties are limited to what they offer).
func (s *Service) Offers(ctx context.Context, orgID, productID string) (bool, error) {
	owned, err := db.Select(ctx, s.db, scanCatalog, `SELECT `+catalogColumns+` FROM price_catalogs c WHERE c.owner_org_id = $1 AND c.status = 'active'`, orgID)
	if err != nil {
		return false, err
	}
	for _, c := range owned {
		full, err := s.loadCatalog(ctx, c.ID)
		if err != nil {
			return false, err
		}
		chain, err := s.catalogChain(ctx, full)
		if err != nil {
			return false, err
		}
		if ok, err := s.offers(ctx, chain, productID); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// Level is one party of a resolved price chain: what it buys a plan at
// (nil for the vendor, who sets the list price) and what it sells it at.
type Level struct {
	OrgID     string              `json:"org_id"`
	OrgKind   string              `json:"org_kind"`
	CatalogID string              `json:"catalog_id,omitempty"`
	Buys      *pricing.PlanPrices `json:"buys,omitempty"`
	Sells     pricing.PlanPrices  `json:"sells"`
}

// Chain is a plan priced along the channel for one buyer, top-down: the
// vendor first, the buyer's seller last. The buyer pays the last level's
// Sells.
type Chain struct {
	Plan       catalog.Plan `json:"plan"`
	BuyerOrgID string       `json:"buyer_org_id"`
	Levels     []Level      `json:"levels"`
	SelfBilled bool         `json:"self_billed"`
}

// Price is what the buyer pays.
func (c Chain) Price() pricing.PlanPrices { return c.Levels[len(c.Levels)-1].Sells }

// resolveLevels prices plan through a catalog chain.
func (s *Service) resolveLevels(ctx context.Context, plan catalog.Plan, chain []PriceCatalog) ([]Level, error) {
	levels := make([]pricing.ChainLevel, len(chain))
	for i, c := range chain {
		levels[i] = pricing.ChainLevel{OrgID: c.OwnerOrgID, Markups: c.markups}
		rule, err := s.planRule(ctx, c.ID, plan.LineageID)
		if err != nil {
			return nil, err
		}
		if rule != nil {
			if rule.Markups != nil {
				levels[i].Markups = *rule.Markups
			}
			levels[i].Override = rule.Override
		}
	}
	prices, err := pricing.ResolveChain(plan.Prices(), levels)
	if err != nil {
		return nil, err
	}
	product, _, err := s.catalog.ProductRef(ctx, plan.ProductID)
	if err != nil {
		return nil, err
	}
	out := []Level{{OrgID: product.OwnerOrgID, OrgKind: string(identity.VendorOrg), Sells: prices[0]}}
	for i, c := range chain {
		kind, err := s.orgKind(ctx, c.OwnerOrgID)
		if err != nil {
			return nil, err
		}
		buys := prices[i]
		out = append(out, Level{OrgID: c.OwnerOrgID, OrgKind: string(kind), CatalogID: c.ID, Buys: &buys, Sells: prices[i+1]})
	}
	return out, nil
}

// resolve prices a plan for a buyer along its chain (no authorization).
func (s *Service) resolve(ctx context.Context, plan catalog.Plan, buyerOrgID string, src PriceCatalog) (Chain, error) {
	chain, err := s.catalogChain(ctx, src)
	if err != nil {
		return Chain{}, err
	}
	ok, err := s.offers(ctx, chain, plan.ProductID)
	if err != nil {
		return Chain{}, err
	}
	if !ok {
		return Chain{}, errs.Invalid("plan_not_offered", "this plan is not offered to this buyer",
			errs.Field("plan_id", "plan_not_offered", "this plan is not in the buyer's price list"))
	}
	levels, err := s.resolveLevels(ctx, plan, chain)
	if err != nil {
		return Chain{}, err
	}
	return Chain{Plan: plan, BuyerOrgID: buyerOrgID, Levels: levels, SelfBilled: src.SelfBilled || plan.SelfBilled}, nil
}

// Resolve prices a plan (any version id; the current version is used) for
// a buyer organization along the channel: what the buyer pays and what
// each party pays the one above. It is for staff (the whole chain) and for
// the system (billing, settlement); parties read their own prices through
// their catalogs and quotes.
func (s *Service) Resolve(ctx context.Context, planID, buyerOrgID string) (Chain, error) {
	a := actor.From(ctx)
	if !identity.IsStaff(a) {
		return Chain{}, errs.Forbidden("permission_denied", "the whole price chain is for the marketplace staff")
	}
	if !ids.Valid(ids.Organization, buyerOrgID) {
		return Chain{}, errs.Invalid("validation_failed", "buyer: not an organization id", errs.Field("buyer_org_id", "invalid_id", "not an organization id"))
	}
	sys := actor.With(ctx, actor.System)
	plan, err := s.catalog.CurrentPlan(sys, planID)
	if err != nil {
		return Chain{}, err
	}
	src, err := s.sourceCatalog(ctx, buyerOrgID)
	if err != nil {
		return Chain{}, err
	}
	return s.resolve(ctx, plan, buyerOrgID, src)
}

// PlanPrice is one plan as a catalog's owner (buys and sells) or buyer
// (sells only) sees it.
type PlanPrice struct {
	ProductID   string              `json:"product_id"`
	ProductName string              `json:"product_name"`
	PlanID      string              `json:"plan_id"`
	PlanName    string              `json:"plan_name"`
	Buys        *pricing.PlanPrices `json:"buys,omitempty" doc:"Unit prices the catalog's owner buys at (owner and staff only)."`
	Sells       pricing.PlanPrices  `json:"sells" doc:"Unit prices the catalog sells at."`
	// BuysAmounts and SellsAmounts are Buys' and Sells' flat charges as
	// the invoice bills them: the prices pages show.
	BuysAmounts  *ChargeAmounts `json:"buys_amounts,omitempty" doc:"The flat charges of buys as the invoice bills them (rounded once by the invoice's rule)."`
	SellsAmounts ChargeAmounts  `json:"sells_amounts" doc:"The flat charges of sells as the invoice bills them (rounded once by the invoice's rule): what quotes and invoices charge for a licence period, a setup fee, an infrastructure period."`
}

// CatalogPrices lists the active plans a catalog offers with their prices
// (unit prices, and the flat charges as the invoice bills them), as
// PriceSight decides: its owner (and staff) see what it buys and sells at,
// a buyer only what it buys at (the catalog's sell price).
func (s *Service) CatalogPrices(ctx context.Context, catalogID string) ([]PlanPrice, error) {
	a := actor.From(ctx)
	c, err := s.GetPriceCatalog(ctx, catalogID)
	if err != nil {
		return nil, err
	}
	full, err := s.loadCatalog(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	chain, err := s.catalogChain(ctx, full)
	if err != nil {
		return nil, err
	}
	plans, err := s.catalog.SellablePlans(ctx)
	if err != nil {
		return nil, err
	}
	sys := actor.With(ctx, actor.System)
	out := []PlanPrice{}
	for _, r := range plans {
		if ok, err := s.offers(ctx, chain, r.ProductID); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		plan, err := s.catalog.GetPlan(sys, r.PlanID)
		if err != nil {
			return nil, err
		}
		levels, err := s.resolveLevels(ctx, plan, chain)
		if err != nil {
			return nil, err
		}
		// The caller reads the catalog as its owner, a buyer (it pays the
		// sell price) or staff: PriceSight says which prices it sees.
		sight := PriceSight(a, Deal{BuyerOrgID: a.OrgID, SellerOrgID: c.OwnerOrgID, VendorOrgID: levels[0].OrgID, Levels: levels})
		if !sight.BuyerPrice {
			return nil, errCatalogNotFound
		}
		last := levels[len(levels)-1]
		pp := PlanPrice{ProductID: r.ProductID, ProductName: r.ProductName, PlanID: plan.ID, PlanName: plan.Name, Sells: last.Sells}
		if pp.SellsAmounts, err = AmountsOf(last.Sells); err != nil {
			return nil, err
		}
		if (sight.All || (sight.Own != nil && sight.Own.OrgID == c.OwnerOrgID)) && last.Buys != nil {
			pp.Buys = last.Buys
			ba, err := AmountsOf(*last.Buys)
			if err != nil {
				return nil, err
			}
			pp.BuysAmounts = &ba
		}
		out = append(out, pp)
	}
	return out, nil
}

// now is the business time of ctx.
func (s *Service) now(ctx context.Context) time.Time { return s.db.Now(ctx) }
