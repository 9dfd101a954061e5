package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/app"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// env is a whole Nephele process behind an httptest server, with the
// fixture marketplace of identitytest.
type env struct {
	t     *testing.T
	app   *app.App
	srv   *httptest.Server
	world *identitytest.World
	clock *clock.Test
	// tokens of the fixture users, by fixture name.
	tokens map[string]string
}

func newEnv(t *testing.T, e db.Engine) *env {
	t.Helper()
	clk := clock.NewTest(dbtest.DefaultStart)
	cfg := app.Config{DatabaseURL: dbtest.NewDatabaseURL(t, e), MarketplaceName: "Test Marketplace", LogFormat: "json", LogLevel: "error",
		InsecureCookies: true, Version: "test"}
	a, err := app.New(context.Background(), cfg, app.Options{Clock: clk, Hash: identitytest.CheapHash, Log: discard()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	en := &env{t: t, app: a, srv: srv, clock: clk, world: identitytest.NewWorld(t, a.Identity), tokens: map[string]string{}}
	for _, name := range identitytest.Names {
		_, en.tokens[name] = en.world.Login(t, name)
	}
	return en
}

// response is an HTTP answer read in full.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// do sends a request; body may be nil, a string (sent as is) or a value
// (sent as JSON).
func (en *env) do(method, path, token string, body any, headers ...string) response {
	en.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			en.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, en.srv.URL+path, rd)
	if err != nil {
		en.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := en.srv.Client().Do(req)
	if err != nil {
		en.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		en.t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// as sends a request as a fixture user.
func (en *env) as(who, method, path string, body any) response {
	en.t.Helper()
	return en.do(method, path, en.tokens[who], body)
}

// wantProblem checks r is a problem+json answer with the status and code.
func wantProblem(t *testing.T, r response, status int, code string) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want problem+json: %s", ct, r.Body)
	}
	p := r.json(t)
	if code != "" && p["code"] != code {
		t.Fatalf("code %v, want %s: %s", p["code"], code, r.Body)
	}
	return p
}

// fieldNamed reports whether problem p has a field error for field.
func fieldNamed(p map[string]any, field string) bool {
	list, _ := p["errors"].([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && m["field"] == field {
			return true
		}
	}
	return false
}
