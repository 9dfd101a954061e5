package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
)

// Tokens of the fake authenticator.
const (
	tokenAlice      = "tok_alice"
	tokenBob        = "tok_bob"
	tokenSupervisor = "tok_supervisor" // a supervisor impersonating alice
	tokenAdmin      = "tok_admin"      // an admin impersonating alice
)

// fakeAuth maps tokens to actors: the edge we fake.
type fakeAuth map[string]actor.Actor

func (f fakeAuth) Authenticate(_ context.Context, token string) (actor.Actor, error) {
	if token == "tok_broken" {
		return actor.Actor{}, errors.New("session store down")
	}
	a, ok := f[token]
	if !ok {
		return actor.Actor{}, errs.Unauthenticated("invalid_token", "the token is not valid")
	}
	return a, nil
}

var testActors = fakeAuth{
	tokenAlice: {Kind: actor.KindUser, UserID: "usr_alice", OrgID: "org_1", Role: "owner"},
	tokenBob:   {Kind: actor.KindUser, UserID: "usr_bob", OrgID: "org_1", Role: "member"},
	tokenSupervisor: {Kind: actor.KindUser, UserID: "usr_alice", OrgID: "org_1", Role: "owner",
		ImpersonatorID: "usr_sup", ImpersonatorRole: "supervisor"},
	tokenAdmin: {Kind: actor.KindUser, UserID: "usr_alice", OrgID: "org_1", Role: "owner",
		ImpersonatorID: "usr_adm", ImpersonatorRole: "admin"},
}

// The test operations.

type echoAddress struct {
	Country string `json:"country" minLength:"2" maxLength:"2" doc:"ISO 3166 country code."`
	City    string `json:"city,omitempty"`
}

type echoBody struct {
	Name    string      `json:"name" maxLength:"20" doc:"A name."`
	Kind    string      `json:"kind" enum:"small,large"`
	Count   int         `json:"count" minimum:"0" maximum:"1000"`
	Address echoAddress `json:"address"`
	Tags    []string    `json:"tags,omitempty" maxItems:"3"`
	Big     int64       `json:"big,omitempty"`
}

type echoInput struct{ Body echoBody }

type echoOutput struct{ Body echoBody }

type thingInput struct {
	Body struct {
		Name string `json:"name" maxLength:"50"`
	}
}

type thing struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token,omitempty" doc:"Shown once."`
}

type thingOutput struct {
	Location string `header:"Location"`
	Body     thing
}

type getThingInput struct {
	ID string `path:"id"`
}

type failInput struct {
	Body struct {
		Mode string `json:"mode" enum:"internal,throttle,panic,conflict,huma"`
	}
}

type harness struct {
	api    *API
	h      http.Handler
	db     *db.DB
	clock  *clock.Test
	reg    *prometheus.Registry
	logs   *syncBuffer
	things atomic.Int64  // runs of POST /things
	fails  atomic.Int64  // runs of POST /fail
	delay  time.Duration // how long POST /things takes
}

