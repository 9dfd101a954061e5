package web

import (
	"net/http"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// obIsStaff reports whether the signed-in user is on the operator's
// staff, who work on every vendor's products.
func obIsStaff(r *http.Request) bool {
	s := currentUser(r)
	return s != nil && identity.Role(s.Actor.Role).Staff()
}

// obKind is the kind of product the page is about: bundles have the
// pages of products under /vendor/bundles.
func obKind(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/vendor/bundles") {
		return catalog.KindBundle
	}
	return catalog.KindProduct
}

// obListURL is the list of the products (or bundles) of kind.
func obListURL(kind string) string {
	if kind == catalog.KindBundle {
		return "/vendor/bundles"
	}
	return "/vendor/products"
}

// obURL is the vendor's page of product (or bundle) p.
func obURL(p catalog.Product) string { return obListURL(p.Kind) + "/" + p.ID }

// obKindNoun names a product of kind for people.
func obKindNoun(kind string) string {
	if kind == catalog.KindBundle {
		return "bundle"
	}
	return "product"
}

// obOwnProduct loads the product of the path for its owner: a product of
// another organization is not found, even a published one (which the
// catalog shows to everybody), and so is a bundle under /vendor/products
// and a product under /vendor/bundles.
func (h *handler) obOwnProduct(r *http.Request) (catalog.Product, error) {
	id := r.PathValue("id")
	p, err := h.cat.GetProduct(r.Context(), id)
	if err != nil {
		return p, err
	}
	if p.ID != id || p.Kind != obKind(r) || (!obIsStaff(r) && p.OwnerOrgID != currentUser(r).Actor.OrgID) {
		return catalog.Product{}, errProductNotFound
	}
	return p, nil
}

// obOwnPlan loads the product and the plan version of the path.
func (h *handler) obOwnPlan(r *http.Request) (catalog.Product, catalog.Plan, error) {
	p, err := h.obOwnProduct(r)
	if err != nil {
		return p, catalog.Plan{}, err
	}
	pl, err := h.cat.GetPlan(r.Context(), r.PathValue("planID"))
	if errs.KindOf(err) == errs.KindInvalid {
		err = errs.NotFound("plan_not_found", "no such plan")
	}
	if err != nil {
		return p, pl, err
	}
	if pl.ProductID != p.ID {
		return p, catalog.Plan{}, errs.NotFound("plan_not_found", "no such plan")
	}
	return p, pl, nil
}
