package web

import (
	"net/http"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// channelRoutes declares the pages of the distributor and reseller panels: price catalogs and markups, customers, push orders, approvals, proceeds.
func (h *handler) channelRoutes(m *http.ServeMux) {
	m.Handle("GET /channel", h.user(h.channelOnly(h.channelOverview)))

	m.Handle("GET /channel/catalogs", h.user(h.channelOnly(h.channelCatalogsPage)))
	m.Handle("POST /channel/catalogs", h.form(h.channelOnly(h.channelCreateCatalog)))
	m.Handle("GET /channel/catalogs/{id}", h.user(h.channelOnly(h.channelCatalogPage)))
	m.Handle("POST /channel/catalogs/{id}", h.form(h.channelOnly(h.channelUpdateCatalog)))
	m.Handle("POST /channel/catalogs/{id}/plans", h.form(h.channelOnly(h.channelSetPlanRule)))

	m.Handle("GET /channel/customers", h.user(h.channelOnly(h.channelCustomersPage)))
	m.Handle("POST /channel/customers", h.form(h.channelOnly(h.channelCreateCustomer)))
	m.Handle("GET /channel/customers/{id}", h.user(h.channelOnly(h.channelCustomerPage)))
	m.Handle("POST /channel/customers/{id}/catalog", h.form(h.channelOnly(h.channelAssignCatalog)))
	m.Handle("GET /channel/customers/{id}/orders/new", h.user(h.channelOnly(h.channelNewOrderPage)))
	m.Handle("POST /channel/customers/{id}/orders/new", h.form(h.channelOnly(h.channelPlaceOrder)))

	m.Handle("GET /channel/orders", h.user(h.channelOnly(h.channelOrdersPage)))
	m.Handle("POST /channel/orders/{id}/approve", h.form(h.channelOnly(h.channelApproveOrder)))
	m.Handle("POST /channel/orders/{id}/reject", h.form(h.channelOnly(h.channelRejectOrder)))

	m.Handle("GET /channel/proceeds", h.user(h.channelOnly(h.channelProceedsPage)))
}

// channelOnly lets distributors and resellers through; anyone else signed
// in gets the access denied page.
func (h *handler) channelOnly(fn pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		switch identity.Role(currentUser(r).Actor.Role) {
		case identity.Distributor, identity.Reseller:
			return fn(w, r, v)
		}
		return errs.Forbidden("permission_denied", "the channel panel is for distributors and resellers")
	}
}
