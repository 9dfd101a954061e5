// Package api is Nephele's JSON HTTP API: the huma API every resource file
// registers its operations on, the middleware chain in front of it (panic
// recovery, request ids, access log, metrics, body limit, authentication,
// the impersonation read-only guard, idempotency keys), the problem+json
// error mapping, the OpenAPI 3.1 document and a self-contained docs page.
//
// Resource files call Register, never huma.Register: Register makes an
// operation authenticated unless it is marked public, documents its error
// responses, and turns every returned error into an errs.Problem.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/httpmetrics"
)

// Paths of the API. Operations are registered relative to BasePath.
const (
	BasePath    = "/api/v1"
	OpenAPIPath = BasePath + "/openapi.json"
	DocsPath    = "/api/docs"
	// LogoutPath stays open to a read-only impersonation session.
	LogoutPath = BasePath + "/auth/logout"
)

// SecurityScheme is the name of the bearer token scheme in the document.
const SecurityScheme = "bearer"

// Authenticator resolves a bearer token (a session token or an API key) to
// the actor it stands for. It returns an *errs.Error of kind unauthenticated
// for an unknown, revoked or expired token; any other error is treated as
// internal (a 500, logged), never as a rejected token.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (actor.Actor, error)
}

// Config configures New. Log, DB and Clock are required; the rest have
// defaults.
type Config struct {
	Log  *slog.Logger
	Auth Authenticator
	// DB stores idempotency keys; nil turns idempotency off (only for tests
	// of the HTTP layer alone).
	DB    *db.DB
	Clock clock.Clock
	// Metrics receives the HTTP collectors; nil registers none.
	Metrics prometheus.Registerer
	// MaxBodyBytes caps request bodies (default 1 MiB).
	MaxBodyBytes int64
	// Version is the API version shown in the OpenAPI document.
	Version string
	// IdempotencyTTL is how long a stored idempotent response is replayed
	// (default 24h).
	IdempotencyTTL time.Duration
	// TrustProxy takes the client IP from the last X-Forwarded-For entry
	// (the one the proxy in front of Nephele appended) instead of the
	// connection's address. Set it only behind exactly one trusted proxy.
	TrustProxy bool
}

// API is the HTTP API: a huma API on a ServeMux under BasePath, plus the
// middleware chain, the OpenAPI document and the docs page.
type API struct {
	log     *slog.Logger
	auth    Authenticator
	db      *db.DB
	clock   clock.Clock
	maxBody int64
	// bodyLimits are the operations allowed a body larger than maxBody.
	bodyLimits []routeLimit
	ttl        time.Duration
	trustProxy bool
	version    string

	mux     *http.ServeMux
	huma    huma.API
	handler http.Handler
	metrics *httpmetrics.Metrics

	docsOnce sync.Once
	docsHTML []byte
	docsErr  error
	specOnce sync.Once
	specJSON []byte
	specErr  error
}

var overrideOnce sync.Once

// New builds the API. It installs the package-level huma error constructors
// (once per process) so that huma's own validation and parse errors come out
// as errs.Problem too. Register operations before serving requests: the
// OpenAPI document and the docs page are rendered on first use.
func New(cfg Config) *API {
	overrideOnce.Do(installErrorConstructors)
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = 24 * time.Hour
	}
	a := &API{
		log: cfg.Log, auth: cfg.Auth, db: cfg.DB, clock: cfg.Clock,
		maxBody: cfg.MaxBodyBytes, ttl: cfg.IdempotencyTTL, trustProxy: cfg.TrustProxy,
		version: cfg.Version, mux: http.NewServeMux(),
	}
	a.metrics = httpmetrics.New(cfg.Metrics)
	a.huma = humago.NewWithPrefix(a.mux, BasePath, a.humaConfig())
	a.mux.HandleFunc("GET "+OpenAPIPath, a.serveOpenAPI)
	a.mux.HandleFunc("GET "+DocsPath, a.serveDocs)
	a.handler = a.chain()
	return a
}

