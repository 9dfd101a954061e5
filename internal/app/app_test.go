package app_test

import (
	"bytes"
	"context"
	"flag"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/app"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

var update = flag.Bool("update", false, "rewrite the committed OpenAPI document")

// The committed OpenAPI document is the API's contract: a change to the API
// shows up as a diff of api/openapi.json that a reviewer reads.
func TestOpenAPIDocumentIsCommitted(t *testing.T) {
	t.Parallel()
	en := newEnv(t, db.SQLite)
	got, err := en.app.API.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	const path = "../../api/openapi.json"
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/app -run OpenAPI -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the API changed but api/openapi.json did not: review the change, then run go test ./internal/app -run OpenAPI -update")
	}
	// And the served document is that document.
	r := en.do("GET", "/api/v1/openapi.json", "", nil)
	if r.Status != 200 || !bytes.Equal(bytes.TrimSpace(r.Body), bytes.TrimSpace(want)) {
		t.Fatalf("served document differs (status %d)", r.Status)
	}
}

// The "done means": health, the document, the docs page, login and
// the current user; 401 without a token; another customer's objects are 404.
func TestFoundationEndToEnd(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			for _, p := range []string{"/healthz", "/readyz", "/api/v1/openapi.json", "/api/docs", "/metrics"} {
				if r := en.do("GET", p, "", nil); r.Status != 200 {
					t.Errorf("GET %s: %d", p, r.Status)
				}
			}
			login := en.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "admin@example.com", "password": identitytest.Password})
			if login.Status != 200 {
				t.Fatalf("login: %d %s", login.Status, login.Body)
			}
			token, _ := login.json(t)["token"].(string)
			me := en.do("GET", "/api/v1/users/me", token, nil)
			if me.Status != 200 {
				t.Fatalf("me: %d %s", me.Status, me.Body)
			}
			m := me.json(t)
			if m["user"].(map[string]any)["email"] != "admin@example.com" || m["organization"].(map[string]any)["kind"] != "operator" {
				t.Fatalf("me: %s", me.Body)
			}
			if !strings.Contains(string(me.Body), "user_impersonation") {
				t.Fatalf("me lacks the role's functions: %s", me.Body)
			}

			p := wantProblem(t, en.do("GET", "/api/v1/users/me", "", nil), 401, "unauthenticated")
			if _, leaked := p["user"]; leaked {
				t.Fatal("401 carried data")
			}
			wantProblem(t, en.do("GET", "/api/v1/organizations", "nps_bogus", nil), 401, "")

			other := en.world.Orgs["customer_a2"].ID
			r := en.as("customer_a1", "GET", "/api/v1/organizations/"+other, nil)
			wantProblem(t, r, 404, "organization_not_found")
			if strings.Contains(string(r.Body), "customer_a2") {
				t.Fatal("404 leaked the organization")
			}
			wantProblem(t, en.as("customer_a1", "GET", "/api/v1/users/"+en.world.Users["customer_a2"].ID, nil), 404, "user_not_found")

			// The metrics count API and page requests by route pattern.
			en.do("GET", "/login", "", nil)
			metrics := string(en.do("GET", "/metrics", "", nil).Body)
			for _, want := range []string{`route="/api/v1/users/me",status="200"`, `route="/api/v1/organizations/{id}",status="404"`, `route="/login",status="200"`} {
				if !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
		})
	}
}

