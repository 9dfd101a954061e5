package web

import (
	"net/http"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// vendorRoutes declares the pages of the vendor panel: the overview, the
// orders and subscriptions of the vendor's products (shell_panel_ops.go,
// shared with the admin's pages of every vendor), balance reports, and
// product onboarding (products, plans, extras, metrics, coupons, bundles).
//
// The operations pages are for vendor users only. Onboarding pages need the
// product onboarding function (vendors, and the operator's administrators,
// who work for any vendor); bundles (under /vendor/bundles, with the same
// pages) bundle management; coupons coupon management. A vendor sees only
// its own products: another's product, even a published one, is "not
// found" here. Every change goes through the same service calls the API
// makes.
func (h *handler) vendorRoutes(m *http.ServeMux) {
	m.Handle("GET /vendor", h.user(h.vendorOnly(h.vendorHome)))
	m.Handle("GET /vendor/orders", h.user(h.vendorOnly(h.panelOrders)))
	m.Handle("POST /vendor/orders/{id}/approve", h.form(h.vendorOnly(h.panelApproveOrder)))
	m.Handle("POST /vendor/orders/{id}/reject", h.form(h.vendorOnly(h.panelRejectOrder)))
	m.Handle("GET /vendor/subscriptions", h.user(h.vendorOnly(h.panelSubs)))
	m.Handle("GET /vendor/subscriptions/{id}", h.user(h.vendorOnly(h.panelSub)))
	m.Handle("POST /vendor/subscriptions/{id}/deployed", h.form(h.vendorOnly(h.panelDeployed)))
	m.Handle("POST /vendor/subscriptions/{id}/failed", h.form(h.vendorOnly(h.panelFailed)))
	m.Handle("GET /vendor/reports", h.user(h.vendorOnly(h.vendorReports)))
	m.Handle("GET /vendor/reports/{file}", h.user(h.vendorOnly(h.vendorReportFile)))

	onboard := func(fn pageFunc) pageFunc { return requireFunction(fn, identity.ProductOnboarding) }
	// Products and bundles share their pages; the path tells which (obKind).
	for _, sec := range []struct {
		base string
		fn   identity.Function
	}{{"/vendor/products", identity.ProductOnboarding}, {"/vendor/bundles", identity.BundleManagement}} {
		need := func(fn pageFunc) pageFunc { return requireFunction(fn, sec.fn) }
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

	coupons := func(fn pageFunc) pageFunc { return requireFunction(fn, identity.CouponManagement) }
	m.Handle("GET /vendor/coupons", h.user(coupons(h.obCoupons)))
	m.Handle("GET /vendor/coupons/new", h.user(coupons(h.obNewCoupon)))
	m.Handle("POST /vendor/coupons/new", h.form(coupons(h.obCreateCoupon)))
	m.Handle("POST /vendor/coupons/{id}/disable", h.form(coupons(h.obDisableCoupon)))
}

// vendorOnly lets only vendor users through; everyone else gets a 403.
func (h *handler) vendorOnly(fn pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		if s := currentUser(r); s == nil || identity.Role(s.Actor.Role) != identity.VendorRole {
			return errs.Forbidden("not_vendor", "the vendor panel is for vendors")
		}
		return fn(w, r, v)
	}
}
