// Package catalog holds what is for sale: vendors and their onboarding
// review, products and bundles with their marketing data and lifecycle
// (draft → in review → published → retired), plans as price versions with
// extra resources, pay-per-use metrics and infrastructure costs, and
// coupons with their redemptions. Prices are rated by the pricing package;
// who pays what along the channel is the channel package's.
//
// Visibility: published products and their plans are public (buyers and
// anonymous visitors browse them); the owning organization and the
// operator's staff also see drafts, products in review and retired ones.
// Changes need the product onboarding function (or bundle management for a
// bundle) and ownership, or staff rights; reviews need the product review
// function.
package catalog

import (
	"context"
	"log/slog"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
)

// Offerings tells whether an organization offers a product to its buyers
// (it is in one of the organization's channel catalogs). The channel domain
// implements it; bundles and coupons of resellers and distributors are
// limited to what they offer.
type Offerings interface {
	Offers(ctx context.Context, orgID, productID string) (bool, error)
}

// Service is the catalog domain service.
type Service struct {
	db       *db.DB
	rec      audit.Recorder
	identity *identity.Service
	offers   Offerings
	holdings Holdings
	log      *slog.Logger
}

// New returns the service. offers may be nil until the channel domain is
// wired (then only vendors' and staff's bundles and coupons are possible).
func New(d *db.DB, a *audit.Log, o *outbox.Outbox, id *identity.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, rec: audit.NewRecorder(a, o), identity: id, log: log}
}

// SetOfferings wires the channel domain's view of who offers what.
func (s *Service) SetOfferings(o Offerings) { s.offers = o }
