package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/httpmetrics"
)

// reqState is what the middleware learns about a request, shared through
// the context by pointer so that outer layers (recovery, access log,
// metrics) see what inner layers found (the actor, the status).
type reqState struct {
	log       *slog.Logger
	path      string
	requestID string
	route     string // the ServeMux pattern without its method, "unmatched" if none
	actor     actor.Actor
	rec       *httpmetrics.Recorder
}

type stateKey struct{}

func stateFrom(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	return st
}

// chain builds the middleware in front of the mux, outermost first.
func (a *API) chain() http.Handler {
	var h http.Handler = http.HandlerFunc(a.route)
	for _, mw := range []func(http.Handler) http.Handler{
		a.idempotency, a.readOnly, a.authenticate, a.limitBody, a.observe, a.accessLog, a.requestID,
	} {
		h = mw(h)
	}
	return a.recoverer(h)
}

// recoverer is the outermost layer: it sets up the request state and turns
// a panic into a logged 500 problem (when nothing was written yet).
func (a *API) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := "unmatched"
		if _, pattern := a.mux.Handler(r); pattern != "" {
			route = pattern
			if i := strings.IndexByte(pattern, ' '); i >= 0 {
				route = pattern[i+1:]
			}
		}
		rec := &httpmetrics.Recorder{ResponseWriter: w}
		st := &reqState{log: a.log, path: r.URL.Path, route: route, rec: rec}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.log.ErrorContext(r.Context(), "panic", "request_id", st.requestID,
				"route", route, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if rec.Status == 0 {
				writeProblem(rec, r, Problem(errs.ToProblem(fmt.Errorf("panic: %v", p))))
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// requestID names the request (the client's X-Request-Id when well formed)
// and records it, the client IP and user agent with actor.WithRequest.
func (a *API) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := actor.FromHTTP(r, a.trustProxy)
		w.Header().Set("X-Request-Id", req.ID)
		stateFrom(r.Context()).requestID = req.ID
		ctx := actor.WithRequest(r.Context(), req)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// accessLog writes one structured line per request.
func (a *API) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elapsed := clock.Stopwatch()
		st := stateFrom(r.Context())
		completed := false
		defer func() {
			status := finalStatus(st.rec, completed)
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelWarn
			}
			a.log.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method), slog.String("route", st.route), slog.String("path", r.URL.Path),
				slog.Int("status", status), slog.Float64("duration_ms", float64(elapsed().Microseconds())/1000),
				slog.Int64("bytes", st.rec.Bytes), slog.String("request_id", actor.RequestFrom(r.Context()).ID),
				slog.String("user_id", st.actor.UserID), slog.String("impersonator_id", st.actor.ImpersonatorID))
		}()
		next.ServeHTTP(w, r)
		completed = true
	})
}

// finalStatus is the status sent: 200 when a handler wrote nothing, 500
// when it panicked before writing (the recoverer answers 500 then).
func finalStatus(rec *httpmetrics.Recorder, completed bool) int {
	switch {
	case rec.Status != 0:
		return rec.Status
	case completed:
		return http.StatusOK
	default:
		return http.StatusInternalServerError
	}
}

// httpMetrics are the Prometheus collectors of the API.
// observe counts requests and their latency by route pattern.
func (a *API) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elapsed := clock.Stopwatch()
		st := stateFrom(r.Context())
		completed := false
		defer func() {
			a.metrics.Observe(r.Method, st.route, finalStatus(st.rec, completed), elapsed())
		}()
		next.ServeHTTP(w, r)
		completed = true
	})
}

// limitBody refuses bodies over MaxBodyBytes: at once when Content-Length
// says so, otherwise when reading passes the limit.
func (a *API) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := a.bodyLimit(r)
		if r.ContentLength > limit {
			writeProblem(w, r, statusProblem(http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body is larger than %d bytes", limit)))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves a bearer token to the actor. No Authorization
// header means anonymous; a malformed or rejected one is a 401 at once.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if header == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, token, ok := strings.Cut(header, " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request"`)
			writeProblem(w, r, Problem(errs.ToProblem(errs.Unauthenticated("malformed_authorization",
				"the Authorization header must be: Bearer <token>"))))
			return
		}
		var act actor.Actor
		var err error
		if a.auth != nil {
			act, err = a.auth.Authenticate(r.Context(), token)
		}
		if err == nil && act.IsZero() {
			err = errs.Unauthenticated("invalid_token", "the token is not valid")
		}
		if err != nil {
			if errs.KindOf(err) == errs.KindInternal {
				a.internalError(w, r, fmt.Errorf("authenticate: %w", err))
				return
			}
			if errs.KindOf(err) == errs.KindUnauthenticated {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			}
			writeProblem(w, r, Problem(errs.ToProblem(err)))
			return
		}
		stateFrom(r.Context()).actor = act
		next.ServeHTTP(w, r.WithContext(actor.With(r.Context(), act)))
	})
}

// ImpersonationReadOnlyRole is the impersonator role whose impersonation
// sessions may only read.
const ImpersonationReadOnlyRole = "supervisor"

// readOnly refuses writes made while a supervisor impersonates a user,
// except logging out.
func (a *API) readOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		act := actor.From(r.Context())
		switch {
		case act.ImpersonatorRole != ImpersonationReadOnlyRole,
			r.Method == http.MethodGet, r.Method == http.MethodHead, r.Method == http.MethodOptions,
			r.Method == http.MethodPost && r.URL.Path == LogoutPath:
			next.ServeHTTP(w, r)
		default:
			writeProblem(w, r, Problem(errs.ToProblem(errs.Forbidden("impersonation_read_only",
				"a supervisor's impersonation session is read-only"))))
		}
	})
}

// route serves the mux, answering unmatched paths (404) and methods (405)
// with problems instead of the mux's plain text.
func (a *API) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := a.mux.Handler(r)
	if pattern != "" {
		a.mux.ServeHTTP(w, r) // sets the path values
		return
	}
	capture := &headerCapture{header: http.Header{}}
	h.ServeHTTP(capture, r)
	status := capture.status
	if status != http.StatusMethodNotAllowed {
		status = http.StatusNotFound
	}
	if allow := capture.header.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	detail := "no such path: " + r.URL.Path
	if status == http.StatusMethodNotAllowed {
		detail = fmt.Sprintf("method %s is not allowed here", r.Method)
	}
	writeProblem(w, r, statusProblem(status, detail))
}

// headerCapture swallows the mux's plain-text 404/405, keeping the status
// and headers.
type headerCapture struct {
	header http.Header
	status int
}

func (c *headerCapture) Header() http.Header         { return c.header }
func (c *headerCapture) Write(b []byte) (int, error) { return len(b), nil }
func (c *headerCapture) WriteHeader(status int)      { c.status = status }