func (a *API) humaConfig() huma.Config {
	registry := huma.NewMapRegistry("#/components/schemas/", schemaNamer)
	registerMoneySchemas(registry)
	problem := registry.Schema(reflect.TypeFor[Problem](), true, "Problem")
	return huma.Config{
		OpenAPI: &huma.OpenAPI{
			OpenAPI: "3.1.0",
			Info: &huma.Info{
				Title:       "Nephele API",
				Version:     a.version,
				Description: a.description(),
			},
			Servers: []*huma.Server{{URL: BasePath, Description: "This server"}},
			Components: &huma.Components{
				Schemas: registry,
				SecuritySchemes: map[string]*huma.SecurityScheme{
					SecurityScheme: {
						Type:         "http",
						Scheme:       "bearer",
						BearerFormat: "opaque",
						Description: "A session token from `POST " + BasePath + "/auth/login` or an API key, " +
							"sent as `Authorization: Bearer <token>`.",
					},
				},
				Responses: errorResponses(problem),
			},
		},
		// We serve the document ourselves (indented, cached) and our own docs
		// page: huma's loads JavaScript from a CDN.
		Formats:       map[string]huma.Format{"application/json": huma.DefaultJSONFormat, "json": huma.DefaultJSONFormat},
		DefaultFormat: "application/json",
		// A mistyped filter must not return everything: a query parameter
		// the operation does not declare is refused (422 unknown_field).
		RejectUnknownQueryParameters: true,
	}
}

// Handler is the complete handler for everything under /api/: the
// operations, /api/v1/openapi.json and /api/docs behind the middleware
// chain. Mount it at "/api/" on the server's mux.
func (a *API) Handler() http.Handler { return a.handler }

// Huma returns the underlying huma API, for tests and tools. Register
// operations with Register, not through it.
func (a *API) Huma() huma.API { return a.huma }

// OpenAPIJSON returns the OpenAPI document, indented and deterministic
// (map keys sorted), for the committed golden copy.
func (a *API) OpenAPIJSON() ([]byte, error) {
	raw, err := json.Marshal(a.huma.OpenAPI())
	if err != nil {
		return nil, fmt.Errorf("marshal openapi: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("indent openapi: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// Operations lists the documented operations, sorted by path then method.
func (a *API) Operations() []*huma.Operation {
	paths := a.huma.OpenAPI().Paths
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	var ops []*huma.Operation
	for _, p := range keys {
		it := paths[p]
		for _, op := range []*huma.Operation{it.Get, it.Head, it.Post, it.Put, it.Patch, it.Delete, it.Options, it.Trace} {
			if op != nil {
				ops = append(ops, op)
			}
		}
	}
	return ops
}

func (a *API) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	a.specOnce.Do(func() { a.specJSON, a.specErr = a.OpenAPIJSON() })
	if a.specErr != nil {
		a.internalError(w, r, a.specErr)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(a.specJSON)
}

// Register adds an operation to a. It is the one way resource files register
// operations. op.Path is relative to BasePath ("/organizations/{id}").
//
// Operations require an authenticated actor unless op.Metadata["public"] is
// true: without one the answer is 401 problem+json (code unauthenticated)
// before the input is even parsed. Every error h returns becomes an
// errs.Problem through errs.ToProblem (internal errors are logged with the
// request id and shown as "internal error"); an error with
// RetryAfterSeconds adds a Retry-After header. The common error responses
// are documented on every operation; a POST documents the Idempotency-Key
// header.
func Register[I, O any](a *API, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	if op.OperationID == "" {
		var o *O
		op.OperationID = huma.GenerateOperationID(op.Method, op.Path, o)
	}
	public, _ := op.Metadata["public"].(bool)
	if !public {
		op.Security = append(op.Security, map[string][]string{SecurityScheme: {}})
		op.Middlewares = append(huma.Middlewares{requireActor}, op.Middlewares...)
	}
	_, hasBody := reflect.TypeFor[I]().FieldByName("Body")
	// The middleware's MaxBytesReader enforces the limit (an operation that
	// needs more than the API's says so in MaxBodyBytes); huma's own check
	// refuses a body of exactly its limit, so give it one byte of room.
	switch {
	case hasBody && op.MaxBodyBytes == 0:
		op.MaxBodyBytes = a.maxBody + 1
	case hasBody:
		a.bodyLimits = append(a.bodyLimits, routeLimit{method: op.Method, segments: strings.Split(BasePath+op.Path, "/"), max: op.MaxBodyBytes})
		op.MaxBodyBytes++
	}
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	for status, name := range errorResponseRefs(hasBody) {
		if op.Responses[status] == nil {
			op.Responses[status] = &huma.Response{Ref: "#/components/responses/" + name}
		}
	}
	if op.Method == http.MethodPost && !declaresHeader(reflect.TypeFor[I](), IdempotencyHeader) {
		op.Parameters = append(op.Parameters, idempotencyParam(public))
	}
	route := op.Method + " " + BasePath + op.Path
	huma.Register(a.huma, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, a.handlerError(ctx, route, err)
		}
		return out, nil
	})
}

// requireActor answers 401 before input parsing when no one is
// authenticated.
func requireActor(ctx huma.Context, next func(huma.Context)) {
	if !actor.From(ctx.Context()).IsZero() {
		next(ctx)
		return
	}
	r, w := humago.Unwrap(ctx)
	w.Header().Set("WWW-Authenticate", "Bearer")
	writeProblem(w, r, Problem(errs.ToProblem(errs.Unauthenticated("unauthenticated",
		"authentication required: send Authorization: Bearer <token>"))))
}

// handlerError turns an operation's error into the problem huma writes.
func (a *API) handlerError(ctx context.Context, route string, err error) error {
	var p *Problem
	if errors.As(err, &p) { // a huma.ErrorNNN helper (possibly with headers)
		a.fillProblem(ctx, p)
		return err
	}
	p = new(Problem)
	*p = Problem(errs.ToProblem(err))
	a.fillProblem(ctx, p)
	if p.Status >= http.StatusInternalServerError || errs.Overflowed(err) {
		a.log.ErrorContext(ctx, "internal error", "request_id", p.RequestID, "route", route, "error", err.Error())
	}
	if e, ok := errs.As(err); ok && e.RetryAfterSeconds > 0 {
		return huma.ErrorWithHeaders(p, http.Header{"Retry-After": {strconv.Itoa(e.RetryAfterSeconds)}})
	}
	return p
}

// fillProblem names the request a problem answers.
func (a *API) fillProblem(ctx context.Context, p *Problem) {
	if st := stateFrom(ctx); st != nil && p.Instance == "" {
		p.Instance = st.path
	}
	if p.RequestID == "" {
		p.RequestID = actor.RequestFrom(ctx).ID
	}
}

func declaresHeader(t reflect.Type, name string) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		if strings.EqualFold(f.Tag.Get("header"), name) {
			return true
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct && declaresHeader(f.Type, name) {
			return true
		}
	}
	return false
}

