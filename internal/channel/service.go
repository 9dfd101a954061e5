// Package channel prices the catalog along the sales channel. The vendor
// sets list prices; the marketplace owner sells to distributors at
// wholesale, a distributor to its resellers at sell-in, a reseller to its
// customers at sell-out, each level a price catalog of its own: default
// markups per charge type over what it buys at, per-plan markups or its
// own prices, and the products it offers. Tiers can be skipped (the owner
// sells direct; a distributor sells to customers; resellers buy from the
// owner).
//
// Every buyer buys from one catalog: the one assigned to it, or its parent
// organization's default catalog for its kind (created at pass-through
// prices on first use, so a new channel party can sell at once). Resolving
// a plan for a customer walks up from that catalog to the owner's, and
// yields the price at every level: what the customer pays and what each
// party pays the one above.
//
// Isolation: each party sees only its own buy and sell prices. A catalog's
// owner sees its markups and rules, what it buys at and what it sells at;
// its buyers see only what they buy at; staff see everything.
package channel

import (
	"context"
	"log/slog"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// CatalogKind is the id kind of price catalogs.
const CatalogKind ids.Kind = "pcat"

// Tiers: who buys from a catalog.
const (
	Wholesale = "wholesale" // distributors buy from the marketplace owner
	SellIn    = "sell_in"   // resellers buy from a distributor (or the owner)
	SellOut   = "sell_out"  // customers buy from a reseller, a distributor or the owner
)

// Directory is what the channel reads of organizations. The identity
// service implements it.
type Directory interface {
	Org(ctx context.Context, id string) (identity.Organization, bool, error)
	OrgsOfKind(ctx context.Context, kinds ...identity.OrgKind) ([]identity.Organization, error)
	CanSeeOrg(ctx context.Context, a actor.Actor, orgID string) (bool, error)
	Operator(ctx context.Context) (identity.Organization, error)
}

// Catalog is what the channel reads of products, plans and coupons. The
// catalog service implements it.
type Catalog interface {
	ProductRef(ctx context.Context, id string) (catalog.ProductRef, bool, error)
	SellablePlans(ctx context.Context) ([]catalog.SellablePlan, error)
	GetProduct(ctx context.Context, id string) (catalog.Product, error)
	GetPlan(ctx context.Context, id string) (catalog.Plan, error)
	CurrentPlan(ctx context.Context, id string) (catalog.Plan, error)
	ListPlans(ctx context.Context, productID string, history bool) ([]catalog.Plan, error)
	CheckCoupon(ctx context.Context, use catalog.CouponUse) (catalog.Coupon, pricing.Coupon, error)
}

// Deps is what the channel needs of the rest of the platform; the
// composition root provides it.
type Deps struct {
	Recorder  audit.Recorder
	Outbox    *outbox.Outbox
	Directory Directory
	Catalog   Catalog
}

// Service is the channel domain service.
type Service struct {
	db       *db.DB
	rec      audit.Recorder
	identity Directory
	catalog  Catalog
	log      *slog.Logger
}

// New returns the service and subscribes it to new organizations, whose
// default price catalogs it makes.
func New(d *db.DB, deps Deps, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: d, rec: deps.Recorder, identity: deps.Directory, catalog: deps.Catalog, log: log}
	deps.Outbox.Subscribe("channel.default_catalogs", "organization.created", s.onOrganizationCreated)
	return s
}

// tierOf is the tier a buyer of kind k buys at.
func tierOf(k identity.OrgKind) string {
	switch k {
	case identity.DistributorOrg:
		return Wholesale
	case identity.ResellerOrg:
		return SellIn
	default:
		return SellOut
	}
}

// tierFunction is the function needed to price a tier: wholesale, sell-in
// or sell-out pricing. A distributor selling direct to customers prices
// like it sells in.
func tierFunction(tier string, ownerKind identity.OrgKind) identity.Function {
	switch {
	case tier == Wholesale:
		return identity.WholesalePricing
	case tier == SellIn || ownerKind == identity.DistributorOrg:
		return identity.SellInPricing
	default:
		return identity.SellOutPricing
	}
}

// tiersFor lists the tiers an organization of kind k may sell at.
func tiersFor(k identity.OrgKind) []string {
	switch k {
	case identity.Operator:
		return []string{Wholesale, SellIn, SellOut}
	case identity.DistributorOrg:
		return []string{SellIn, SellOut}
	case identity.ResellerOrg:
		return []string{SellOut}
	}
	return nil
}