// Bad input answers 4xx problem+json naming the field, and writes nothing.
func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	en := newEnv(t, db.SQLite)
	count := func() int {
		var n int
		if err := en.app.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM organizations) + (SELECT count(*) FROM api_keys)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	custOrg := en.world.Orgs["customer_a1"].ID
	cases := []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"malformed JSON", "POST", "/api/v1/users", `{"org_id": "` + custOrg + `", "email": `, 400, ""},
		{"unknown field", "POST", "/api/v1/users", map[string]any{"org_id": custOrg, "email": "a@b.co", "name": "A", "password": "long-enough-pw-1", "admin": true}, 422, "admin"},
		{"wrong type", "POST", "/api/v1/users", map[string]any{"org_id": custOrg, "email": 42, "name": "A", "password": "long-enough-pw-1"}, 422, "email"},
		{"missing required", "POST", "/api/v1/users", map[string]any{"org_id": custOrg, "name": "A", "password": "long-enough-pw-1"}, 422, "email"},
		{"invalid enum", "POST", "/api/v1/users", map[string]any{"org_id": custOrg, "email": "a@b.co", "name": "A", "role": "emperor", "password": "long-enough-pw-1"}, 422, "role"},
		{"invalid email", "POST", "/api/v1/users", map[string]any{"org_id": custOrg, "email": "not-an-email", "name": "A", "password": "long-enough-pw-1"}, 422, "email"},
		{"weak password", "POST", "/api/v1/users", map[string]any{"org_id": custOrg, "email": "a@b.co", "name": "A", "password": "password"}, 422, "password"},
		{"id of the wrong kind", "POST", "/api/v1/users", map[string]any{"org_id": en.world.Users["admin"].ID, "email": "a@b.co", "name": "A", "password": "long-enough-pw-1"}, 422, "org_id"},
		{"id of the wrong kind in the path", "GET", "/api/v1/organizations/" + en.world.Users["admin"].ID, nil, 422, "id"},
		{"too long", "POST", "/api/v1/organizations", map[string]any{"kind": "customer", "name": strings.Repeat("n", 201)}, 422, "name"},
		{"bad country", "POST", "/api/v1/organizations", map[string]any{"kind": "customer", "name": "N", "country": "1T"}, 422, "country"},
		{"oversized body", "POST", "/api/v1/organizations", `{"kind": "customer", "name": "` + strings.Repeat("x", 2<<20) + `"}`, 413, ""},
		{"bad limit", "GET", "/api/v1/users?limit=1000", nil, 422, "limit"},
		{"bad cursor", "GET", "/api/v1/users?cursor=zzz", nil, 422, "cursor"},
		{"empty api key name", "POST", "/api/v1/api-keys", map[string]any{"name": "  "}, 422, "name"},
	}
	for _, c := range cases {
		r := en.as("admin", c.method, c.path, c.body)
		p := wantProblemSoft(t, c.name, r, c.status)
		if p == nil {
			continue
		}
		if _, ok := p["code"].(string); !ok {
			t.Errorf("%s: no code: %s", c.name, r.Body)
		}
		if c.field != "" && !fieldNamed(p, c.field) {
			t.Errorf("%s: field %q not named: %s", c.name, c.field, r.Body)
		}
	}
	if after := count(); after != before {
		t.Fatalf("refused requests wrote %d rows", after-before)
	}
}

func wantProblemSoft(t *testing.T, name string, r response, status int) map[string]any {
	t.Helper()
	if r.Status != status || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("%s: status %d (%s), want %d problem+json: %.300s", name, r.Status, r.Header.Get("Content-Type"), status, r.Body)
		return nil
	}
	return r.json(t)
}

func TestDemoSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			cfg := app.Config{DatabaseURL: dbtest.NewDatabaseURL(t, e), MarketplaceName: "Demo", Version: "test", LogFormat: "json"}
			counts := func(a *app.App) (out [6]int) {
				for i, table := range []string{"organizations", "users", "products", "plans", "coupons", "price_catalogs"} {
					if err := a.DB.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&out[i]); err != nil {
						t.Fatal(err)
					}
				}
				return out
			}
			var first [6]int
			for run := range 2 {
				a, err := app.New(context.Background(), cfg, app.Options{Hash: identitytest.CheapHash, Log: discard()})
				if err != nil {
					t.Fatal(err)
				}
				logins, err := a.SeedDemo(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if len(logins) != 7 {
					t.Fatalf("want one login per role, got %+v", logins)
				}
				c := counts(a)
				if run == 0 {
					first = c
					if c[2] != 3 || c[4] != 5 || c[5] < 4 {
						t.Fatalf("demo catalog: products, coupons, price lists = %d, %d, %d", c[2], c[4], c[5])
					}
				} else if first != c {
					t.Fatalf("second run changed counts from %v to %v", first, c)
				}
				var out bytes.Buffer
				app.PrintDemo(&out, "http://127.0.0.1:8080", logins)
				if !strings.Contains(out.String(), app.DemoPassword) || !strings.Contains(out.String(), "admin@nephele.example") {
					t.Fatalf("demo banner: %s", out.String())
				}
				a.Close()
			}
		})
	}
}

