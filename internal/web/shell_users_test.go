package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// impersonate starts impersonating fixture user name from the users page.
func (c *client) impersonate(e *env, name string) *response {
	c.t.Helper()
	return c.postForm("/users", "/impersonate", url.Values{"user_id": {e.world.Users[name].ID}})
}

func TestImpersonationByAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("admin")
	adminToken := c.cookies[sessionCookie]

	// Given the admin on the users page, with an Impersonate button per row,
	res := c.get("/users")
	wantText(t, res, "customer_a1@example.com", "Impersonate")
	if n := strings.Count(res.Body, `action="/impersonate"`); n != len(e.world.Users)-1 {
		t.Errorf("%d impersonate buttons, want one per other user (%d)", n, len(e.world.Users)-1)
	}

	// when it impersonates customer_a1,
	res = c.impersonate(e, "customer_a1")
	wantRedirect(t, res, "/")
	if c.cookies[adminCookie] != adminToken || c.cookies[sessionCookie] == adminToken {
		t.Fatalf("cookies after impersonating: %v", c.cookies)
	}
	if ck := setCookie(res, adminCookie); ck == nil || !ck.HttpOnly {
		t.Errorf("admin cookie attributes: %+v", ck)
	}

	// then every page shows the banner,
	banner := "You are acting as customer_a1 (customer_a1@example.com), impersonated by admin."
	res = c.get("/")
	wantText(t, res, banner, "Exit impersonation", "You are now acting as customer_a1.", "Hello, customer_a1")
	wantNoText(t, res, "Read-only")
	for _, p := range []string{"/account", "/users", "/organizations"} {
		wantText(t, c.get(p), banner)
	}
	wantText(t, c.get("/no-such-page"), banner)
	// and the customer sees only its own organization.
	res = c.get("/users")
	wantNoText(t, res, "customer_a2@example.com", "Impersonate")

	// When it exits, it is the admin again.
	res = c.postForm("/", "/impersonate/exit", url.Values{})
	wantRedirect(t, res, "/users")
	if c.cookies[sessionCookie] != adminToken {
		t.Error("the admin's session was not restored")
	}
	if _, ok := c.cookies[adminCookie]; ok {
		t.Error("the admin cookie was not cleared")
	}
	res = c.get("/users")
	wantText(t, res, "You stopped acting as customer_a1", "customer_a2@example.com")
	wantNoText(t, res, "You are acting as")
	wantText(t, c.get("/"), "Hello, admin")

	// The audit log names both.
	res = c.get("/audit?object_id=" + e.world.Users["customer_a1"].ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "user.impersonation_start", "user.impersonation_end", "customer_a1", "admin")
}

func TestImpersonationBySupervisorIsReadOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("supervisor")

	// A supervisor may not impersonate an admin: the refusal is a flash.
	res := c.impersonate(e, "admin")
	wantRedirect(t, res, "/users")
	wantText(t, c.get("/users"), "You may only impersonate users of a lower role.")

	res = c.impersonate(e, "vendor_a")
	wantRedirect(t, res, "/")
	res = c.get("/account")
	wantText(t, res, "You are acting as vendor_a (vendor_a@example.com), impersonated by supervisor.", "Read-only")

	// A write is refused, shown as a flash, and nothing changes.
	res = c.postForm("/account", "/account/profile", url.Values{"name": {"Changed"}, "email": {"vendor_a@example.com"}})
	wantRedirect(t, res, "/account")
	wantText(t, c.get("/account"), "A supervisor's impersonation is read-only.")
	if got := e.user("vendor_a").Name; got != "vendor_a" {
		t.Fatalf("name changed to %q during a read-only impersonation", got)
	}

	// Signing out while impersonating ends both sessions.
	res = c.postForm("/", "/logout", url.Values{})
	wantRedirect(t, res, "/login")
	if len(c.cookies) != 0 && (c.cookies[sessionCookie] != "" || c.cookies[adminCookie] != "") {
		t.Errorf("cookies left: %v", c.cookies)
	}
}

func TestImpersonationExpiryRestoresAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("admin")
	adminToken := c.cookies[sessionCookie]
	wantRedirect(t, c.impersonate(e, "customer_a1"), "/")

	// The impersonation session ends behind the browser's back.
	ctx := e.actorCtx(t, c.cookies[sessionCookie])
	if _, err := e.svc.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	res := c.get("/")
	wantText(t, res, "The impersonation session has ended", "Hello, admin")
	if c.cookies[sessionCookie] != adminToken || c.cookies[adminCookie] != "" {
		t.Errorf("cookies: %v", c.cookies)
	}
}

func TestCustomerVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("customer_a1")

	res := c.get("/audit")
	wantStatus(t, res, http.StatusForbidden)
	wantText(t, res, "You do not have access to this")
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("403 content type %q", res.Header.Get("Content-Type"))
	}

	res = c.get("/users")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "customer_a1@example.com")
	for _, name := range []string{"customer_a2", "reseller_a", "admin", "vendor_a"} {
		if strings.Contains(res.Body, name+"@example.com") {
			t.Errorf("a customer sees %s", name)
		}
	}
	wantNoText(t, res, "Impersonate")

	res = c.get("/organizations")
	wantText(t, res, "customer_a1")
	wantNoText(t, res, "reseller_a", "customer_a2")

	// A customer cannot impersonate even by posting the form.
	res = c.impersonate(e, "customer_a2")
	wantRedirect(t, res, "/users")
	wantText(t, c.get("/users"), "Your role may not use user_impersonation.")
}

func TestUsersSearchAndPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("admin")

	res := c.get("/users?q=customer_a")
	wantText(t, res, "customer_a1@example.com", "customer_a2@example.com")
	wantNoText(t, res, "vendor_a@example.com")
	res = c.get("/users?q=zzz")
	wantText(t, res, "No users match “zzz”.")

	res = c.get("/organizations?q=reseller")
	wantText(t, res, "reseller_a Reseller distributor", "reseller_b Reseller distributor") // kind and parent
	wantNoText(t, res, "vendor_a")

	res = c.get("/users?cursor=bogus")
	wantStatus(t, res, http.StatusUnprocessableEntity)
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("supervisor")

	res := c.get("/audit")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Audit log", "user.login", "user.create")

	res = c.get("/audit?actor_id=not-an-id")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Actor id")
	if !strings.Contains(res.Body, `aria-invalid="true"`) {
		t.Error("the filter's error is not on its input")
	}

	// Paging: more than one page of entries.
	for range 50 {
		e.world.Login(t, "vendor_a")
	}
	res = c.get("/audit")
	m := regexp.MustCompile(`href="(/audit\?cursor=[^"]+)"`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatal("no next page link")
	}
	res = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "First page")
}

func TestSecurityHeadersAndErrorPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()

	for _, p := range []string{"/", "/login", "/no/such/page"} {
		res := c.get(p)
		if got := res.Header.Get("Content-Security-Policy"); got != contentSecurityPolicy {
			t.Errorf("%s: CSP %q", p, got)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: headers %v", p, res.Header)
		}
		if strings.Contains(res.Body, "<script>") || strings.Contains(res.Body, "style=") {
			t.Errorf("%s: inline script or style breaks the CSP", p)
		}
	}

	res := c.get("/no/such/page")
	wantStatus(t, res, http.StatusNotFound)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(res.Body, "<!doctype html>") {
		t.Errorf("404 is not an HTML page: %q", res.Header.Get("Content-Type"))
	}
	wantText(t, res, "We could not find that page")

	res = c.do(http.MethodPut, "/login", url.Values{})
	wantStatus(t, res, http.StatusMethodNotAllowed)
	wantText(t, res, "Method Not Allowed")

	// An anonymous form post goes to sign in.
	wantRedirect(t, c.post("/account/profile", url.Values{}), "/login")

	// Static assets are versioned and cached for long.
	css := regexp.MustCompile(`href="(/static/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(c.get("/").Body)
	if css == nil {
		t.Fatal("no versioned stylesheet link")
	}
	res = c.get(css[1])
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Header.Get("Cache-Control"), "max-age=31536000") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("static headers %v", res.Header)
	}
	wantStatus(t, c.get("/static/missing.css"), http.StatusNotFound)
	wantStatus(t, c.get("/static/"), http.StatusNotFound)
}

func TestLabelsCoverEveryName(t *testing.T) {
	t.Parallel()
	for _, f := range identity.Functions {
		if l := functionLabels[f]; l.Label == "" || l.Description == "" {
			t.Errorf("function %s has no label", f)
		}
	}
	for _, r := range identity.Roles {
		if roleLabels[r] == "" {
			t.Errorf("role %s has no label", r)
		}
	}
	for _, k := range identity.OrgKinds {
		if kindLabels[k] == "" {
			t.Errorf("organization kind %s has no label", k)
		}
	}
}

func TestPanicIsALoggedErrorPage(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite, dbtest.Options{})
	var logs bytes.Buffer
	cfg := services(t, d).config()
	cfg.Log = slog.New(slog.NewTextHandler(&logs, nil))
	h, err := newHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("secret internals") })
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/boom", nil)
	req.Header.Set("X-Request-Id", "req-test-1")
	h.chain().ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "secret internals") {
		t.Fatalf("status %d, body:\n%s", rec.Code, rec.Body.String())
	}
	if !strings.Contains(rec.Body.String(), "Something went wrong") || !strings.Contains(rec.Body.String(), "req-test-1") {
		t.Errorf("the 500 page lacks its message or reference:\n%s", rec.Body.String())
	}
	if !strings.Contains(logs.String(), "secret internals") || !strings.Contains(logs.String(), "req-test-1") {
		t.Errorf("the panic was not logged with the request id:\n%s", logs.String())
	}
}
