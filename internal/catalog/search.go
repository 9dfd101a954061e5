package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// ProductFilter narrows SearchProducts. Zero fields do not filter.
type ProductFilter struct {
	// Query is free text matched against name, summary, description,
	// category and tags (each word also as a prefix).
	Query    string
	Kind     string
	Category string
	Tag      string
	// VendorID is the owning organization.
	VendorID string
	// PriceModel is a pricing kind one of the product's active plans has.
	PriceModel string
	// Free keeps products with a free plan; Trial those with a trial.
	Free  bool
	Trial bool
	// Featured keeps the products staff feature on the storefront.
	Featured bool
	// Status filters the caller's own products (owners and staff); buyers
	// always get published products.
	Status string
	// Sort is "relevance" (default with a query), "newest" or "name"
	// (default otherwise). Paging needs the default order of id for
	// "newest"; relevance and name order return one page of up to Limit.
	Sort string
	Page page.Request
}

// productIndex weighs the name first, then category and tags, summary and
// description last: the same order as the PostgreSQL vector's classes.
var productIndex = db.TextIndex{Alias: "p", FTS: "products_fts", Vector: "search", Weights: "10, 2, 1, 4, 4"}

// SearchProducts lists products: buyers and visitors see published ones;
// owners also see their own in any status, staff every product.
func (s *Service) SearchProducts(ctx context.Context, f ProductFilter) ([]Product, string, error) {
	v := validate.New()
	v.Text("q", f.Query, 200)
	if f.Kind != "" {
		v.OneOf("kind", f.Kind, KindProduct, KindBundle)
	}
	if f.VendorID != "" {
		v.ID("vendor_id", ids.Organization, f.VendorID)
	}
	if f.PriceModel != "" {
		v.OneOf("price_model", f.PriceModel, pricingKinds()...)
	}
	if f.Status != "" {
		v.OneOf("status", f.Status, Draft, InReview, Published, Retired)
	}
	if f.Sort != "" {
		v.OneOf("sort", f.Sort, "relevance", "newest", "name")
	}
	v.Text("category", f.Category, 60)
	v.Text("tag", f.Tag, 40)
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	a := actor.From(ctx)
	q := db.NewQuery(`SELECT ` + productColumns + ` FROM products p WHERE `)
	switch {
	case identity.IsStaff(a):
		q.Add("1 = 1")
	case a.OrgID != "":
		q.Add("(p.status = 'published' OR p.owner_org_id = " + q.Arg(a.OrgID) + ")")
	default:
		q.Add("p.status = 'published'")
	}
	if f.Status != "" {
		q.Add(" AND p.status = " + q.Arg(f.Status))
	}
	if f.Kind != "" {
		q.Add(" AND p.kind = " + q.Arg(f.Kind))
	}
	if f.Category != "" {
		q.Add(" AND lower(p.category) = " + q.Arg(strings.ToLower(strings.TrimSpace(f.Category))))
	}
	if f.Tag != "" {
		q.Add(" AND EXISTS (SELECT 1 FROM product_tags t WHERE t.product_id = p.id AND t.tag = " + q.Arg(strings.ToLower(strings.TrimSpace(f.Tag))) + ")")
	}
	if f.VendorID != "" {
		q.Add(" AND p.owner_org_id = " + q.Arg(f.VendorID))
	}
	if f.PriceModel != "" {
		q.Add(" AND EXISTS (SELECT 1 FROM plans pl WHERE pl.product_id = p.id AND pl.status = 'active' AND pl.pricing_kind = " + q.Arg(f.PriceModel) + ")")
	}
	if f.Free {
		q.Add(" AND EXISTS (SELECT 1 FROM plans pl WHERE pl.product_id = p.id AND pl.status = 'active' AND pl.pricing_kind = 'free')")
	}
	if f.Featured {
		q.Add(" AND p.featured_at IS NOT NULL")
	}
	if f.Trial {
		q.Add(" AND EXISTS (SELECT 1 FROM plans pl WHERE pl.product_id = p.id AND pl.status = 'active' AND pl.trial_days > 0)")
	}
	words := db.Words(f.Query)
	sort := f.Sort
	if sort == "" {
		sort = "name"
		if len(words) > 0 {
			sort = "relevance"
		}
	}
	if len(words) > 0 {
		cond, rank := s.db.Dialect().TextSearch(productIndex, words, q)
		q.Add(" AND " + cond)
		if sort == "relevance" {
			return s.onePage(ctx, q, " ORDER BY "+rank+" DESC, p.id", f.Page)
		}
	} else if sort == "relevance" {
		sort = "name"
	}
	if sort == "name" {
		return s.onePage(ctx, q, " ORDER BY lower(p.name), p.id", f.Page)
	}
	rows, next, err := page.List(ctx, s.db, q, "p.id", page.Descending, f.Page, scanProduct, func(p Product) string { return p.ID })
	if err != nil {
		return nil, "", fmt.Errorf("search products: %w", err)
	}
	return rows, next, nil
}

// onePage runs q in an order other than by id; such lists page by
// position (the cursor carries an offset).
func (s *Service) onePage(ctx context.Context, q *db.Query, order string, r page.Request) ([]Product, string, error) {
	offset, limit, err := r.Offset()
	if err != nil {
		return nil, "", err
	}
	q.Add(order + " LIMIT " + q.Arg(limit+1) + " OFFSET " + q.Arg(offset))
	rows, err := db.Select(ctx, s.db, scanProduct, q.SQL(), q.Args()...)
	if err != nil {
		return nil, "", fmt.Errorf("search products: %w", err)
	}
	next := ""
	if len(rows) > limit {
		rows, next = rows[:limit], page.OffsetCursor(offset+limit)
	}
	if rows == nil {
		rows = []Product{}
	}
	return rows, next, nil
}

// Category is a category of published products and how many there are.
type Category struct {
	Name     string `json:"name"`
	Products int    `json:"products"`
}

// Categories lists the categories of published products, by name.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	return db.Select(ctx, s.db, func(sc db.Scanner) (Category, error) {
		var c Category
		err := sc.Scan(&c.Name, &c.Products)
		return c, err
	}, `SELECT category, count(*) FROM products WHERE status = 'published' AND category <> '' GROUP BY category ORDER BY lower(category)`)
}
