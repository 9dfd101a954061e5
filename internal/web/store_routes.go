package web

import "net/http"

// storeRoutes declares the pages of the storefront: home, catalog search, product pages, checkout.
func (h *handler) storeRoutes(m *http.ServeMux) {
	m.Handle("GET /catalog", h.public(h.storeCatalogPage))
	m.Handle("GET /products/{id}", h.public(h.storeProductPage))
	m.Handle("POST /products/{id}/review", h.form(h.storeSubmitReview))
	m.Handle("POST /products/{id}/feature", h.form(h.storeFeature))

	m.Handle("GET /register", h.public(h.storeRegisterPage))
	m.Handle("POST /register", h.loginForm(h.storeRegister))

	m.Handle("GET /checkout", h.public(h.storeCheckoutPage)) // visitors are asked to sign in
	m.Handle("GET /checkout/quote", h.user(h.storeQuoteFragment))
	m.Handle("POST /checkout", h.form(h.storePlaceOrder))
	m.Handle("GET /checkout/orders/{id}", h.user(h.storeConfirmationPage))
}
