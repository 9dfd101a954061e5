package web

import (
	"net/http"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// adminRoutes declares the pages of the marketplace operator: the billing
// back-office (overview, invoices, payments, tax rates, platform fees),
// every vendor's orders and subscriptions (the vendor's pages of
// shell_panel_ops.go), the review queue of vendors and products, the
// moderation of customer reviews, branding, impersonation and the audit
// log.
//
// The back-office pages are for the marketplace's staff (adminOnly); the
// others need the function they are about, which the services check too.
func (h *handler) adminRoutes(m *http.ServeMux) {
	m.Handle("GET /admin", h.user(h.adminOnly(h.adminHome)))
	m.Handle("GET /admin/invoices", h.user(h.adminOnly(h.adminInvoices)))
	m.Handle("GET /admin/invoices/{id}", h.user(h.adminOnly(h.adminInvoice)))
	m.Handle("GET /admin/invoices/{id}/pdf", h.user(h.adminOnly(h.adminInvoicePDF)))
	m.Handle("POST /admin/invoices/{id}/payments", h.upload(adminMaxUpload, "The file is too large: attach a scan of at most 5 MB.", h.adminOnly(h.adminRecordPayment)))
	m.Handle("POST /admin/invoices/{id}/void", h.form(h.adminOnly(h.adminVoid)))
	m.Handle("POST /admin/invoices/{id}/uncollectible", h.form(h.adminOnly(h.adminWriteOff)))
	m.Handle("POST /admin/invoices/{id}/issue", h.form(h.adminOnly(h.adminIssue)))
	m.Handle("POST /admin/invoices/{id}/credit-notes", h.form(h.adminOnly(h.adminCreditNote)))
	m.Handle("GET /admin/payments/{id}/attachment", h.user(h.adminOnly(h.adminPaymentAttachment)))
	m.Handle("GET /admin/tax-rates", h.user(h.adminOnly(h.adminTaxRates)))
	m.Handle("POST /admin/tax-rates", h.form(h.adminOnly(h.adminCreateTaxRate)))
	m.Handle("GET /admin/tax-rates/{id}", h.user(h.adminOnly(h.adminTaxRate)))
	m.Handle("POST /admin/tax-rates/{id}", h.form(h.adminOnly(h.adminUpdateTaxRate)))
	m.Handle("POST /admin/tax-rates/{id}/delete", h.form(h.adminOnly(h.adminDeleteTaxRate)))
	m.Handle("POST /admin/platform-fees/{id}", h.form(h.adminOnly(h.adminSetVendorFee)))

	// Every vendor's orders and subscriptions, on the vendor's pages.
	m.Handle("GET /admin/orders", h.user(h.adminOnly(h.panelOrders)))
	m.Handle("POST /admin/orders/{id}/approve", h.form(h.adminOnly(h.panelApproveOrder)))
	m.Handle("POST /admin/orders/{id}/reject", h.form(h.adminOnly(h.panelRejectOrder)))
	m.Handle("GET /admin/subscriptions", h.user(h.adminOnly(h.panelSubs)))
	m.Handle("GET /admin/subscriptions/{id}", h.user(h.adminOnly(h.panelSub)))
	m.Handle("POST /admin/subscriptions/{id}/deployed", h.form(h.adminOnly(h.panelDeployed)))
	m.Handle("POST /admin/subscriptions/{id}/failed", h.form(h.adminOnly(h.panelFailed)))
	m.Handle("POST /admin/subscriptions/{id}/retry-step", h.form(h.adminOnly(h.adminRetryStep)))

	// The review queue: vendors and products waiting for approval.
	review := func(fn pageFunc) pageFunc {
		return requireFunction(fn, identity.ProductReview, identity.VendorReview)
	}
	productReview := func(fn pageFunc) pageFunc { return requireFunction(fn, identity.ProductReview) }
	vendorReview := func(fn pageFunc) pageFunc { return requireFunction(fn, identity.VendorReview) }
	m.Handle("GET /admin/review", h.user(review(h.adminReviewQueue)))
	m.Handle("GET /admin/review/products/{id}", h.user(productReview(h.adminReviewProduct)))
	m.Handle("POST /admin/review/products/{id}/approve", h.form(productReview(h.adminApproveProduct)))
	m.Handle("POST /admin/review/products/{id}/reject", h.form(productReview(h.adminRejectProduct)))
	m.Handle("POST /admin/review/vendors/{id}/approve", h.form(vendorReview(h.adminApproveVendor)))
	m.Handle("POST /admin/review/vendors/{id}/reject", h.form(vendorReview(h.adminRejectVendor)))

	// Moderation of customer reviews (the product review function).
	m.Handle("GET /admin/reviews", h.user(h.adminReviewsPage))
	m.Handle("POST /admin/reviews/{id}/hide", h.form(h.adminHideReview))
	m.Handle("POST /admin/reviews/{id}/restore", h.form(h.adminRestoreReview))

	// The marketplace's name, logo and colour; its stylesheet and logo are
	// served to every page by shellRoutes.
	m.Handle("GET /settings/branding", h.user(h.brandingPage))
	m.Handle("POST /settings/branding", h.upload(maxBrandingBytes, "The form could not be read: a logo is at most 256 KiB.", h.updateBranding))

	// Impersonation starts from the users page; its exit button is on the
	// banner every page shows while it lasts.
	m.Handle("POST /impersonate", h.form(h.impersonate))
	m.Handle("POST /impersonate/exit", h.form(h.exitImpersonation))

	m.Handle("GET /audit", h.user(h.auditPage))
}

// adminOnly lets only the marketplace's staff through; everyone else
// gets a 403. What each may change is the services' business.
func (h *handler) adminOnly(fn pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		if s := currentUser(r); s == nil || !identity.Role(s.Actor.Role).Staff() {
			return errs.Forbidden("not_staff", "the billing back-office is for the marketplace's staff")
		}
		return fn(w, r, v)
	}
}

// adminMaxUpload bounds a form with a file: the largest attachment the
// billing service takes, plus room for the other fields and the multipart
// framing.
const adminMaxUpload = billing.MaxAttachment + 1<<20
