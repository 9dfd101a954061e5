package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Pinger checks that a dependency answers; *db.DB is one.
type Pinger interface {
	Ping(ctx context.Context) error
}

// OpsConfig configures OpsHandler.
type OpsConfig struct {
	// DB is checked by /readyz; nil means always ready.
	DB Pinger
	// Gatherer is exposed on /metrics; nil means prometheus.DefaultGatherer.
	Gatherer prometheus.Gatherer
	// Log receives the reason a readiness check failed.
	Log *slog.Logger
	// ReadyTimeout bounds the readiness check (default 2s).
	ReadyTimeout time.Duration
}

// OpsHandler serves the operational endpoints, meant for load balancers,
// orchestrators and Prometheus rather than API clients (mount it at the
// root, or on a separate internal listener):
//
//   - GET /healthz: 200 {"status":"ok"} while the process serves requests.
//   - GET /readyz: 200 {"status":"ok"} when the database answers a ping
//     within ReadyTimeout, else 503 {"status":"unavailable"}; the reason is
//     logged, never shown.
//   - GET /metrics: the Prometheus exposition of Gatherer.
func OpsHandler(cfg OpsConfig) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Gatherer == nil {
		cfg.Gatherer = prometheus.DefaultGatherer
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 2 * time.Second
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeStatus(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if cfg.DB != nil {
			ctx, cancel := context.WithTimeout(r.Context(), cfg.ReadyTimeout)
			defer cancel()
			if err := cfg.DB.Ping(ctx); err != nil {
				cfg.Log.WarnContext(r.Context(), "not ready", "check", "database", "error", err.Error())
				writeStatus(w, http.StatusServiceUnavailable, "unavailable")
				return
			}
		}
		writeStatus(w, http.StatusOK, "ok")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{}))
	return mux
}

func writeStatus(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"status":"` + s + `"}` + "\n"))
}
