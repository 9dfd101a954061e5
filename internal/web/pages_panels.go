package web

import "net/http"

// panelRoutes declares the pages of the vendor panel and the admin billing back-office.
func (h *handler) panelRoutes(m *http.ServeMux) {
	_ = m
}
