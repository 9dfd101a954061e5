package web

import "net/http"

// shellRoutes declares what every area shares: the embedded assets, the
// marketplace's stylesheet and logo, the home page (the storefront's
// welcome for visitors, the dashboard for users), sign-in and sign-out,
// the account page and the directory of users and organizations.
func (h *handler) shellRoutes(m *http.ServeMux) {
	m.Handle("GET /static/", h.serveStatic())
	m.Handle("GET /brand.css", http.HandlerFunc(h.brandCSS))
	m.Handle("GET /brand/logo", http.HandlerFunc(h.brandLogo))

	m.Handle("GET /{$}", h.public(h.home))
	m.Handle("GET /login", h.public(h.loginPage))
	m.Handle("POST /login", h.loginForm(h.login))
	m.Handle("POST /logout", h.logoutForm(h.logout))

	m.Handle("GET /account", h.user(h.accountPage))
	m.Handle("POST /account/profile", h.form(h.updateProfile))
	m.Handle("POST /account/password", h.form(h.changePassword))
	m.Handle("POST /account/api-keys", h.form(h.createAPIKey))
	m.Handle("GET /account/api-keys/created", h.user(h.apiKeyCreated))
	m.Handle("POST /account/api-keys/{id}/revoke", h.form(h.revokeAPIKey))

	// Staff and channel partners (customer management) see the users and
	// organizations they may manage.
	m.Handle("GET /users", h.user(h.usersPage))
	m.Handle("GET /organizations", h.user(h.organizationsPage))
}
