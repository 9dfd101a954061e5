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
	"github.com/nephele-cloud/nephele/internal/platform/actor"
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

// Directory is what the catalog reads of organizations and their users.
// The identity service implements it.
type Directory interface {
	Org(ctx context.Context, id string) (identity.Organization, bool, error)
	Orgs(ctx context.Context, ids []string) (map[string]identity.Organization, error)
	Within(ctx context.Context, ancestor, descendant string) (bool, error)
	HasUser(ctx context.Context, orgID, email string) (bool, error)
	GetUser(ctx context.Context, id string) (identity.User, error)
	PrepareSignUp(ctx context.Context, in identity.RegisterInput) (identity.SignUp, error)
}

// Deps is what the catalog needs of the rest of the platform; the
// composition root provides it.
type Deps struct {
	Recorder audit.Recorder
	// Outbox delivers the events the catalog reacts to (a new vendor
	// organization gets its profile); nil in tests of the catalog alone.
	Outbox    *outbox.Outbox
	Directory Directory
	// Offerings may be nil: then only vendors' and staff's bundles and
	// coupons are possible.
	Offerings Offerings
	// Holdings may be nil: then nobody may review.
	Holdings Holdings
}

// Service is the catalog domain service.
type Service struct {
	db       *db.DB
	rec      audit.Recorder
	identity Directory
	offers   Offerings
	holdings Holdings
	log      *slog.Logger
}

// New returns the service and subscribes it to new organizations (a
// vendor's gets its onboarding profile).
func New(d *db.DB, deps Deps, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: d, rec: deps.Recorder, identity: deps.Directory, offers: deps.Offerings, holdings: deps.Holdings, log: log}
	if deps.Outbox != nil {
		deps.Outbox.Subscribe("catalog.vendor_profiles", "organization.created", s.onOrganizationCreated)
	}
	return s
}

// systemKey is k for a read the system makes, which a memo scope may
// remember (see platform/memo); any other caller's reads depend on what it
// may see, and get a key of their own that no scope shares.
func systemKey(ctx context.Context, k string) string {
	if actor.From(ctx).Kind == actor.KindSystem {
		return k
	}
	return k + "@" + actor.From(ctx).UserID + "/" + actor.From(ctx).OrgID + "/" + actor.From(ctx).Role
}
