package channel

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
)

// Every seller has a default price catalog for each tier it sells at:
// pass-through prices for every product, until it edits them. They are
// made when the seller is set up (its organization.created event), never
// by a read; a read that comes first prices at what they will hold.

// onOrganizationCreated makes a new seller's default catalogs.
func (s *Service) onOrganizationCreated(ctx context.Context, ev outbox.Event) error {
	var org identity.Organization
	if err := json.Unmarshal(ev.Data, &org); err != nil {
		return fmt.Errorf("organization.created %s: %w", ev.ID, err)
	}
	return s.db.InTx(ctx, func(ctx context.Context) error { return s.makeDefaults(ctx, org) })
}

// EnsureDefaultCatalogs makes the default catalogs every active seller
// lacks: the set-up of sellers created before defaults were made at set-up.
// It is idempotent; the process runs it at start.
func (s *Service) EnsureDefaultCatalogs(ctx context.Context) error {
	sellers, err := s.identity.OrgsOfKind(ctx, identity.Operator, identity.DistributorOrg, identity.ResellerOrg)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		// One read of the defaults there are, so a start with nothing to
		// make writes nothing, however many sellers there are.
		made, err := db.Select(ctx, s.db, func(sc db.Scanner) (string, error) {
			var owner, tier string
			err := sc.Scan(&owner, &tier)
			return owner + "/" + tier, err
		}, `SELECT owner_org_id, tier FROM price_catalogs WHERE is_default = $1`, true)
		if err != nil {
			return err
		}
		have := make(map[string]bool, len(made))
		for _, k := range made {
			have[k] = true
		}
		for _, org := range sellers {
			for _, tier := range tiersFor(org.Kind) {
				if !have[org.ID+"/"+tier] {
					if err := s.makeDefaults(ctx, org); err != nil {
						return err
					}
					break
				}
			}
		}
		return nil
	})
}

// makeDefaults stores org's missing default catalogs, each with its audit
// entry and event. Another process making the same one first is no error:
// the insert then does nothing.
func (s *Service) makeDefaults(ctx context.Context, org identity.Organization) error {
	sys := identity.AsSystem(ctx)
	for _, tier := range tiersFor(org.Kind) {
		c := defaultOf(org.ID, tier, s.db.Now(ctx))
		c.ID = ids.New(CatalogKind)
		markups, _ := json.Marshal(c.markups)
		n, err := s.db.Exec(ctx, `INSERT INTO price_catalogs (id, owner_org_id, tier, name, markups, all_products, self_billed, is_default, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
			c.ID, c.OwnerOrgID, c.Tier, c.Name, string(markups), c.AllProducts, c.SelfBilled, c.IsDefault, c.Status, c.CreatedAt, c.UpdatedAt)
		if err != nil {
			return fmt.Errorf("default price catalog of %s: %w", org.ID, err)
		}
		if n == 0 {
			continue
		}
		if err := s.rec.Record(sys, "price_catalog.create", "price_catalog", c.ID, org.ID, nil, "price_catalog.created", c); err != nil {
			return err
		}
	}
	return nil
}
