package web

import "net/http"

// customerRoutes declares the pages of the customer dashboard: subscriptions, invoices, orders.
func (h *handler) customerRoutes(m *http.ServeMux) {
	_ = m
}
