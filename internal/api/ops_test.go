package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

func TestOpsEndpoints(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.do("POST", "/api/v1/echo", "", validEcho)
		h.do("POST", "/api/v1/echo", "", `{`)
		h.do("GET", "/api/v1/things/x", tokenAlice, "")
		h.do("GET", "/api/v1/nowhere", "", "")
		h.do("BREW", "/api/v1/echo", "", "")
		ops := OpsHandler(OpsConfig{DB: d, Gatherer: h.reg})

		if w := get(ops, "/healthz"); w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"status":"ok"}` {
			t.Fatalf("healthz: %d %s", w.Code, w.Body)
		}
		if w := get(ops, "/readyz"); w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"status":"ok"}` {
			t.Fatalf("readyz: %d %s", w.Code, w.Body)
		}
		w := get(ops, "/metrics")
		if w.Code != http.StatusOK {
			t.Fatalf("metrics: %d", w.Code)
		}
		for _, want := range []string{
			`nephele_http_requests_total{method="POST",route="/api/v1/echo",status="200"} 1`,
			`nephele_http_requests_total{method="POST",route="/api/v1/echo",status="400"} 1`,
			`nephele_http_requests_total{method="GET",route="/api/v1/things/{id}",status="404"} 1`,
			`nephele_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
			`nephele_http_requests_total{method="OTHER",route="unmatched",status="405"} 1`,
			`nephele_http_request_duration_seconds_count{method="POST",route="/api/v1/echo"} 2`,
		} {
			if !strings.Contains(w.Body.String(), want) {
				t.Errorf("metrics lack %s in:\n%s", want, w.Body)
			}
		}
	})
}

func TestReadyzUnavailable(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			d := dbtest.Open(t, e, dbtest.Options{})
			logs := &syncBuffer{}
			ops := OpsHandler(OpsConfig{DB: d, Gatherer: prometheus.NewRegistry(), Log: newTestLogger(logs)})
			if w := get(ops, "/readyz"); w.Code != http.StatusOK {
				t.Fatalf("readyz before close: %d", w.Code)
			}
			_ = d.Close()
			w := get(ops, "/readyz")
			if w.Code != http.StatusServiceUnavailable || strings.TrimSpace(w.Body.String()) != `{"status":"unavailable"}` {
				t.Fatalf("readyz after close: %d %s", w.Code, w.Body)
			}
			if !strings.Contains(logs.String(), "not ready") {
				t.Fatalf("reason not logged: %s", logs)
			}
			// Alive all the same.
			if w := get(ops, "/healthz"); w.Code != http.StatusOK {
				t.Fatalf("healthz: %d", w.Code)
			}
		})
	}
}

func TestMetricsOnSharedRegistry(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	a := New(Config{Metrics: reg, Version: "1"})
	b := New(Config{Metrics: reg, Version: "1"}) // reuses the collectors instead of panicking
	get(a.Handler(), "/api/v1/x")
	get(b.Handler(), "/api/v1/x")
	w := get(OpsHandler(OpsConfig{Gatherer: reg}), "/metrics")
	if !strings.Contains(w.Body.String(), `nephele_http_requests_total{method="GET",route="unmatched",status="404"} 2`) {
		t.Fatalf("metrics:\n%s", w.Body)
	}
}
