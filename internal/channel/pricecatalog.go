package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// PriceCatalog is one party's price list for one tier of buyers.
type PriceCatalog struct {
	ID         string `json:"id"`
	OwnerOrgID string `json:"owner_org_id"`
	Tier       string `json:"tier"`
	Name       string `json:"name"`
	// Markups are the default markups over what the owner buys at; shown to
	// the owner and staff only (with the sell price they would reveal the
	// owner's buy price).
	Markups *pricing.ChargeMarkups `json:"markups,omitempty"`
	// AllProducts offers everything the owner may sell; otherwise only
	// Products.
	AllProducts bool      `json:"all_products"`
	Products    []string  `json:"products,omitempty"`
	SelfBilled  bool      `json:"self_billed"`
	IsDefault   bool      `json:"is_default"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Relation is how the caller relates to it: owner, buyer or staff.
	Relation string `json:"relation"`

	markups pricing.ChargeMarkups
}

const catalogColumns = `c.id, c.owner_org_id, c.tier, c.name, c.markups, c.all_products, c.self_billed, c.is_default, c.status, c.created_at, c.updated_at`

func scanCatalog(s db.Scanner) (PriceCatalog, error) {
	var c PriceCatalog
	var markups string
	err := s.Scan(&c.ID, &c.OwnerOrgID, &c.Tier, &c.Name, &markups, &c.AllProducts, &c.SelfBilled, &c.IsDefault, &c.Status, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal([]byte(markups), &c.markups)
}

var errCatalogNotFound = errs.NotFound("price_catalog_not_found", "no such price catalog")

// PriceCatalogInput creates or changes a price catalog; on update nil
// fields are left alone.
type PriceCatalogInput struct {
	// OwnerOrgID (create only) defaults to the caller's organization; staff
	// may name another.
	OwnerOrgID  string
	Tier        string
	Name        *string
	Markups     *pricing.ChargeMarkups
	AllProducts *bool
	SelfBilled  *bool
	IsDefault   *bool
}

// CreatePriceCatalog creates a price catalog of the caller's organization
// for a tier it may sell at, with the pricing function of that tier.
func (s *Service) CreatePriceCatalog(ctx context.Context, in PriceCatalogInput) (PriceCatalog, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return PriceCatalog{}, err
	}
	v := validate.New()
	v.OneOf("tier", in.Tier, Wholesale, SellIn, SellOut)
	if in.Name == nil {
		v.Add("name", "required", "is required")
	}
	if in.OwnerOrgID != "" {
		v.ID("owner_org_id", ids.Organization, in.OwnerOrgID)
	}
	if err := v.Err(); err != nil {
		return PriceCatalog{}, err
	}
	c := PriceCatalog{Tier: in.Tier, AllProducts: true, Status: "active"}
	var out PriceCatalog
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		owner := a.OrgID
		if in.OwnerOrgID != "" && in.OwnerOrgID != a.OrgID {
			if !identity.IsStaff(a) {
				return errs.Forbidden("permission_denied", "you make price catalogs for your own organization")
			}
			owner = in.OwnerOrgID
		}
		ownerKind, err := s.orgKind(ctx, owner)
		if err != nil {
			return err
		}
		if !slices.Contains(tiersFor(ownerKind), in.Tier) {
			return errs.Invalid("validation_failed", "tier: a "+string(ownerKind)+" does not sell at "+in.Tier,
				errs.Field("tier", "tier_not_allowed", fmt.Sprintf("a %s sells at %v", ownerKind, tiersFor(ownerKind))))
		}
		if err := authorizePricing(a, in.Tier, ownerKind); err != nil {
			return err
		}
		c.OwnerOrgID = owner
		if err := s.applyCatalogInput(&c, in); err != nil {
			return err
		}
		now := s.db.Now(ctx)
		c.ID, c.CreatedAt, c.UpdatedAt = ids.New(CatalogKind), now, now
		if c.IsDefault {
			if err := s.clearDefault(ctx, c.OwnerOrgID, c.Tier, now); err != nil {
				return err
			}
		}
		if err := s.insertCatalog(ctx, c); err != nil {
			return err
		}
		out = s.view(a, c)
		return s.rec.Created(ctx, "price_catalog.create", "price_catalog", c.ID, c.OwnerOrgID, out, "price_catalog.created")
	})
	return out, err
}

func authorizePricing(a actor.Actor, tier string, ownerKind identity.OrgKind) error {
	fn := tierFunction(tier, ownerKind)
	if a.Kind != actor.KindSystem && !identity.Can(identity.Role(a.Role), fn) {
		return errs.Forbidden("permission_denied", "pricing this tier needs the "+string(fn)+" function")
	}
	return nil
}

func (s *Service) applyCatalogInput(c *PriceCatalog, in PriceCatalogInput) error {
	v := validate.New()
	if in.Name != nil {
		c.Name = v.Name("name", *in.Name, 100)
	}
	if in.Markups != nil {
		if err := in.Markups.Validate(); err != nil {
			addPrefixed(v, "markups.", err)
		}
		c.markups = *in.Markups
	}
	if in.AllProducts != nil {
		c.AllProducts = *in.AllProducts
	}
	if in.SelfBilled != nil {
		if *in.SelfBilled && c.Tier != SellOut {
			v.Add("self_billed", "not_sell_out", "only a sell-out catalog is self-billed")
		}
		c.SelfBilled = *in.SelfBilled
	}
	if in.IsDefault != nil {
		c.IsDefault = *in.IsDefault
	}
	return v.Err()
}

// addPrefixed copies the field errors of a nested validation under prefix.
func addPrefixed(v *validate.Collector, prefix string, err error) {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		v.Add(strings.TrimSuffix(prefix, "."), "invalid", err.Error())
		return
	}
	for _, f := range e.Fields {
		v.Add(prefix+f.Field, f.Code, f.Message)
	}
}

func (s *Service) clearDefault(ctx context.Context, owner, tier string, now time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE price_catalogs SET is_default = $3, updated_at = $4 WHERE owner_org_id = $1 AND tier = $2 AND is_default = $5`,
		owner, tier, false, now, true)
	return err
}

