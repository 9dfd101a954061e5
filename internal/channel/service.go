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
	"log/slog"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
)

// CatalogKind is the id kind of price catalogs.
const CatalogKind ids.Kind = "pcat"

// Tiers: who buys from a catalog.
const (
	Wholesale = "wholesale" // distributors buy from the marketplace owner
	SellIn    = "sell_in"   // resellers buy from a distributor (or the owner)
	SellOut   = "sell_out"  // customers buy from a reseller, a distributor or the owner
)

// Service is the channel domain service.
type Service struct {
	db       *db.DB
	rec      audit.Recorder
	identity *identity.Service
	catalog  *catalog.Service
	log      *slog.Logger
}

// New returns the service and registers it with the catalog as the source
// of who offers what.
func New(d *db.DB, a *audit.Log, o *outbox.Outbox, id *identity.Service, cat *catalog.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: d, rec: audit.NewRecorder(a, o), identity: id, catalog: cat, log: log}
	cat.SetOfferings(s)
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
