package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
)

// What other domains read of products once their own service has decided
// the caller may act: the facts that price and route an order, without the
// caller's visibility (a quote for an anonymous visitor still needs to know
// who sells a product).

// ProductRef is a product's owner, kind and status.
type ProductRef struct {
	ID         string
	Kind       string
	OwnerOrgID string
	Name       string
	Status     string
}

// ProductRef returns product id's facts, with ok false when there is none
// (remembered within a memo scope).
func (s *Service) ProductRef(ctx context.Context, id string) (ProductRef, bool, error) {
	type found struct {
		r  ProductRef
		ok bool
	}
	f, err := memo.Get(ctx, "catalog.product_ref:"+id, func() (found, error) {
		r, ok, err := s.productRef(ctx, id)
		return found{r, ok}, err
	})
	return f.r, f.ok, err
}

func (s *Service) productRef(ctx context.Context, id string) (ProductRef, bool, error) {
	r, err := db.Get(ctx, s.db, func(sc db.Scanner) (ProductRef, error) {
		var r ProductRef
		return r, sc.Scan(&r.ID, &r.Kind, &r.OwnerOrgID, &r.Name, &r.Status)
	}, `SELECT id, kind, owner_org_id, name, status FROM products WHERE id = $1`, id)
	if errors.Is(err, db.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("product %s: %w", id, err)
	}
	return r, true, nil
}

// SellablePlan is an active plan of a published product (not a bundle):
// what a price list may offer.
type SellablePlan struct {
	ProductID   string
	ProductName string
	PlanID      string
}

// SellablePlans lists every sellable plan by product name, then the plans'
// order on the product page.
func (s *Service) SellablePlans(ctx context.Context) ([]SellablePlan, error) {
	return db.Select(ctx, s.db, func(sc db.Scanner) (SellablePlan, error) {
		var r SellablePlan
		return r, sc.Scan(&r.ProductID, &r.ProductName, &r.PlanID)
	}, `SELECT p.id, p.name, pl.id FROM plans pl JOIN products p ON p.id = pl.product_id
		WHERE pl.status = 'active' AND p.status = 'published' AND p.kind = 'product' ORDER BY p.name, pl.weight, pl.id`)
}
