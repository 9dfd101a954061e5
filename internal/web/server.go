// Package web serves Nephele's server-rendered HTML pages. Every page calls
// the same domain services as the JSON API; there is no second business
// path.
//
// Files are named by audience, and so are their templates:
//
//   - store_: the public storefront (welcome, catalog, product pages,
//     sign-up, checkout, order confirmation);
//   - customer_: a customer's subscriptions, invoices and orders (/my/...);
//   - vendor_: the vendor panel and product onboarding (/vendor/...);
//   - channel_: the distributor and reseller panels (/channel/...);
//   - admin_: the marketplace operator (/admin/..., branding, audit,
//     impersonation);
//   - shell_: what the areas share: layout and rendering, middleware and
//     sessions, forms and form controls, labels, lookups, sign-in and the
//     account page, and the panel pieces used by more than one area (charts,
//     filters, the orders and subscriptions pages that vendors and staff
//     both use).
//
// An area's file uses only its own area's names and the shell's. Each area
// declares its routes in <area>_routes.go; routes (server.go) calls them.
//
// The pieces every page is built from:
//
//   - routes use the wrappers of shell_handle.go: h.public for pages anyone
//     may open, h.user for pages that need a signed-in user, h.form for
//     state-changing POSTs of a signed-in user (CSRF-checked,
//     body-limited);
//   - a page handler fills a *view and calls h.render with a template of
//     templates/ that defines "content";
//   - a form handler calls the service and either redirects (303) with a
//     flash message (h.done) or hands the error to h.formFailed, which
//     re-renders the page with errors next to the fields whose input names
//     equal the service's errs.FieldError.Field;
//   - templates get the form state through (.Form "name") and render inputs
//     with the "field" partial.
//
// Security: session cookies are HttpOnly and SameSite=Lax; every unsafe
// request passes Go's cross-origin protection and a synchronizer token (the
// session's CSRF token, or a double-submit cookie on the sign-in form);
// every response carries a strict Content-Security-Policy.
package web

import (
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/httpmetrics"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Config configures the web handler.
type Config struct {
	// Identity signs users in and answers every page of this package.
	// Required.
	Identity *identity.Service
	// Log receives errors (with the request id) and one line per request.
	// Nil discards.
	Log *slog.Logger
	// MarketplaceName is shown in the header and titles (default "Nephele").
	MarketplaceName string
	// CookieSecure marks the cookies Secure; set it whenever the site is
	// served over HTTPS (always, in production).
	CookieSecure bool
	// APIDocsPath is where the API documentation is served, linked from
	// the navigation (default "/api/docs").
	APIDocsPath string
	// Metrics receives request counts and latencies by route (nil: none).
	Metrics prometheus.Registerer
	// TrustProxy takes the client address (for sign-in throttling and the
	// audit log) from the X-Forwarded-For entry of the one proxy in front.
	TrustProxy bool
	// The domain services behind the storefront, checkout, the customer
	// dashboard and the panels. Required.
	Catalog *catalog.Service
	Channel *channel.Service
	Subs    *subscription.Service
	Billing *billing.Service
}

// handler is the web application.
type handler struct {
	id      *identity.Service
	cat     *catalog.Service
	ch      *channel.Service
	subs    *subscription.Service
	bill    *billing.Service
	log     *slog.Logger
	name    string
	secure  bool
	proxy   bool
	metrics *httpmetrics.Metrics
	docs    string
	pages   map[string]*template.Template
	static  staticFiles
	mux     *http.ServeMux
}

// New returns the handler of every page path. The composition root mounts
// it at "/" next to the API (/api/...) and health endpoints; it answers
// unknown paths with an HTML 404 page.
func New(cfg Config) (http.Handler, error) {
	h, err := newHandler(cfg)
	if err != nil {
		return nil, err
	}
	return h.chain(), nil
}

func newHandler(cfg Config) (*handler, error) {
	if cfg.Identity == nil || cfg.Catalog == nil || cfg.Channel == nil || cfg.Subs == nil || cfg.Billing == nil {
		return nil, errors.New("web: Config.Identity, Catalog, Channel, Subs and Billing are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MarketplaceName == "" {
		cfg.MarketplaceName = "Nephele"
	}
	if cfg.APIDocsPath == "" {
		cfg.APIDocsPath = "/api/docs"
	}
	st, err := loadStatic()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	h := &handler{id: cfg.Identity, cat: cfg.Catalog, ch: cfg.Channel, subs: cfg.Subs, bill: cfg.Billing, log: cfg.Log, name: cfg.MarketplaceName, secure: cfg.CookieSecure, proxy: cfg.TrustProxy, metrics: httpmetrics.New(cfg.Metrics),
		docs: cfg.APIDocsPath, static: st, mux: http.NewServeMux()}
	if h.pages, err = loadTemplates(h.funcs()); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	h.routes()
	return h, nil
}

// routes declares every page, area by area (each area's <area>_routes.go).
// GET patterns also answer HEAD.
func (h *handler) routes() {
	m := h.mux
	h.shellRoutes(m)    // assets, home, sign-in, account, users and organizations
	h.storeRoutes(m)    // catalog, product pages, sign-up, checkout
	h.customerRoutes(m) // a customer's subscriptions, invoices, orders
	h.vendorRoutes(m)   // vendor panel: operations, reports, product onboarding
	h.channelRoutes(m)  // distributor and reseller panels
	h.adminRoutes(m)    // billing back-office, review queue, moderation, branding, audit
}

// chain builds the middleware around the mux, outermost first: security
// headers, the request id, the access log, panic recovery, cross-origin
// protection, authentication.
func (h *handler) chain() http.Handler {
	var next http.Handler = http.HandlerFunc(h.route)
	next = h.authenticate(next)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.log.WarnContext(r.Context(), "cross-origin request refused", "path", r.URL.Path, "request_id", requestID(r))
		h.errorPage(w, r, http.StatusForbidden, "This request came from another site and was refused.")
	}))
	next = cop.Handler(next)
	next = h.recoverer(next)
	next = h.accessLog(next)
	next = h.requestID(next)
	return securityHeaders(next)
}

// route serves the mux, answering unmatched paths and methods with HTML
// error pages instead of the mux's plain text.
func (h *handler) route(w http.ResponseWriter, r *http.Request) {
	next, pattern := h.mux.Handler(r)
	if route, ok := r.Context().Value(routeKey{}).(*string); ok && pattern != "" {
		_, *route, _ = strings.Cut(pattern, " ") // "GET /account" -> "/account"
	}
	if pattern != "" {
		h.mux.ServeHTTP(w, r) // sets the path values, which Handler does not
		return
	}
	capture := &headerCapture{header: http.Header{}}
	next.ServeHTTP(capture, r)
	switch {
	case capture.status >= 300 && capture.status < 400 && capture.header.Get("Location") != "":
		// The mux cleans paths ("/a/../b") with a redirect: pass it on.
		http.Redirect(w, r, capture.header.Get("Location"), capture.status)
	case capture.status == http.StatusMethodNotAllowed:
		w.Header().Set("Allow", capture.header.Get("Allow"))
		h.errorPage(w, r, http.StatusMethodNotAllowed, "")
	default:
		h.errorPage(w, r, http.StatusNotFound, "")
	}
}

// headerCapture swallows the mux's plain-text answers, keeping the status
// and headers.
type headerCapture struct {
	header http.Header
	status int
}

func (c *headerCapture) Header() http.Header         { return c.header }
func (c *headerCapture) Write(b []byte) (int, error) { return len(b), nil }
func (c *headerCapture) WriteHeader(status int)      { c.status = status }
