package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

//go:embed templates
var templateFS embed.FS

// view is what every template receives: the layout's data (who is signed
// in, navigation, flash, CSRF token) and the page's own Data.
type view struct {
	Title   string
	Name    string // the marketplace
	Brand   identity.Branding
	Docs    string // the API docs path
	Path    string
	User    *signedIn
	CSRF    string
	Nav     []navItem
	Flash   *flash
	Status  int
	Data    any
	Request string // the request id, shown on error pages for support
	forms   map[string]*Form
}

// navItem is one link of the main navigation.
type navItem struct {
	Label   string
	Href    string
	Current bool
}

func (h *handler) newView(r *http.Request) *view {
	b := h.brand(r)
	v := &view{Name: b.Name, Brand: b, Docs: h.docs, Path: r.URL.Path, User: currentUser(r), Request: requestID(r)}
	if v.User != nil {
		v.CSRF = v.User.Session.CSRFToken
	}
	return v
}

// Form returns the state of the page's form name: the refused submission
// being shown again, or an empty form.
func (v *view) Form(name string) *Form {
	if f, ok := v.forms[name]; ok {
		return f
	}
	return &Form{Name: name, Values: map[string][]string{}, Errors: map[string]string{}}
}

func (v *view) setForm(name string, f *Form) {
	if v.forms == nil {
		v.forms = map[string]*Form{}
	}
	f.Name = name
	v.forms[name] = f
}

// ReadOnly reports whether the session may only read: a supervisor's
// impersonation.
func (v *view) ReadOnly() bool {
	return v.User != nil && identity.CheckWritable(v.User.Actor) != nil
}

// nav builds the main navigation for the signed-in user.
func (h *handler) nav(r *http.Request) []navItem {
	s := currentUser(r)
	if s == nil {
		return nil
	}
	items := []navItem{{Label: "Dashboard", Href: "/"}, {Label: "Marketplace", Href: "/catalog"}}
	switch identity.Role(s.Actor.Role) {
	case identity.Customer:
		items = append(items, navItem{Label: "Subscriptions", Href: "/my/subscriptions"}, navItem{Label: "Invoices", Href: "/my/invoices"},
			navItem{Label: "Orders", Href: "/my/orders"})
	case identity.VendorRole:
		items = append(items, navItem{Label: "Vendor panel", Href: "/vendor"})
	case identity.Distributor, identity.Reseller:
		items = append(items, navItem{Label: "Channel", Href: "/channel"})
	case identity.SuperAdmin, identity.Admin, identity.Supervisor:
		items = append(items, navItem{Label: "Billing", Href: "/admin"})
	}
	if may(r, identity.MarketplaceCustomization) && identity.Role(s.Actor.Role).Staff() {
		items = append(items, navItem{Label: "Branding", Href: "/settings/branding"})
	}
	items = append(items, navItem{Label: "Account", Href: "/account"})
	if may(r, identity.UserManagement) || may(r, identity.UserImpersonation) || may(r, identity.CustomerManagement) {
		items = append(items, navItem{Label: "Users & organizations", Href: "/users"})
	}
	if may(r, identity.ProductReview) {
		items = append(items, navItem{Label: "Reviews", Href: "/admin/reviews"})
	}
	if may(r, identity.AuditLogReview) {
		items = append(items, navItem{Label: "Audit log", Href: "/audit"})
	}
	for i := range items {
		p := r.URL.Path
		items[i].Current = p == items[i].Href || (items[i].Href == "/users" && p == "/organizations") ||
			(items[i].Href != "/" && strings.HasPrefix(p, items[i].Href+"/"))
	}
	return items
}

// loadTemplates parses each page of templates/ together with the layout
// and partials.
func loadTemplates(funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/shell_layout.html", "templates/shell_partials.html")
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".html")
		if name == "shell_layout" || name == "shell_partials" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+e.Name())
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes page name with v. Pages are never cached: they show who is
// signed in and carry CSRF tokens.
func (h *handler) render(w http.ResponseWriter, r *http.Request, v *view, name string) error {
	t, ok := h.pages[name]
	if !ok {
		return fmt.Errorf("render: no template %q", name)
	}
	if v.Flash == nil {
		v.Flash = takeFlash(w, r, h.secure)
	}
	v.Nav = h.nav(r)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	status := v.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
	return nil
}

// errorPage answers with the HTML error page of status. message, when
// given, says what went wrong in words fit for the user; it must never
// carry internals.
func (h *handler) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	v := h.newView(r)
	v.Status = status
	v.Title = http.StatusText(status)
	data := errorData{Status: status, Message: message}
	switch status {
	case http.StatusNotFound:
		v.Title, data.Heading = "Page not found", "We could not find that page"
		data.Message = "The address may be mistyped, or the page may have moved or be hidden from you."
	case http.StatusForbidden:
		v.Title, data.Heading = "Access denied", "You do not have access to this"
	case http.StatusInternalServerError:
		v.Title, data.Heading = "Something went wrong", "Something went wrong on our side"
		data.Message = "The problem has been logged. Please try again in a moment."
	default:
		data.Heading = http.StatusText(status)
	}
	v.Data = data
	if err := h.render(w, r, v, "shell_error"); err != nil {
		h.log.ErrorContext(r.Context(), "render error page", "request_id", requestID(r), "err", err)
		http.Error(w, http.StatusText(status), status)
	}
}

// errorData is the error page's content.
type errorData struct {
	Status  int
	Heading string
	Message string
}

// funcs are the template functions.
func (h *handler) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":     h.static.url,
		"when":      when,
		"datetime":  datetime,
		"day":       func(t any) string { return format(t, "2 Jan 2006") },
		"clock":     func(t any) string { return format(t, "15:04:05 UTC") },
		"roleLabel": func(r identity.Role) string { return roleLabels[r] },
		"kindLabel": func(k identity.OrgKind) string { return kindLabels[k] },
		"fnLabel":   func(f identity.Function) string { return functionLabels[f].Label },
		"fnDesc":    func(f identity.Function) string { return functionLabels[f].Description },
		"plural":    plural,
		"shortID":   shortID,
		// Money as invoices print it: "EUR 1,234.50", "EUR 0.0125", "1,000".
		"money":   money.Format,
		"price":   money.FormatPrice,
		"decimal": money.FormatDecimal,
		// A 1-5 rating as stars: "★★★★☆".
		"stars": stars,
	}
}

// shortID abbreviates a long id to its kind and its last characters
// ("usr_…8fg0k915"), which tell ids apart: their first characters are a
// timestamp, shared by ids made together.
func shortID(id string) string {
	kind, body, ok := strings.Cut(id, "_")
	if !ok || len(body) <= 10 {
		return id
	}
	return kind + "_…" + body[len(body)-8:]
}

// timeOf unwraps the time types templates meet.
func timeOf(t any) (time.Time, bool) {
	switch t := t.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t != nil {
			return *t, !t.IsZero()
		}
	}
	return time.Time{}, false
}

// when shows a time in UTC for people, "—" for none.
func when(t any) string { return format(t, "2 Jan 2006, 15:04 UTC") }

// format shows a time in UTC with layout, "—" for none.
func format(t any, layout string) string {
	tt, ok := timeOf(t)
	if !ok {
		return "—"
	}
	return tt.UTC().Format(layout)
}

// datetime is the machine-readable form for <time datetime>.
func datetime(t any) string {
	tt, ok := timeOf(t)
	if !ok {
		return ""
	}
	return tt.UTC().Format(time.RFC3339)
}

// stars shows a 1-5 rating as five stars, n of them filled.
func stars(n int) string {
	n = max(0, min(n, 5))
	return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
}