func (s *Service) insertCatalog(ctx context.Context, c PriceCatalog) error {
	markups, _ := json.Marshal(c.markups)
	_, err := s.db.Exec(ctx, `INSERT INTO price_catalogs (id, owner_org_id, tier, name, markups, all_products, self_billed, is_default, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		c.ID, c.OwnerOrgID, c.Tier, c.Name, string(markups), c.AllProducts, c.SelfBilled, c.IsDefault, c.Status, c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return fmt.Errorf("insert price catalog: %w", err)
	}
	return nil
}

func (s *Service) orgKind(ctx context.Context, orgID string) (identity.OrgKind, error) {
	o, ok, err := s.identity.Org(ctx, orgID)
	if err == nil && (!ok || o.Status != identity.StatusActive) {
		return "", errs.Invalid("validation_failed", "owner_org_id: no such organization", errs.Field("owner_org_id", "not_found", "no such organization"))
	}
	return o.Kind, err
}

// view returns c as the caller may see it: owners and staff get the
// markups and product list; buyers only the catalog itself.
func (s *Service) view(a actor.Actor, c PriceCatalog) PriceCatalog {
	switch {
	case a.OrgID == c.OwnerOrgID:
		c.Relation = "owner"
	case identity.IsStaff(a):
		c.Relation = "staff"
	default:
		c.Relation = "buyer"
		c.Markups, c.Products = nil, nil
		return c
	}
	m := c.markups
	c.Markups = &m
	if c.Products == nil {
		c.Products = []string{}
	}
	return c
}

// loadCatalog loads a catalog with its product list.
func (s *Service) loadCatalog(ctx context.Context, id string) (PriceCatalog, error) {
	return memo.Get(ctx, "channel.catalog:"+id, func() (PriceCatalog, error) { return s.loadCatalogNow(ctx, id) })
}

// loadCatalogNow reads what loadCatalog answers. (The caching name remembers it within a memo
// scope.)
func (s *Service) loadCatalogNow(ctx context.Context, id string) (PriceCatalog, error) {
	if !ids.Valid(CatalogKind, id) {
		return PriceCatalog{}, errCatalogNotFound
	}
	c, err := db.Get(ctx, s.db, scanCatalog, `SELECT `+catalogColumns+` FROM price_catalogs c WHERE c.id = $1`, id)
	if errors.Is(err, db.ErrNoRows) {
		return c, errCatalogNotFound
	}
	if err != nil {
		return c, err
	}
	c.Products, err = db.Select(ctx, s.db, func(sc db.Scanner) (string, error) {
		var p string
		return p, sc.Scan(&p)
	}, `SELECT product_id FROM price_catalog_products WHERE catalog_id = $1 ORDER BY product_id`, id)
	return c, err
}

// visibleCatalog loads a catalog the caller owns, buys from, or (staff)
// oversees; anything else is not found.
func (s *Service) visibleCatalog(ctx context.Context, a actor.Actor, id string) (PriceCatalog, error) {
	c, err := s.loadCatalog(ctx, id)
	if err != nil {
		return c, err
	}
	if identity.IsStaff(a) || a.OrgID == c.OwnerOrgID {
		return c, nil
	}
	if a.OrgID != "" {
		src, err := s.sourceCatalog(ctx, a.OrgID)
		if err == nil && src.ID == c.ID {
			return c, nil
		}
	}
	return PriceCatalog{}, errCatalogNotFound
}

// manageableCatalog loads a catalog for a change by its owner (with the
// tier's pricing function) or staff.
func (s *Service) manageableCatalog(ctx context.Context, a actor.Actor, id string) (PriceCatalog, error) {
	if err := validate.CheckID("id", CatalogKind, id); err != nil {
		return PriceCatalog{}, err
	}
	c, err := s.visibleCatalog(ctx, a, id)
	if err != nil {
		return c, err
	}
	if a.OrgID != c.OwnerOrgID && !identity.IsStaff(a) {
		return c, errs.Forbidden("permission_denied", "only the catalog's owner changes it")
	}
	kind, err := s.orgKind(ctx, c.OwnerOrgID)
	if err != nil {
		return c, err
	}
	if err := authorizePricing(a, c.Tier, kind); err != nil {
		return c, err
	}
	if c.Status != "active" {
		return c, errs.FailedPrecondition("price_catalog_archived", "the price catalog is archived")
	}
	return c, nil
}

// GetPriceCatalog returns a catalog the caller owns or buys from (staff:
// any).
func (s *Service) GetPriceCatalog(ctx context.Context, id string) (PriceCatalog, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return PriceCatalog{}, err
	}
	if err := validate.CheckID("id", CatalogKind, id); err != nil {
		return PriceCatalog{}, err
	}
	c, err := s.visibleCatalog(ctx, a, id)
	if err != nil {
		return c, err
	}
	return s.view(a, c), nil
}

// ListPriceCatalogs lists the caller organization's catalogs and the one it
// buys from (staff: every catalog).
func (s *Service) ListPriceCatalogs(ctx context.Context) ([]PriceCatalog, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	q := db.NewQuery(`SELECT ` + catalogColumns + ` FROM price_catalogs c WHERE `)
	if identity.IsStaff(a) {
		q.Add("1 = 1")
	} else {
		q.Add("c.owner_org_id = " + q.Arg(a.OrgID))
	}
	q.Add(" ORDER BY c.id")
	rows, err := db.Select(ctx, s.db, scanCatalog, q.SQL(), q.Args()...)
	if err != nil {
		return nil, fmt.Errorf("list price catalogs: %w", err)
	}
	if !identity.IsStaff(a) && a.OrgKind != string(identity.Operator) {
		if src, err := s.sourceCatalog(ctx, a.OrgID); err == nil {
			rows = append(rows, src)
		}
	}
	out := make([]PriceCatalog, 0, len(rows))
	for _, c := range rows {
		if c.ID == "" { // a default its owner's set-up has not stored yet
			out = append(out, s.view(a, c))
			continue
		}
		full, err := s.loadCatalog(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, s.view(a, full))
	}
	return out, nil
}

// UpdatePriceCatalog changes a catalog's name, markups, product policy,
// self-billing or default flag.
func (s *Service) UpdatePriceCatalog(ctx context.Context, id string, in PriceCatalogInput) (PriceCatalog, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return PriceCatalog{}, err
	}
	var out PriceCatalog
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.manageableCatalog(ctx, a, id)
		if err != nil {
			return err
		}
		c := before
		in.Tier = c.Tier
		if err := s.applyCatalogInput(&c, in); err != nil {
			return err
		}
		if before.IsDefault && !c.IsDefault {
			return errs.FailedPrecondition("default_catalog", "make another catalog the default instead")
		}
		changes := audit.Diff(s.view(a, before), s.view(a, c))
		if len(changes) == 0 {
			out = s.view(a, c)
			return nil
		}
		now := s.db.Now(ctx)
		c.UpdatedAt = now
		if c.IsDefault && !before.IsDefault {
			if err := s.clearDefault(ctx, c.OwnerOrgID, c.Tier, now); err != nil {
				return err
			}
		}
		markups, _ := json.Marshal(c.markups)
		if _, err := s.db.Exec(ctx, `UPDATE price_catalogs SET name = $2, markups = $3, all_products = $4, self_billed = $5, is_default = $6, updated_at = $7 WHERE id = $1`,
			c.ID, c.Name, string(markups), c.AllProducts, c.SelfBilled, c.IsDefault, now); err != nil {
			return err
		}
		out = s.view(a, c)
		return s.rec.Record(ctx, "price_catalog.update", "price_catalog", c.ID, c.OwnerOrgID, changes, "price_catalog.updated", out)
	})
	return out, err
}

// ArchivePriceCatalog retires a catalog nobody buys from any more (not the
// default, no assignments).
func (s *Service) ArchivePriceCatalog(ctx context.Context, id string) (PriceCatalog, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return PriceCatalog{}, err
	}
	var out PriceCatalog
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		c, err := s.manageableCatalog(ctx, a, id)
		if err != nil {
			return err
		}
		if c.IsDefault {
			return errs.FailedPrecondition("default_catalog", "the default catalog cannot be archived; make another the default first")
		}
		var n int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM price_catalog_assignments WHERE catalog_id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.FailedPrecondition("price_catalog_in_use", fmt.Sprintf("%d buyers buy from it; assign them another first", n))
		}
		before := c
		c.Status, c.UpdatedAt = "archived", s.db.Now(ctx)
		if _, err := s.db.Exec(ctx, `UPDATE price_catalogs SET status = $2, updated_at = $3 WHERE id = $1`, id, c.Status, c.UpdatedAt); err != nil {
			return err
		}
		out = s.view(a, c)
		return s.rec.Record(ctx, "price_catalog.archive", "price_catalog", id, c.OwnerOrgID, audit.Diff(s.view(a, before), out), "price_catalog.archived", out)
	})
	return out, err
}