func idempotencyParam(public bool) *huma.Param {
	desc := "Makes a retried POST safe: the same key with the same request returns the stored response " +
		"(with `Idempotent-Replayed: true`) instead of acting twice. 1-255 printable ASCII characters, " +
		"scoped to the caller."
	if public {
		desc += " Honoured only for authenticated callers; anonymous requests (such as login) are not deduplicated."
	}
	maxLen := 255
	minLen := 1
	return &huma.Param{
		Name: IdempotencyHeader, In: "header", Description: desc,
		Schema: &huma.Schema{Type: "string", MinLength: &minLen, MaxLength: &maxLen},
	}
}

// errorResponses are the shared error responses, referenced by every
// operation.
func errorResponses(problem *huma.Schema) map[string]*huma.Response {
	content := func() map[string]*huma.MediaType {
		return map[string]*huma.MediaType{errs.ProblemMediaType: {Schema: problem}}
	}
	r := map[string]*huma.Response{}
	for _, e := range commonErrors {
		r[e.name] = &huma.Response{Description: e.desc, Content: content()}
	}
	r["TooManyRequests"].Headers = map[string]*huma.Param{
		"Retry-After": {Description: "Seconds to wait before retrying.", Schema: &huma.Schema{Type: "integer"}},
	}
	r["Unauthenticated"].Headers = map[string]*huma.Param{
		"WWW-Authenticate": {Description: "Bearer challenge.", Schema: &huma.Schema{Type: "string"}},
	}
	return r
}

var commonErrors = []struct {
	status int
	name   string
	body   bool // only for operations with a request body
	desc   string
}{
	{400, "MalformedRequest", true, "The body is not valid JSON (code `malformed_request`)."},
	{401, "Unauthenticated", false, "No, a malformed or a rejected bearer token (code `unauthenticated` or a more specific one)."},
	{403, "Forbidden", false, "The caller may not do this (code `forbidden`, `impersonation_read_only` or a more specific one)."},
	{404, "NotFound", false, "No such object, or one the caller may not see."},
	{409, "Conflict", false, "The request clashes with current state, or an Idempotency-Key was reused with another request or is still in progress."},
	{413, "RequestTooLarge", true, "The body exceeds the size limit (code `request_too_large`)."},
	{415, "UnsupportedMediaType", true, "The body is not `application/json` (code `unsupported_media_type`)."},
	{422, "ValidationFailed", false, "Invalid input: `errors` names each offending field (code `validation_failed` or a more specific one)."},
	{429, "TooManyRequests", false, "Throttled: retry after the `Retry-After` seconds."},
	{500, "InternalError", false, "An unexpected error; the detail is always \"internal error\" and the request id finds it in the logs."},
}

