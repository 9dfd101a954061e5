package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		key := []string{IdempotencyHeader, "order-42"}

		first := h.do("POST", "/api/v1/things", tokenAlice, `{"name":"a"}`, key...)
		if first.Code != http.StatusCreated || first.Header().Get(ReplayedHeader) != "" {
			t.Fatalf("first: %d %v %s", first.Code, first.Header(), first.Body)
		}
		var created thing
		_ = json.Unmarshal(first.Body.Bytes(), &created)
		if created.Token == "" {
			t.Fatalf("the first answer shows the token: %s", first.Body)
		}

		again := h.do("POST", "/api/v1/things", tokenAlice, `{"name":"a"}`, key...)
		if again.Code != http.StatusCreated || again.Header().Get(ReplayedHeader) != "true" ||
			again.Header().Get("Location") != first.Header().Get("Location") ||
			again.Header().Get("Content-Type") != first.Header().Get("Content-Type") {
			t.Fatalf("replay: %d %v %s", again.Code, again.Header(), again.Body)
		}
		var replayed thing
		_ = json.Unmarshal(again.Body.Bytes(), &replayed)
		if replayed.ID != created.ID || replayed.Name != "a" || replayed.Token != "" {
			t.Fatalf("replayed %+v, created %+v", replayed, created)
		}
		if again.Header().Get("X-Request-Id") == first.Header().Get("X-Request-Id") {
			t.Fatal("a replay keeps its own request id")
		}
		if h.things.Load() != 1 || h.countThings(t) != 1 {
			t.Fatalf("handler ran %d times, %d rows", h.things.Load(), h.countThings(t))
		}
		// The secret is not stored.
		var stored string
		if err := d.QueryRow(context.Background(), `SELECT response_body FROM idempotency_keys WHERE key = $1`, "order-42").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, "secret_") || strings.Contains(stored, `"token"`) || !strings.Contains(stored, created.ID) {
			t.Fatalf("stored body %s", stored)
		}

		// Same key, another body (or path): 409, nothing runs.
		expectProblem(t, h.do("POST", "/api/v1/things", tokenAlice, `{"name":"b"}`, key...), http.StatusConflict, "idempotency_key_reused")
		expectProblem(t, h.do("POST", "/api/v1/things?x=1", tokenAlice, `{"name":"a"}`, key...), http.StatusConflict, "idempotency_key_reused")
		// Keys are per caller: bob's order-42 is his own.
		if w := h.do("POST", "/api/v1/things", tokenBob, `{"name":"a"}`, key...); w.Code != http.StatusCreated || w.Header().Get(ReplayedHeader) != "" {
			t.Fatalf("bob: %d %v", w.Code, w.Header())
		}
		// So are an impersonator's.
		if w := h.do("POST", "/api/v1/things", tokenAdmin, `{"name":"a"}`, key...); w.Code != http.StatusCreated || w.Header().Get(ReplayedHeader) != "" {
			t.Fatalf("impersonator: %d %v", w.Code, w.Header())
		}
		// Without a key, nothing is deduplicated.
		h.do("POST", "/api/v1/things", tokenAlice, `{"name":"a"}`)
		if h.things.Load() != 4 {
			t.Fatalf("handler ran %d times", h.things.Load())
		}
		// Validation failures are stored and replayed like any 4xx.
		bad := []string{IdempotencyHeader, "bad-1"}
		expectProblem(t, h.do("POST", "/api/v1/things", tokenAlice, `{"nme":"a"}`, bad...), http.StatusUnprocessableEntity, "validation_failed")
		w := h.do("POST", "/api/v1/things", tokenAlice, `{"nme":"a"}`, bad...)
		expectProblem(t, w, http.StatusUnprocessableEntity, "validation_failed")
		if w.Header().Get(ReplayedHeader) != "true" {
			t.Fatal("422 not replayed")
		}
	})
}

func TestIdempotencyKeyFormat(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		for _, k := range []string{strings.Repeat("k", 256), "caf\u00e9", "tab\there"} {
			p := expectProblem(t, h.do("POST", "/api/v1/things", tokenAlice, `{"name":"a"}`, IdempotencyHeader, k),
				http.StatusUnprocessableEntity, "invalid_idempotency_key")
			if !hasField(p, IdempotencyHeader, "invalid_format") {
				t.Fatalf("field not named: %+v", p)
			}
		}
		req := httptest.NewRequest("POST", "/api/v1/things", strings.NewReader(`{"name":"a"}`))
		req.Header.Set("Authorization", "Bearer "+tokenAlice)
		req.Header.Add(IdempotencyHeader, "one")
		req.Header.Add(IdempotencyHeader, "two")
		w := httptest.NewRecorder()
		h.h.ServeHTTP(w, req)
		expectProblem(t, w, http.StatusUnprocessableEntity, "invalid_idempotency_key")
		if h.things.Load() != 0 {
			t.Fatal("handler ran")
		}
		// Anonymous POSTs (login) are exempt: the key is ignored.
		for range 2 {
			w := h.do("POST", "/api/v1/echo", "", validEcho, IdempotencyHeader, "anon")
			if w.Code != http.StatusOK || w.Header().Get(ReplayedHeader) != "" {
				t.Fatalf("anonymous: %d %v", w.Code, w.Header())
			}
		}
		// A 255-character key is fine.
		if w := h.do("POST", "/api/v1/things", tokenAlice, `{"name":"a"}`, IdempotencyHeader, strings.Repeat("k", 255)); w.Code != http.StatusCreated {
			t.Fatalf("255-character key: %d %s", w.Code, w.Body)
		}
	})
}

