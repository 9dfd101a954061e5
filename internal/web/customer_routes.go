package web

import (
	"net/http"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// customerRoutes declares the pages of the customer dashboard: subscriptions, invoices, orders.
//
// Every page is for the users of a customer organization and shows that
// organization's own documents only: a subscription, invoice or order of
// anyone else is not found (404), even when the services would show it to
// the signed-in user (a reseller sees its customers'; those have their own
// panels). Other roles get a 403. Changes go through the same service
// methods as the API (subscription.Service.Update, ChangePlan, Terminate).
func (h *handler) customerRoutes(m *http.ServeMux) {
	m.Handle("GET /my/{$}", h.user(h.customerOnly(func(w http.ResponseWriter, r *http.Request, _ *view) error {
		http.Redirect(w, r, "/my/subscriptions", http.StatusSeeOther)
		return nil
	})))
	m.Handle("GET /my/subscriptions", h.user(h.customerOnly(h.customerSubscriptions)))
	m.Handle("GET /my/subscriptions/{id}", h.user(h.customerOnly(h.customerSubscription)))
	m.Handle("POST /my/subscriptions/{id}/auto-renew", h.form(h.customerOnly(h.customerAutoRenew)))
	m.Handle("GET /my/subscriptions/{id}/cancel", h.user(h.customerOnly(h.customerCancelPage)))
	m.Handle("POST /my/subscriptions/{id}/cancel", h.form(h.customerOnly(h.customerCancel)))
	m.Handle("GET /my/subscriptions/{id}/change", h.user(h.customerOnly(h.customerChangePage)))
	m.Handle("POST /my/subscriptions/{id}/change", h.form(h.customerOnly(h.customerChange)))

	m.Handle("GET /my/invoices", h.user(h.customerOnly(h.customerInvoices)))
	m.Handle("GET /my/invoices/{id}", h.user(h.customerOnly(h.customerInvoice)))
	m.Handle("GET /my/invoices/{id}/pdf", h.user(h.customerOnly(h.customerInvoicePDF)))

	m.Handle("GET /my/orders", h.user(h.customerOnly(h.customerOrders)))
	m.Handle("GET /my/orders/{id}", h.user(h.customerOnly(h.customerOrder)))
}

// customerOnly lets only the users of a customer organization through;
// everyone else gets a 403 page.
func (h *handler) customerOnly(fn pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		if s := currentUser(r); s == nil || identity.Role(s.Actor.Role) != identity.Customer {
			return errs.Forbidden("not_customer", "these pages are for customers: they show a customer's own subscriptions, invoices and orders")
		}
		return fn(w, r, v)
	}
}

// customerNotFound is the answer for anything of another organization.
var customerNotFound = errs.NotFound("not_found", "no such document")