func errorResponseRefs(hasBody bool) map[string]string {
	m := map[string]string{}
	for _, e := range commonErrors {
		if !e.body || hasBody {
			m[fmt.Sprint(e.status)] = e.name
		}
	}
	return m
}

func (a *API) description() string {
	return strings.ReplaceAll(`Nephele's REST API for cloud commerce and subscription billing.

- **Base URL**: `+"`"+BasePath+"`"+` on this server. Request and response bodies are JSON with snake_case fields; ids are prefixed strings such as `+"`org_01...`"+`. Unknown fields and query parameters (a mistyped filter never returns everything), wrong types and oversized bodies are refused with a 4xx problem and nothing is written.
- **Authentication**: `+"`Authorization: Bearer <token>`"+`, where the token is a session token from `+"`POST "+BasePath+"/auth/login`"+` or an API key. Operations without a security requirement are public; a token that is sent must still be valid.
- **Pagination**: lists take `+"`?limit=&cursor=`"+` and return `+"`{\"data\": [...], \"next_cursor\": \"...\"}`"+`; pass next_cursor back unchanged until it is empty.
- **Idempotency**: every POST by an authenticated caller accepts an `+"`Idempotency-Key`"+` header (1-255 printable ASCII characters, scoped to the caller). Within TTL the same key and request return the stored status, body and `+"`Location`"+` with `+"`Idempotent-Replayed: true`"+`; the same key with another request is a 409 `+"`idempotency_key_reused`"+`, and while the first request still runs a 409 `+"`idempotency_request_in_progress`"+`. 5xx and 429 answers are not stored, so the request can be retried. A secret shown once (a top-level `+"`token`"+` field, such as a new API key) is never stored: a replay returns everything but the secret. Anonymous POSTs such as login are not deduplicated.
- **Errors**: RFC 9457 `+"`application/problem+json`"+` with a stable snake_case `+"`code`"+`, the `+"`request_id`"+` (also in the `+"`X-Request-Id`"+` header) and per-field `+"`errors`"+` (`+"`field`, `code`, `message`"+`).
- **Money**: `+"`{\"amount\": \"63.00\", \"currency\": \"EUR\"}`"+` with the amount as a decimal string.
- **Times**: RFC 3339 in UTC.`, "TTL", humanDuration(a.ttl))
}

// schemaNamer names schemas after their Go types, prefixing those of the
// packages whose names would clash with another domain's (the pricing
// engine's Coupon and Quote, billing's Settings and Line...).
func schemaNamer(t reflect.Type, hint string) string {
	name := huma.DefaultSchemaNamer(t, hint)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	for _, p := range []struct{ pkg, prefix string }{{"/internal/pricing", "Pricing"}, {"/internal/billing", "Billing"}, {"/internal/ledger", "Ledger"}} {
		if strings.HasSuffix(t.PkgPath(), p.pkg) && !strings.HasPrefix(name, p.prefix) {
			return p.prefix + name
		}
	}
	return name
}

// routeLimit is the body limit of one operation: its method and path
// pattern, split at slashes ({name} segments match any one segment).
type routeLimit struct {
	method   string
	segments []string
	max      int64
}

func (l routeLimit) matches(method, path string) bool {
	if method != l.method {
		return false
	}
	parts := strings.Split(path, "/")
	if len(parts) != len(l.segments) {
		return false
	}
	for i, seg := range l.segments {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			if parts[i] == "" {
				return false
			}
		} else if parts[i] != seg {
			return false
		}
	}
	return true
}

// bodyLimit is the largest body r may carry: its operation's limit when it
// has one, otherwise the API's (MaxBodyBytes).
func (a *API) bodyLimit(r *http.Request) int64 {
	for _, l := range a.bodyLimits {
		if l.matches(r.Method, r.URL.Path) {
			return l.max
		}
	}
	return a.maxBody
}