// Shutdown stops accepting, lets an in-flight request finish and returns.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	cfg := app.Config{DatabaseURL: dbtest.NewDatabaseURL(t, db.SQLite), MarketplaceName: "M", Version: "test", LogFormat: "json", Workers: 2}
	a, err := app.New(context.Background(), cfg, app.Options{Hash: identitytest.CheapHash, Log: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln, func(addr string) { ready <- addr }) }()
	addr := <-ready

	// A slow upload is in flight when the signal comes.
	pr, pw := ioPipe()
	var wg sync.WaitGroup
	wg.Add(1)
	var status int
	go func() {
		defer wg.Done()
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/auth/login", pr)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		status = resp.StatusCode
	}()
	_, _ = pw.Write([]byte(`{"email": "nobody@example.com", `))
	time.Sleep(100 * time.Millisecond) // let the request reach the handler; wall time, not business time
	cancel()
	time.Sleep(100 * time.Millisecond)
	_, _ = pw.Write([]byte(`"password": "x"}`))
	pw.Close()
	wg.Wait()
	if status != http.StatusUnauthorized {
		t.Fatalf("in-flight request answered %d, want its normal 401", status)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the context ended")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("still accepting connections after shutdown")
	}
}

// Two processes starting at once on one database both come up, with one
// operator and one bootstrap admin between them, and seed the demo once.
func TestTwoProcessesStartTogether(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			cfg := app.Config{DatabaseURL: dbtest.NewDatabaseURL(t, e), MarketplaceName: "M", Version: "test", LogFormat: "json",
				BootstrapAdmin: "root@example.com:bootstrap-pass-1"}
			var wg sync.WaitGroup
			apps := make([]*app.App, 2)
			errs := make([]error, 2)
			for i := range apps {
				wg.Add(1)
				go func() {
					defer wg.Done()
					apps[i], errs[i] = app.New(context.Background(), cfg, app.Options{Hash: identitytest.CheapHash, Log: discard()})
					if errs[i] == nil {
						_, errs[i] = apps[i].SeedDemo(context.Background())
					}
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("process %d: %v", i, err)
				}
				defer apps[i].Close()
			}
			var ops, admins, orgs int
			ctx := context.Background()
			_ = apps[0].DB.QueryRow(ctx, `SELECT count(*) FROM organizations WHERE kind = 'operator'`).Scan(&ops)
			_ = apps[0].DB.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = 'super_admin'`).Scan(&admins)
			_ = apps[0].DB.QueryRow(ctx, `SELECT count(*) FROM organizations`).Scan(&orgs)
			var products int
			_ = apps[0].DB.QueryRow(ctx, `SELECT count(*) FROM products`).Scan(&products)
			if ops != 1 || admins != 2 || orgs != 10 || products != 3 { // the bootstrap admin and the demo's
				t.Fatalf("operators %d, super admins %d, organizations %d, products %d", ops, admins, orgs, products)
			}
		})
	}
}

// The same Idempotency-Key and body create one organization; the same key
// with another body is a conflict.
func TestIdempotentCreation(t *testing.T) {
	t.Parallel()
	en := newEnv(t, db.SQLite)
	body := map[string]string{"kind": "customer", "name": "Once Ltd"}
	first := en.do("POST", "/api/v1/organizations", en.tokens["reseller_a"], body, "Idempotency-Key", "create-once-1")
	second := en.do("POST", "/api/v1/organizations", en.tokens["reseller_a"], body, "Idempotency-Key", "create-once-1")
	if first.Status != 201 || second.Status != 201 || !bytes.Equal(first.Body, second.Body) || second.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s / %d %s", first.Status, first.Body, second.Status, second.Body)
	}
	wantProblem(t, en.do("POST", "/api/v1/organizations", en.tokens["reseller_a"], map[string]string{"kind": "customer", "name": "Other"},
		"Idempotency-Key", "create-once-1"), 409, "idempotency_key_reused")
	var n int
	if err := en.app.DB.QueryRow(context.Background(), `SELECT count(*) FROM organizations WHERE name = 'Once Ltd'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("organizations created: %d, %v", n, err)
	}
	// Keys are per caller: another user's identical key is a new request.
	other := en.do("POST", "/api/v1/organizations", en.tokens["reseller_b"], body, "Idempotency-Key", "create-once-1")
	if other.Status != 201 || other.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("another caller's key: %d %s", other.Status, other.Body)
	}
}
