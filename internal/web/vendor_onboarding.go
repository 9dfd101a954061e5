package web

import (
	"net/http"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// onboardingRoutes declares the pages of vendor product onboarding (products, plans, extras, metrics, coupons, bundles) and the admin's review of vendors and products.
//
// Vendor pages need the product onboarding function (vendors, and the
// operator's administrators, who work for any vendor); bundles (under
// /vendor/bundles, with the same pages) bundle management; coupons coupon
// management. A vendor sees only its own products: another's product, even
// a published one, is "not found" here. The review pages need the product
// or vendor review function. Every change goes through catalog.Service, the
// same calls the API makes.
func (h *handler) onboardingRoutes(m *http.ServeMux) {
	onboard := func(fn pageFunc) pageFunc { return obRequire(fn, identity.ProductOnboarding) }
	// Products and bundles share their pages; the path tells which (obKind).
	for _, sec := range []struct {
		base string
		fn   identity.Function
	}{{"/vendor/products", identity.ProductOnboarding}, {"/vendor/bundles", identity.BundleManagement}} {
		need := func(fn pageFunc) pageFunc { return obRequire(fn, sec.fn) }
		m.Handle("GET "+sec.base, h.user(need(h.obProducts)))
		m.Handle("GET "+sec.base+"/new", h.user(need(h.obNewProduct)))
		m.Handle("POST "+sec.base+"/new", h.form(need(h.obCreateProduct)))
		m.Handle("GET "+sec.base+"/{id}", h.user(need(h.obProduct)))
		m.Handle("GET "+sec.base+"/{id}/edit", h.user(need(h.obEditProduct)))
		m.Handle("POST "+sec.base+"/{id}/edit", h.form(need(h.obUpdateProduct)))
		m.Handle("POST "+sec.base+"/{id}/submit", h.form(need(h.obLifecycle("submit"))))
		m.Handle("POST "+sec.base+"/{id}/withdraw", h.form(need(h.obLifecycle("withdraw"))))
		m.Handle("POST "+sec.base+"/{id}/retire", h.form(need(h.obLifecycle("retire"))))
		m.Handle("GET "+sec.base+"/{id}/plans/new", h.user(need(h.obNewPlan)))
		m.Handle("POST "+sec.base+"/{id}/plans/new", h.form(need(h.obCreatePlan)))
		m.Handle("GET "+sec.base+"/{id}/plans/{planID}/edit", h.user(need(h.obEditPlan)))
		m.Handle("POST "+sec.base+"/{id}/plans/{planID}/edit", h.form(need(h.obUpdatePlan)))
		m.Handle("POST "+sec.base+"/{id}/plans/{planID}/retire", h.form(need(h.obRetirePlan)))
	}

	for _, kind := range []string{"extras", "metrics"} {
		base := "/vendor/products/{id}/plans/{planID}/" + kind
		m.Handle("GET "+base+"/new", h.user(onboard(h.obResourcePage(kind))))
		m.Handle("POST "+base+"/new", h.form(onboard(h.obSaveResource(kind))))
		m.Handle("GET "+base+"/{itemID}/edit", h.user(onboard(h.obResourcePage(kind))))
		m.Handle("POST "+base+"/{itemID}/edit", h.form(onboard(h.obSaveResource(kind))))
		m.Handle("POST "+base+"/{itemID}/remove", h.form(onboard(h.obRemoveResource(kind))))
	}

	coupons := func(fn pageFunc) pageFunc { return obRequire(fn, identity.CouponManagement) }
	m.Handle("GET /vendor/coupons", h.user(coupons(h.obCoupons)))
	m.Handle("GET /vendor/coupons/new", h.user(coupons(h.obNewCoupon)))
	m.Handle("POST /vendor/coupons/new", h.form(coupons(h.obCreateCoupon)))
	m.Handle("POST /vendor/coupons/{id}/disable", h.form(coupons(h.obDisableCoupon)))

	review := func(fn pageFunc) pageFunc {
		return obRequire(fn, identity.ProductReview, identity.VendorReview)
	}
	productReview := func(fn pageFunc) pageFunc { return obRequire(fn, identity.ProductReview) }
	vendorReview := func(fn pageFunc) pageFunc { return obRequire(fn, identity.VendorReview) }
	m.Handle("GET /admin/review", h.user(review(h.obReview)))
	m.Handle("GET /admin/review/products/{id}", h.user(productReview(h.obReviewProduct)))
	m.Handle("POST /admin/review/products/{id}/approve", h.form(productReview(h.obApproveProduct)))
	m.Handle("POST /admin/review/products/{id}/reject", h.form(productReview(h.obRejectProduct)))
	m.Handle("POST /admin/review/vendors/{id}/approve", h.form(vendorReview(h.obApproveVendor)))
	m.Handle("POST /admin/review/vendors/{id}/reject", h.form(vendorReview(h.obRejectVendor)))
}

// obRequire serves fn only to users whose role holds one of fns;
// others get a 403 page.
func obRequire(fn pageFunc, fns ...identity.Function) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		for _, f := range fns {
			if may(r, f) {
				return fn(w, r, v)
			}
		}
		return errs.Forbidden("permission_denied", "this page needs the "+strings.ToLower(functionLabels[fns[0]].Label)+" function, which your role does not have")
	}
}

// obIsStaff reports whether the signed-in user is on the operator's
// staff, who work on every vendor's products.
func obIsStaff(r *http.Request) bool {
	s := currentUser(r)
	return s != nil && identity.Role(s.Actor.Role).Staff()
}

var errOBNotFound = errs.NotFound("product_not_found", "no such product")

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
		return catalog.Product{}, errOBNotFound
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
