package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)

		// No token on an authenticated operation: 401 before the body is
		// even parsed, so an invalid body changes nothing.
		for _, body := range []string{`{"name":"x"}`, `{"nope":1}`} {
			w := h.do("POST", "/api/v1/things", "", body)
			p := expectProblem(t, w, http.StatusUnauthorized, "unauthenticated")
			if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") || len(p.Errors) != 0 || p.Instance != "/api/v1/things" {
				t.Fatalf("401 %v %s", w.Header(), w.Body)
			}
			if strings.Contains(w.Body.String(), `"id"`) {
				t.Fatalf("401 leaks data: %s", w.Body)
			}
		}
		if h.things.Load() != 0 {
			t.Fatal("handler ran without an actor")
		}

		w := h.do("POST", "/api/v1/things", "wrong", `{"name":"x"}`)
		expectProblem(t, w, http.StatusUnauthorized, "invalid_token")
		if w.Header().Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
			t.Fatalf("WWW-Authenticate %q", w.Header().Get("WWW-Authenticate"))
		}
		// A bad token is refused even on a public operation.
		expectProblem(t, h.do("POST", "/api/v1/echo", "wrong", validEcho), http.StatusUnauthorized, "invalid_token")
		for _, header := range []string{"Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "tok_alice"} {
			w := h.do("GET", "/api/v1/things/thg_1", "", "", "Authorization", header)
			expectProblem(t, w, http.StatusUnauthorized, "malformed_authorization")
		}
		// An authenticator failure is a 500, not a rejected token.
		expectProblem(t, h.do("GET", "/api/v1/things/thg_1", "tok_broken", ""), http.StatusInternalServerError, "internal_error")

		w = h.do("POST", "/api/v1/things", tokenAlice, `{"name":"x"}`)
		if w.Code != http.StatusCreated || w.Header().Get("Location") == "" {
			t.Fatalf("create: %d %v %s", w.Code, w.Header(), w.Body)
		}
		// Scheme names are case-insensitive.
		w = h.do("GET", w.Header().Get("Location"), "", "", "Authorization", "bearer "+tokenAlice)
		if w.Code != http.StatusOK {
			t.Fatalf("get: %d %s", w.Code, w.Body)
		}
		expectProblem(t, h.do("GET", "/api/v1/things/thg_missing", tokenAlice, ""), http.StatusNotFound, "thing_not_found")
	})
}

func TestDecodingErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	cases := []struct {
		name, body, contentType string
		status                  int
		code, field, fieldCode  string
	}{
		{"malformed json", `{"name":`, "", 400, "malformed_request", "", ""},
		{"not json at all", `name=ann`, "", 400, "malformed_request", "", ""},
		{"unknown field", `{"name":"Ann","kind":"small","count":3,"address":{"country":"FR"},"extra":1}`, "", 422, "validation_failed", "extra", "unknown_field"},
		{"nested unknown field", `{"name":"Ann","kind":"small","count":3,"address":{"country":"FR","zip":"1"}}`, "", 422, "validation_failed", "address.zip", "unknown_field"},
		{"wrong type", `{"name":"Ann","kind":"small","count":"3","address":{"country":"FR"}}`, "", 422, "validation_failed", "count", "wrong_type"},
		{"missing required", `{"kind":"small","count":3,"address":{"country":"FR"}}`, "", 422, "validation_failed", "name", "required"},
		{"missing nested required", `{"name":"Ann","kind":"small","count":3,"address":{}}`, "", 422, "validation_failed", "address.country", "required"},
		{"invalid enum", `{"name":"Ann","kind":"huge","count":3,"address":{"country":"FR"}}`, "", 422, "validation_failed", "kind", "invalid_enum"},
		{"too long", `{"name":"` + strings.Repeat("a", 21) + `","kind":"small","count":3,"address":{"country":"FR"}}`, "", 422, "validation_failed", "name", "too_long"},
		{"too short nested", `{"name":"Ann","kind":"small","count":3,"address":{"country":"F"}}`, "", 422, "validation_failed", "address.country", "too_short"},
		{"out of range", `{"name":"Ann","kind":"small","count":1001,"address":{"country":"FR"}}`, "", 422, "validation_failed", "count", "out_of_range"},
		{"too many items", `{"name":"Ann","kind":"small","count":1,"address":{"country":"FR"},"tags":["a","b","c","d"]}`, "", 422, "validation_failed", "tags", "too_long"},
		{"array item type", `{"name":"Ann","kind":"small","count":1,"address":{"country":"FR"},"tags":[1]}`, "", 422, "validation_failed", "tags[0]", "wrong_type"},
		{"array body", `[]`, "", 422, "validation_failed", "", "wrong_type"},
		{"over maximum", `{"name":"Ann","kind":"small","count":1e30,"address":{"country":"FR"}}`, "", 422, "validation_failed", "count", "out_of_range"},
		{"integer overflow", `{"name":"Ann","kind":"small","count":1,"address":{"country":"FR"},"big":1e30}`, "", 422, "validation_failed", "big", "out_of_range"},
		{"float overflow", `{"name":"Ann","kind":"small","count":1,"address":{"country":"FR"},"big":1e400}`, "", 400, "malformed_request", "", ""},
		{"text body", validEcho, "text/plain", 415, "unsupported_media_type", "", ""},
		{"empty body", "", "application/json", 400, "malformed_request", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest("POST", "/api/v1/echo", strings.NewReader(c.body))
			req.Header.Set("Content-Type", firstNonEmpty(c.contentType, "application/json"))
			w := httptest.NewRecorder()
			h.h.ServeHTTP(w, req)
			p := expectProblem(t, w, c.status, c.code)
			if c.field != "" || c.fieldCode != "" {
				if !hasField(p, c.field, c.fieldCode) {
					t.Fatalf("no field error %s/%s in %s", c.field, c.fieldCode, w.Body)
				}
			}
			if p.Detail == "" {
				t.Fatalf("no detail: %s", w.Body)
			}
			for _, f := range p.Errors {
				if f.Message == "" || f.Code == "" {
					t.Fatalf("incomplete field error %+v", f)
				}
			}
		})
	}
	w := h.do("POST", "/api/v1/echo", "", validEcho)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"name":"Ann"`) {
		t.Fatalf("valid echo: %d %s", w.Code, w.Body)
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d) // MaxBodyBytes 4096
		big := `{"name":"` + strings.Repeat("a", 5000) + `"}`
		// Known Content-Length: refused before reading.
		expectProblem(t, h.do("POST", "/api/v1/echo", "", big), http.StatusRequestEntityTooLarge, "request_too_large")
		// Chunked: refused while reading, by huma and by the idempotency layer.
		for _, c := range []struct{ token, key string }{{"", ""}, {tokenAlice, "k-big"}} {
			req := httptest.NewRequest("POST", "/api/v1/things", io.MultiReader(strings.NewReader(big)))
			req.ContentLength = -1
			req.Header.Set("Content-Type", "application/json")
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
				req.Header.Set(IdempotencyHeader, c.key)
			} else {
				req.URL.Path = "/api/v1/echo"
			}
			w := httptest.NewRecorder()
			h.h.ServeHTTP(w, req)
			expectProblem(t, w, http.StatusRequestEntityTooLarge, "request_too_large")
		}
		// A body of exactly the limit passes.
		exact := `{"name":"` + strings.Repeat("a", 4096-len(`{"name":""}`)) + `"}`
		if len(exact) != 4096 {
			t.Fatalf("len %d", len(exact))
		}
		req := httptest.NewRequest("POST", "/api/v1/things", io.MultiReader(strings.NewReader(exact)))
		req.ContentLength = -1
		req.Header.Set("Authorization", "Bearer "+tokenAlice)
		w := httptest.NewRecorder()
		h.h.ServeHTTP(w, req)
		expectProblem(t, w, http.StatusUnprocessableEntity, "validation_failed") // name too long, but read fine
		if h.things.Load() != 0 {
			t.Fatal("handler ran")
		}
	})
}

func TestUnmatchedRoutes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	p := expectProblem(t, h.do("GET", "/api/v1/nothing-here", "", ""), http.StatusNotFound, "not_found")
	if p.Instance != "/api/v1/nothing-here" {
		t.Fatalf("instance %q", p.Instance)
	}
	expectProblem(t, h.do("GET", "/api/elsewhere", "", ""), http.StatusNotFound, "not_found")
	w := h.do("GET", "/api/v1/echo", "", "")
	expectProblem(t, w, http.StatusMethodNotAllowed, "method_not_allowed")
	if !strings.Contains(w.Header().Get("Allow"), "POST") {
		t.Fatalf("Allow %q", w.Header().Get("Allow"))
	}
	expectProblem(t, h.do("DELETE", "/api/v1/things/x", tokenAlice, ""), http.StatusMethodNotAllowed, "method_not_allowed")
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	w := h.do("POST", "/api/v1/echo", "", validEcho, "X-Request-Id", "client-id.42_x")
	if got := w.Header().Get("X-Request-Id"); got != "client-id.42_x" {
		t.Fatalf("echoed request id %q", got)
	}
	for _, bad := range []string{"", "has space", strings.Repeat("a", 65), "<script>"} {
		w := h.do("POST", "/api/v1/echo", "", validEcho, "X-Request-Id", bad)
		if got := w.Header().Get("X-Request-Id"); !strings.HasPrefix(got, "req_") {
			t.Fatalf("for %q generated %q", bad, got)
		}
	}
	// The access log names the request.
	w = h.do("GET", "/api/v1/things/x", tokenBob, "", "X-Request-Id", "log-me")
	line := findLog(t, h.logs.String(), "http request", "log-me")
	if line["route"] != "/api/v1/things/{id}" || line["user_id"] != "usr_bob" || line["status"] != float64(w.Code) ||
		line["method"] != "GET" || line["path"] != "/api/v1/things/x" {
		t.Fatalf("access log %v", line)
	}
	if _, ok := line["duration_ms"]; !ok {
		t.Fatalf("no duration: %v", line)
	}
}

// findLog returns the first log line with msg and request id.
func findLog(t testing.TB, logs, msg, requestID string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg && m["request_id"] == requestID {
			return m
		}
	}
	t.Fatalf("no log %q for %s in:\n%s", msg, requestID, logs)
	return nil
}

func TestHandlerErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)

	w := h.do("POST", "/api/v1/fail", tokenAlice, `{"mode":"throttle"}`)
	expectProblem(t, w, http.StatusTooManyRequests, "login_throttled")
	if w.Header().Get("Retry-After") != "30" {
		t.Fatalf("Retry-After %q", w.Header().Get("Retry-After"))
	}

	w = h.do("POST", "/api/v1/fail", tokenAlice, `{"mode":"internal"}`, "X-Request-Id", "req-internal")
	p := expectProblem(t, w, http.StatusInternalServerError, "internal_error")
	if p.Detail != "internal error" || strings.Contains(w.Body.String(), "secret_table") {
		t.Fatalf("internal error leaks: %s", w.Body)
	}
	line := findLog(t, h.logs.String(), "internal error", "req-internal")
	if !strings.Contains(line["error"].(string), "secret_table") || line["route"] != "POST /api/v1/fail" || line["level"] != "ERROR" {
		t.Fatalf("internal error log %v", line)
	}

	w = h.do("POST", "/api/v1/fail", tokenAlice, `{"mode":"panic"}`, "X-Request-Id", "req-panic")
	p = expectProblem(t, w, http.StatusInternalServerError, "internal_error")
	if p.Detail != "internal error" || strings.Contains(w.Body.String(), "boom") {
		t.Fatalf("panic leaks: %s", w.Body)
	}
	line = findLog(t, h.logs.String(), "panic", "req-panic")
	if line["panic"] != "boom" || !strings.Contains(line["stack"].(string), "goroutine") {
		t.Fatalf("panic log %v", line)
	}
	if l := findLog(t, h.logs.String(), "http request", "req-panic"); l["status"] != float64(500) {
		t.Fatalf("access log of a panic %v", l)
	}
	expectProblem(t, h.do("POST", "/api/v1/fail", tokenAlice, `{"mode":"conflict"}`), http.StatusConflict, "name_taken")
	// huma's own helpers come out as problems too, headers kept.
	w = h.do("POST", "/api/v1/fail", tokenAlice, `{"mode":"huma"}`)
	if p := expectProblem(t, w, http.StatusConflict, "conflict"); p.Detail != "huma says no" || w.Header().Get("X-Extra") != "1" {
		t.Fatalf("huma error: %v %s", w.Header(), w.Body)
	}
}

func TestImpersonationReadOnly(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		expectProblem(t, h.do("POST", "/api/v1/things", tokenSupervisor, `{"name":"x"}`), http.StatusForbidden, "impersonation_read_only")
		expectProblem(t, h.do("DELETE", "/api/v1/things/x", tokenSupervisor, ""), http.StatusForbidden, "impersonation_read_only")
		if h.things.Load() != 0 || h.countThings(t) != 0 {
			t.Fatal("a read-only impersonation wrote")
		}
		if w := h.do("GET", "/api/v1/things/none", tokenSupervisor, ""); w.Code != http.StatusNotFound {
			t.Fatalf("read refused: %d %s", w.Code, w.Body)
		}
		if w := h.do("POST", "/api/v1/auth/logout", tokenSupervisor, ""); w.Code != http.StatusNoContent {
			t.Fatalf("logout refused: %d %s", w.Code, w.Body)
		}
		// Other impersonators may write; the log names both identities.
		w := h.do("POST", "/api/v1/things", tokenAdmin, `{"name":"x"}`, "X-Request-Id", "req-adm")
		if w.Code != http.StatusCreated {
			t.Fatalf("admin impersonation: %d %s", w.Code, w.Body)
		}
		if l := findLog(t, h.logs.String(), "http request", "req-adm"); l["user_id"] != "usr_alice" || l["impersonator_id"] != "usr_adm" {
			t.Fatalf("log %v", l)
		}
	})
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	a, err := h.api.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := h.api.OpenAPIJSON()
	if !bytes.Equal(a, b) {
		t.Fatal("OpenAPIJSON is not deterministic")
	}
	// A second API built the same way gives the same document.
	if c, _ := newHarness(t, nil).api.OpenAPIJSON(); !bytes.Equal(a, c) {
		t.Fatal("OpenAPIJSON differs between identical APIs")
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Servers []struct{ URL string }    `json:"servers"`
		Paths   map[string]map[string]any `json:"paths"`
		Comps   struct {
			Schemas         map[string]any `json:"schemas"`
			SecuritySchemes map[string]struct {
				Type, Scheme string
			} `json:"securitySchemes"`
			Responses map[string]any `json:"responses"`
		} `json:"components"`
	}
	if err := json.Unmarshal(a, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("openapi %q servers %v", doc.OpenAPI, doc.Servers)
	}
	if s := doc.Comps.SecuritySchemes["bearer"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Fatalf("security scheme %+v", s)
	}
	if doc.Comps.Schemas["Problem"] == nil || doc.Comps.Responses["ValidationFailed"] == nil {
		t.Fatal("no Problem schema or shared error responses")
	}
	create, _ := json.Marshal(doc.Paths["/things"]["post"])
	echo, _ := json.Marshal(doc.Paths["/echo"]["post"])
	for _, want := range []string{`"security":[{"bearer":[]}]`, `"401":{"$ref":"#/components/responses/Unauthenticated"}`,
		`"429":`, `"500":`, `"422":`, `"409":`, `"404":`, `"403":`, `"name":"Idempotency-Key"`} {
		if !strings.Contains(string(create), want) {
			t.Errorf("POST /things lacks %s: %s", want, create)
		}
	}
	if strings.Contains(string(echo), `"security"`) || !strings.Contains(string(echo), "anonymous requests") {
		t.Errorf("public echo: %s", echo)
	}
	if len(h.api.Operations()) != 5 {
		t.Fatalf("%d operations", len(h.api.Operations()))
	}
	// Served as is.
	w := h.do("GET", "/api/v1/openapi.json", "", "")
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), a) {
		t.Fatalf("served document differs: %d", w.Code)
	}
}

func TestDocsPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	w := h.do("GET", "/api/docs", "", "")
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("docs: %d %v", w.Code, w.Header())
	}
	page := w.Body.String()
	for _, want := range []string{
		"/api/v1/things/{id}", "Create a thing", "/api/v1/openapi.json", "idempotency_key_reused",
		`<code>token</code>`, "ISO 3166 country code.", "address", "One of: <code>small</code><code>large</code>",
		"at most 20 characters", "problem", "next_cursor", "63.00", "RFC 3339",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("docs page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "https://", "http://", "<link"} {
		if strings.Contains(page, bad) {
			t.Errorf("docs page contains %q (must be self-contained)", bad)
		}
	}
	// Struct field order, not alphabetical: name before kind before count.
	if i, j := strings.Index(page, `<span class="fname">name</span> <span class="ftype">string</span>`), strings.Index(page, `<span class="fname">kind</span>`); i < 0 || j < i {
		t.Errorf("field order: name at %d, kind at %d", i, j)
	}
}