func TestIdempotencyRetryableFailures(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		for i, mode := range []string{"internal", "panic", "throttle"} {
			key := []string{IdempotencyHeader, "retry-" + mode}
			body := `{"mode":"` + mode + `"}`
			first := h.do("POST", "/api/v1/fail", tokenAlice, body, key...)
			second := h.do("POST", "/api/v1/fail", tokenAlice, body, key...)
			if first.Code != second.Code || second.Header().Get(ReplayedHeader) != "" {
				t.Fatalf("%s: %d then %d %v", mode, first.Code, second.Code, second.Header())
			}
			if got := h.fails.Load(); got != int64(2*(i+1)) {
				t.Fatalf("%s: handler ran %d times: the failure was stored", mode, got)
			}
		}
		var n int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM idempotency_keys`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d keys left, %v", n, err)
		}
		// A domain 4xx is stored.
		key := []string{IdempotencyHeader, "conflict"}
		h.do("POST", "/api/v1/fail", tokenAlice, `{"mode":"conflict"}`, key...)
		w := h.do("POST", "/api/v1/fail", tokenAlice, `{"mode":"conflict"}`, key...)
		expectProblem(t, w, http.StatusConflict, "name_taken")
		if w.Header().Get(ReplayedHeader) != "true" || h.fails.Load() != 7 {
			t.Fatalf("conflict not replayed: %v, %d runs", w.Header(), h.fails.Load())
		}
	})
}

func TestIdempotencyExpiry(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.do("POST", "/api/v1/things", tokenAlice, `{"name":"a"}`, IdempotencyHeader, "k1")
		h.do("POST", "/api/v1/things", tokenAlice, `{"name":"a"}`, IdempotencyHeader, "k2")
		if n, err := h.api.PurgeExpiredIdempotencyKeys(context.Background()); err != nil || n != 0 {
			t.Fatalf("purged %d fresh keys, %v", n, err)
		}
		h.clock.Advance(24*time.Hour + time.Second)
		// An expired key is a new key, even with another body.
		w := h.do("POST", "/api/v1/things", tokenAlice, `{"name":"other"}`, IdempotencyHeader, "k1")
		if w.Code != http.StatusCreated || w.Header().Get(ReplayedHeader) != "" || h.things.Load() != 3 {
			t.Fatalf("expired key: %d %v, %d runs", w.Code, w.Header(), h.things.Load())
		}
		n, err := h.api.PurgeExpiredIdempotencyKeys(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want only k2", n, err)
		}
		var left string
		if err := d.QueryRow(context.Background(), `SELECT key FROM idempotency_keys`).Scan(&left); err != nil || left != "k1" {
			t.Fatalf("left %q, %v", left, err)
		}
	})
}

func TestIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.delay = 100 * time.Millisecond
		const n = 10
		codes := make([]*httptest.ResponseRecorder, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				codes[i] = h.do("POST", "/api/v1/things", tokenAlice, `{"name":"same"}`, IdempotencyHeader, "race")
			})
		}
		wg.Wait()
		fresh, replayed, inProgress := 0, 0, 0
		for _, w := range codes {
			switch {
			case w.Code == http.StatusCreated && w.Header().Get(ReplayedHeader) == "true":
				replayed++
			case w.Code == http.StatusCreated:
				fresh++
			case w.Code == http.StatusConflict:
				expectProblem(t, w, http.StatusConflict, "idempotency_request_in_progress")
				inProgress++
			default:
				t.Fatalf("unexpected %d %s", w.Code, w.Body)
			}
		}
		if fresh != 1 || h.things.Load() != 1 || h.countThings(t) != 1 || fresh+replayed+inProgress != n {
			t.Fatalf("fresh %d replayed %d in progress %d; handler ran %d times, %d rows",
				fresh, replayed, inProgress, h.things.Load(), h.countThings(t))
		}
	})
}

func TestWithoutSecret(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`{"id":"key_1","token":"sk_live","name":"ci"}` + "\n": `{"id":"key_1","name":"ci"}` + "\n",
		`{"token":"x"}`:                            "{}\n",
		`{"id":"a","nested":{"token":"keep"}}`:     `{"id":"a","nested":{"token":"keep"}}`,
		`[{"token":"x"}]`:                          `[{"token":"x"}]`,
		`{"id":"a"`:                                `{"id":"a"`,
		`{"a":"\"token\"","b":[1,2],"token":null}`: `{"a":"\"token\"","b":[1,2]}` + "\n",
		``: ``,
	}
	for in, want := range cases {
		if got := string(withoutSecret([]byte(in))); got != want {
			t.Errorf("withoutSecret(%s) = %s, want %s", in, got, want)
		}
	}
}
