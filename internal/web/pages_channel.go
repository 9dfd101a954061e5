package web

import "net/http"

// channelRoutes declares the pages of the distributor and reseller panels: price catalogs and markups, customers, push orders, approvals, proceeds.
func (h *handler) channelRoutes(m *http.ServeMux) {
	_ = m
}
