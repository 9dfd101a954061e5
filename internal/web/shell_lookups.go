package web

import (
	"context"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// lookups reads the products, plans, vendors and organizations a page
// names, each once per page and as the viewer may see them: one it may
// not see (or that is gone) comes back as the zero value.
type lookups struct {
	h        *handler
	products map[string]catalog.Product
	plans    map[string]catalog.Plan
	vendors  map[string]string
	orgs     orgCache
}

func (h *handler) lookups() *lookups {
	return &lookups{h: h, products: map[string]catalog.Product{}, plans: map[string]catalog.Plan{}, vendors: map[string]string{},
		orgs: orgCache{id: h.id}}
}

// hidden reports whether err only says the viewer may not see the thing.
func hidden(err error) bool {
	k := errs.KindOf(err)
	return k == errs.KindNotFound || k == errs.KindInvalid
}

func (l *lookups) product(ctx context.Context, id string) (catalog.Product, error) {
	if p, ok := l.products[id]; ok || id == "" {
		return p, nil
	}
	p, err := l.h.cat.GetProduct(ctx, id)
	if hidden(err) {
		p, err = catalog.Product{}, nil
	}
	if err != nil {
		return p, err
	}
	l.products[id] = p
	return p, nil
}

func (l *lookups) plan(ctx context.Context, id string) (catalog.Plan, error) {
	if p, ok := l.plans[id]; ok || id == "" {
		return p, nil
	}
	p, err := l.h.cat.GetPlan(ctx, id)
	if hidden(err) {
		p, err = catalog.Plan{}, nil
	}
	if err != nil {
		return p, err
	}
	l.plans[id] = p
	return p, nil
}

// productName, planName and orgName are the names a list shows; a
// failed read shows no name (the page still lists the row).
func (l *lookups) productName(ctx context.Context, id string) string {
	p, _ := l.product(ctx, id)
	return p.Name
}

func (l *lookups) planName(ctx context.Context, id string) string {
	p, _ := l.plan(ctx, id)
	return p.Name
}

func (l *lookups) orgName(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	o, _ := l.orgs.get(ctx, id)
	return o.Name
}

// vendorName is the public name of a product's owner; an owner that is
// not a public vendor (a reseller's bundle) has none.
func (l *lookups) vendorName(ctx context.Context, orgID string) string {
	if name, ok := l.vendors[orgID]; ok {
		return name
	}
	name := ""
	if v, err := l.h.cat.GetVendor(ctx, orgID); err == nil {
		name = v.Name
	}
	l.vendors[orgID] = name
	return name
}