// newHarness builds an API on d (nil: no idempotency store) with the test
// operations registered.
func newHarness(t testing.TB, d *db.DB) *harness {
	h := &harness{db: d, clock: clock.NewTest(dbtest.DefaultStart), reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	if d != nil {
		if _, err := d.Exec(context.Background(), `CREATE TABLE test_things (id TEXT PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
	}
	h.api = New(Config{
		Log:  slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Auth: testActors, DB: d, Clock: h.clock, Metrics: h.reg, Version: "test",
		MaxBodyBytes: 4096,
	})
	Register(h.api, huma.Operation{
		OperationID: "echo", Method: http.MethodPost, Path: "/echo", Summary: "Echo a body",
		Tags: []string{"Testing"}, Metadata: map[string]any{"public": true},
	}, func(_ context.Context, in *echoInput) (*echoOutput, error) {
		return &echoOutput{Body: in.Body}, nil
	})
	Register(h.api, huma.Operation{
		OperationID: "create-thing", Method: http.MethodPost, Path: "/things", Summary: "Create a thing",
		Description: "Creates a thing and shows its `token` once.", Tags: []string{"Things"}, DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *thingInput) (*thingOutput, error) {
		h.things.Add(1)
		if h.delay > 0 {
			time.Sleep(h.delay)
		}
		id := ids.New("thg")
		if _, err := d.Exec(ctx, `INSERT INTO test_things (id, name) VALUES ($1, $2)`, id, in.Body.Name); err != nil {
			return nil, err
		}
		return &thingOutput{Location: BasePath + "/things/" + id, Body: thing{ID: id, Name: in.Body.Name, Token: "secret_" + id}}, nil
	})
	Register(h.api, huma.Operation{
		OperationID: "get-thing", Method: http.MethodGet, Path: "/things/{id}", Summary: "Get a thing", Tags: []string{"Things"},
	}, func(ctx context.Context, in *getThingInput) (*struct{ Body thing }, error) {
		var t thing
		err := d.QueryRow(ctx, `SELECT id, name FROM test_things WHERE id = $1`, in.ID).Scan(&t.ID, &t.Name)
		if errors.Is(err, db.ErrNoRows) {
			return nil, errs.NotFound("thing_not_found", "no such thing")
		}
		if err != nil {
			return nil, err
		}
		return &struct{ Body thing }{Body: t}, nil
	})
	Register(h.api, huma.Operation{
		OperationID: "fail", Method: http.MethodPost, Path: "/fail", Summary: "Fail on purpose", Tags: []string{"Testing"},
	}, func(_ context.Context, in *failInput) (*struct{}, error) {
		h.fails.Add(1)
		switch in.Body.Mode {
		case "throttle":
			return nil, errs.TooManyRequests("login_throttled", "too many attempts", 30)
		case "panic":
			panic("boom")
		case "conflict":
			return nil, errs.Conflict("name_taken", "the name is taken")
		case "huma":
			return nil, huma.ErrorWithHeaders(huma.Error409Conflict("huma says no"), http.Header{"X-Extra": {"1"}})
		}
		return nil, fmt.Errorf("insert thing: %w", errors.New("pq: relation secret_table does not exist"))
	})
	Register(h.api, huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: "/auth/logout", Summary: "Log out", Tags: []string{"Auth"},
	}, func(context.Context, *struct{}) (*struct{}, error) { return nil, nil })
	h.h = h.api.Handler()
	return h
}

// do sends a request through the API handler.
func (h *harness) do(method, path, token, body string, header ...string) *httptest.ResponseRecorder {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.h.ServeHTTP(w, req)
	return w
}

// problemOf decodes a problem answer, failing unless it is one.
func problemOf(t testing.TB, w *httptest.ResponseRecorder) errs.Problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != errs.ProblemMediaType {
		t.Fatalf("status %d content type %q, want problem+json; body %s", w.Code, ct, w.Body)
	}
	var p errs.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode problem %s: %v", w.Body, err)
	}
	if p.Status != w.Code || p.Code == "" || p.Title == "" || p.Type == "" {
		t.Fatalf("incomplete problem for status %d: %s", w.Code, w.Body)
	}
	replayed := w.Header().Get(ReplayedHeader) == "true" // the stored answer names the first request
	if p.RequestID == "" || (p.RequestID != w.Header().Get("X-Request-Id") && !replayed) {
		t.Fatalf("problem request id %q, header %q", p.RequestID, w.Header().Get("X-Request-Id"))
	}
	return p
}

func expectProblem(t testing.TB, w *httptest.ResponseRecorder, status int, code string) errs.Problem {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	p := problemOf(t, w)
	if p.Code != code {
		t.Fatalf("code %q, want %q; body %s", p.Code, code, w.Body)
	}
	return p
}

func hasField(p errs.Problem, field, code string) bool {
	for _, f := range p.Errors {
		if f.Field == field && f.Code == code {
			return true
		}
	}
	return false
}

func (h *harness) countThings(t testing.TB) int {
	t.Helper()
	var n int
	if err := h.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM test_things`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const validEcho = `{"name":"Ann","kind":"small","count":3,"address":{"country":"FR"}}`

func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
