package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/httpmetrics"
)

// contentSecurityPolicy allows only this site's own styles, scripts and
// images (plus data: images), no framing, and forms posting back here.
// Images may come from HTTPS sites too: vendors host their products'
// screenshots. Nothing else may.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a panic into a logged 500 page (when nothing was written
// yet).
func (h *handler) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &httpmetrics.Recorder{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.ErrorContext(r.Context(), "panic", "request_id", requestID(r), "path", r.URL.Path,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if rec.Status == 0 {
				h.errorPage(rec, r, http.StatusInternalServerError, "")
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// requestID names the request (keeping a well-formed X-Request-Id set by
// the proxy in front) and records it with the client IP and user agent
// through actor.WithRequest, so the audit log and the logs can tie
// everything to it.
func (h *handler) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := actor.FromHTTP(r, h.proxy)
		w.Header().Set("X-Request-Id", req.ID)
		ctx := actor.WithRequest(r.Context(), req)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requestID returns the id given to r by the requestID middleware.
func requestID(r *http.Request) string { return actor.RequestFrom(r.Context()).ID }

// routeKey carries a *string the router fills with the matched pattern, for
// the request metrics.
type routeKey struct{}

// accessLog writes one structured line per request and counts it in the
// request metrics by route pattern.
func (h *handler) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elapsed := clock.Stopwatch()
		rec := &httpmetrics.Recorder{ResponseWriter: w}
		route := new(string)
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), routeKey{}, route)))
		status := rec.Status
		if status == 0 {
			status = http.StatusOK
		}
		h.metrics.Observe(r.Method, *route, status, elapsed())
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelWarn
		}
		h.log.LogAttrs(r.Context(), level, "web request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed().Microseconds())/1000), slog.String("request_id", requestID(r)))
	})
}
