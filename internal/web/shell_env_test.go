package web

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/services/servicestest"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// env is a web server on a fresh database holding the fixture marketplace.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	world *identitytest.World
	svc   *identity.Service
	d     *db.DB
	cat   *catalog.Service
	ch    *channel.Service
	subs  *subscription.Service
	bill  *billing.Service
	led   *ledger.Ledger
	// ob delivers the events services publish (subscriptions become
	// charges); call e.deliver after an action whose effects a page shows.
	ob *outbox.Outbox
}

type envOptions struct {
	secure bool
	clock  clock.Clock
}

func newEnv(t *testing.T, opts ...envOptions) *env {
	t.Helper()
	var o envOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	e := services(t, dbtest.Open(t, db.SQLite, dbtest.Options{Clock: o.clock}))
	cfg := e.config()
	cfg.CookieSecure = o.secure
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The workers of a running process deliver each event as soon as it
	// is committed: here every request's events are delivered before its
	// answer reaches the test, starting with the fixture's own.
	if _, err := e.ob.DeliverPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if _, err := e.ob.DeliverPending(context.Background()); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// services wires the domain services on d, over the fixture marketplace,
// and checks the ledger balances at the end of the test.
func services(t *testing.T, d *db.DB) *env {
	t.Helper()
	world := servicestest.New(t, d, servicestest.Options{})
	w, svc, cat, ch, subs, bill, led, ob := world.Market, world.Identity, world.Catalog, world.Channel, world.Subs, world.Billing, world.Ledger, world.Outbox
	t.Cleanup(func() {
		if err := led.Check(context.Background()); err != nil {
			t.Errorf("ledger: %v", err)
		}
		if err := bill.Check(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return &env{t: t, world: w, svc: svc, d: d, cat: cat, ch: ch, subs: subs, bill: bill, led: led, ob: ob}
}

// config is the web configuration over e's services.
func (e *env) config() Config {
	return Config{Identity: e.svc, MarketplaceName: "Test Marketplace", APIDocsPath: "/api/docs",
		Catalog: e.cat, Channel: e.ch, Subs: e.subs, Billing: e.bill}
}

// deliver hands every pending event to its subscribers (orders become
// subscriptions and charges) and runs billing, as the workers would.
func (e *env) deliver() {
	e.t.Helper()
	ctx := context.Background()
	for range 3 {
		if _, err := e.ob.DeliverPending(ctx); err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.bill.RunDue(ctx); err != nil {
			e.t.Fatal(err)
		}
	}
}

// user returns the fixture user name as stored now.
func (e *env) user(name string) identity.User {
	e.t.Helper()
	ctx := actor.With(context.Background(), actor.System)
	u, err := e.svc.GetUser(ctx, e.world.Users[name].ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// client is a browser stand-in that keeps cookies by hand (a cookiejar
// would drop Secure cookies over http) and never follows redirects.
type client struct {
	t       *testing.T
	base    string
	http    *http.Client
	cookies map[string]string
	// header is added to every request.
	header http.Header
}

func (e *env) client() *client {
	return &client{t: e.t, base: e.srv.URL, cookies: map[string]string{}, header: http.Header{},
		http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is an answer with its body read.
type response struct {
	*http.Response
	Body string
}

func (c *client) do(method, path string, form url.Values) *response {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	for name, value := range c.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, ck := range res.Cookies() { // in order: a later cookie wins
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return &response{Response: res, Body: string(b)}
}

func (c *client) get(path string) *response { c.t.Helper(); return c.do(http.MethodGet, path, nil) }

func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	return c.do(http.MethodPost, path, form)
}

// postForm posts form with the CSRF token of the page at from.
func (c *client) postForm(from, path string, form url.Values) *response {
	c.t.Helper()
	page := c.get(from)
	if page.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: status %d", from, page.StatusCode)
	}
	form.Set("csrf_token", csrfToken(c.t, page.Body))
	return c.post(path, form)
}

// login signs the fixture user name in through the form.
func (c *client) login(name string) {
	c.t.Helper()
	res := c.signIn(name+"@example.com", identitytest.Password, "")
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d\n%s", name, res.StatusCode, res.Body)
	}
}

// signIn submits the sign-in form.
func (c *client) signIn(email, password, next string) *response {
	c.t.Helper()
	path := "/login"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	page := c.get(path)
	if page.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: status %d", path, page.StatusCode)
	}
	form := url.Values{"email": {email}, "password": {password}, "csrf_token": {csrfToken(c.t, page.Body)}}
	if m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(page.Body); m != nil {
		form.Set("next", html.UnescapeString(m[1]))
	}
	return c.post("/login", form)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfToken(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// text returns the page's visible text, tags removed and entities decoded,
// with spaces collapsed, for matching sentences.
func text(body string) string {
	s := regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

func wantStatus(t *testing.T, res *response, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, res.Body)
	}
}

func wantRedirect(t *testing.T, res *response, location string) {
	t.Helper()
	wantStatus(t, res, http.StatusSeeOther)
	if got := res.Header.Get("Location"); got != location {
		t.Fatalf("%s %s: redirect to %q, want %q", res.Request.Method, res.Request.URL.Path, got, location)
	}
}

func wantText(t *testing.T, res *response, parts ...string) {
	t.Helper()
	txt := text(res.Body)
	for _, p := range parts {
		if !strings.Contains(txt, p) {
			t.Errorf("%s %s: page lacks %q\n%s", res.Request.Method, res.Request.URL.Path, p, txt)
		}
	}
}

func wantNoText(t *testing.T, res *response, parts ...string) {
	t.Helper()
	txt := text(res.Body)
	for _, p := range parts {
		if strings.Contains(txt, p) {
			t.Errorf("%s %s: page has %q\n%s", res.Request.Method, res.Request.URL.Path, p, txt)
		}
	}
}

// setCookie returns the Set-Cookie of name in res, nil if none.
func setCookie(res *response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// actorCtx is a context acting with a token.
func (e *env) actorCtx(t *testing.T, token string) context.Context {
	t.Helper()
	a, err := e.svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return actor.With(context.Background(), a)
}
