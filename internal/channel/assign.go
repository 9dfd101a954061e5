package channel

import (
	"context"
	"errors"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// Assignment tells which catalog an organization buys from.
type Assignment struct {
	OrgID     string `json:"org_id"`
	CatalogID string `json:"catalog_id"`
	// Default is true when the organization buys from its seller's default
	// catalog (no explicit assignment).
	Default bool `json:"default"`
}

// GetAssignment tells which catalog an organization buys from: the
// organization itself, its seller (parent) and staff may ask.
func (s *Service) GetAssignment(ctx context.Context, orgID string) (Assignment, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return Assignment{}, err
	}
	if err := validate.CheckID("org_id", ids.Organization, orgID); err != nil {
		return Assignment{}, err
	}
	ok, err := s.identity.CanSeeOrg(ctx, a, orgID)
	if err != nil {
		return Assignment{}, err
	}
	if !ok {
		return Assignment{}, errs.NotFound("organization_not_found", "no such organization")
	}
	src, err := s.sourceCatalog(ctx, orgID)
	if err != nil {
		return Assignment{}, err
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM price_catalog_assignments WHERE org_id = $1`, orgID).Scan(&n); err != nil {
		return Assignment{}, err
	}
	return Assignment{OrgID: orgID, CatalogID: src.ID, Default: n == 0}, nil
}

// AssignCatalog makes a buyer buy from one of its seller's catalogs: the
// catalog's owner must be the buyer's parent and sell at the buyer's tier.
// An empty catalogID goes back to the seller's default catalog. Price
// changes apply to new subscriptions and renewals only (subscriptions keep
// their price snapshot).
func (s *Service) AssignCatalog(ctx context.Context, orgID, catalogID string) (Assignment, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Assignment{}, err
	}
	v := validate.New()
	v.ID("org_id", ids.Organization, orgID)
	if catalogID != "" {
		v.ID("catalog_id", CatalogKind, catalogID)
	}
	if err := v.Err(); err != nil {
		return Assignment{}, err
	}
	var out Assignment
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.identity.CanSeeOrg(ctx, a, orgID)
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFound("organization_not_found", "no such organization")
		}
		org, _, err := s.identity.Org(ctx, orgID)
		if err != nil {
			return err
		}
		parent := org.ParentID
		if parent == "" || org.Kind == identity.VendorOrg {
			return errs.FailedPrecondition("not_a_buyer", "this organization buys from no one")
		}
		before, err := s.GetAssignment(ctx, orgID)
		if err != nil && !errors.Is(err, errNoSource) {
			return err
		}
		if catalogID == "" {
			if err := s.mayAssign(ctx, parent); err != nil {
				return err
			}
			if _, err := s.db.Exec(ctx, `DELETE FROM price_catalog_assignments WHERE org_id = $1`, orgID); err != nil {
				return err
			}
		} else {
			c, err := s.manageableCatalog(ctx, a, catalogID)
			if err != nil {
				return err
			}
			if c.OwnerOrgID != parent || c.Tier != tierOf(org.Kind) {
				return errs.Invalid("validation_failed", "catalog_id: not a catalog this organization can buy from",
					errs.Field("catalog_id", "wrong_catalog", "a "+string(org.Kind)+" buys from its seller's "+tierOf(org.Kind)+" catalogs"))
			}
			_, err = s.db.Exec(ctx, `INSERT INTO price_catalog_assignments (org_id, catalog_id, assigned_at) VALUES ($1, $2, $3)
				ON CONFLICT (org_id) DO UPDATE SET catalog_id = excluded.catalog_id, assigned_at = excluded.assigned_at`, orgID, c.ID, s.db.Now(ctx))
			if err != nil {
				return err
			}
		}
		if out, err = s.GetAssignment(ctx, orgID); err != nil {
			return err
		}
		return s.rec.Record(ctx, "price_catalog.assign", "organization", orgID, orgID, audit.Diff(before, out), "price_catalog.assigned", out)
	})
	return out, err
}

// mayAssign checks the caller may manage the buyers of seller (the seller
// itself with customer management, or staff).
func (s *Service) mayAssign(ctx context.Context, seller string) error {
	a, _ := identity.Caller(ctx)
	if identity.IsStaff(a) {
		if identity.Can(identity.Role(a.Role), identity.CustomerManagement) || a.Kind == actor.KindSystem {
			return nil
		}
		return errs.Forbidden("permission_denied", "assigning price catalogs needs customer management")
	}
	if a.OrgID != seller {
		return errs.Forbidden("permission_denied", "only the seller assigns its buyers' price catalog")
	}
	return nil
}
