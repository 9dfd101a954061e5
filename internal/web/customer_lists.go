package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/nephele-cloud/nephele/internal/catalog"
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

// customerItem names what a subscription or order is of.
type customerItem struct {
	ProductID string
	PlanID    string
	Product   string
	Plan      string
	plan      catalog.Plan
}

// item names product and plan ids; what the viewer may no longer see is
// shown by a placeholder.
func (n *lookups) item(ctx context.Context, productID, planID string) (customerItem, error) {
	it := customerItem{ProductID: productID, PlanID: planID, Product: "Product no longer listed", Plan: ""}
	p, err := n.product(ctx, productID)
	if err != nil {
		return it, err
	}
	if p.Name != "" {
		it.Product = p.Name
	}
	pl, err := n.plan(ctx, planID)
	if err != nil {
		return it, err
	}
	it.Plan, it.plan = pl.Name, pl
	return it, nil
}

// customerBadge is a status shown as a coloured label.
type customerBadge struct {
	Label string
	// Tone is ok, warn, danger, muted or "" (neutral).
	Tone string
}

// Class is the badge's CSS classes.
func (b customerBadge) Class() string {
	switch b.Tone {
	case "ok":
		return "badge badge-ok"
	case "muted":
		return "badge badge-muted"
	case "warn":
		return "badge cust-badge-warn"
	case "danger":
		return "badge cust-badge-danger"
	}
	return "badge"
}

// customerFilter is one choice of a list filter.
type customerFilter struct {
	Value    string
	Label    string
	Selected bool
}

// customerFilters lists choices with the current one selected.
func customerFilters(current string, choices ...[2]string) []customerFilter {
	out := make([]customerFilter, len(choices))
	for i, c := range choices {
		out[i] = customerFilter{Value: c[0], Label: c[1], Selected: c[0] == current}
	}
	return out
}

// customerList is a filtered, paged list of the dashboard.
type customerList[T any] struct {
	Rows    []T
	Filters []customerFilter
	Status  string
	// Filtered is set when a filter narrows the list.
	Filtered bool
	Next     string
	First    string
}

// customerPageLinks fills the paging links of a list at path.
func customerPageLinks(path string, q url.Values, next string) (string, string) {
	return pageLinks(path, q, q.Get("cursor"), next)
}
