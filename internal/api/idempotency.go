package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// Headers of the idempotency protocol.
const (
	// IdempotencyHeader names the client's key on a POST.
	IdempotencyHeader = "Idempotency-Key"
	// ReplayedHeader is set to "true" on a response replayed from a key.
	ReplayedHeader = "Idempotent-Replayed"
)

// secretField is the top-level response field that is shown once and never
// stored for replay (a new API key's token, for instance).
const secretField = "token"

// replayedHeaders are the response headers stored with a key and replayed.
var replayedHeaders = []string{"Content-Type", "Location"}

// idempotency makes an authenticated POST carrying an Idempotency-Key run
// at most once per caller and key (see the API description for the
// protocol). Anonymous requests and requests without a key pass through.
func (a *API) idempotency(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys := r.Header.Values(IdempotencyHeader)
		act := actor.From(r.Context())
		if r.Method != http.MethodPost || len(keys) == 0 || act.IsZero() || a.db == nil {
			next.ServeHTTP(w, r)
			return
		}
		key := keys[0]
		if len(keys) > 1 || !validKey(key) {
			writeProblem(w, r, Problem(errs.ToProblem(errs.Invalid("invalid_idempotency_key",
				"the Idempotency-Key header must be one value of 1-255 printable ASCII characters",
				errs.Field(IdempotencyHeader, "invalid_format", "must be 1-255 printable ASCII characters")))))
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				writeProblem(w, r, statusProblem(http.StatusRequestEntityTooLarge,
					fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)))
				return
			}
			writeProblem(w, r, statusProblem(http.StatusBadRequest, "could not read the request body"))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))

		scope := idempotencyScope(act)
		outcome, stored, err := a.claimKey(r.Context(), scope, key, r, fingerprint(r, body))
		if err != nil {
			a.internalError(w, r, fmt.Errorf("idempotency key: %w", err))
			return
		}
		switch outcome {
		case keyReused:
			writeProblem(w, r, Problem(errs.ToProblem(errs.Conflict("idempotency_key_reused",
				"this Idempotency-Key was used with a different request"))))
			return
		case keyInProgress:
			writeProblem(w, r, Problem(errs.ToProblem(errs.Conflict("idempotency_request_in_progress",
				"a request with this Idempotency-Key is still in progress; retry later"))))
			return
		case keyDone:
			replay(w, stored)
			return
		}

		cw := &captureWriter{ResponseWriter: w}
		completed := false
		defer func() {
			if !completed { // the handler panicked: let the client retry
				a.releaseKey(r.Context(), scope, key)
			}
		}()
		next.ServeHTTP(cw, r)
		completed = true
		a.finishKey(r.Context(), scope, key, cw)
	})
}

func validKey(k string) bool {
	if len(k) < 1 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// idempotencyScope keeps keys of different callers apart; an impersonating
// administrator has keys of its own.
func idempotencyScope(act actor.Actor) string {
	s := act.UserID
	if s == "" {
		s = act.Kind + ":" + act.APIKeyID
	}
	if act.ImpersonatorID != "" {
		s += "/" + act.ImpersonatorID
	}
	return s
}

// fingerprint identifies a request: method, path with query, and body.
func fingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(r.Method), []byte(r.URL.RequestURI()), body} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

type keyOutcome int

const (
	keyClaimed keyOutcome = iota
	keyReused
	keyInProgress
	keyDone
)

type storedResponse struct {
	hash, state string
	status      int
	headers     string
	body        string
	expiresAt   time.Time
}

// claimKey inserts the key in state in_flight, or reports what an existing
// row says. An expired row is deleted and the key claimed afresh.
func (a *API) claimKey(ctx context.Context, scope, key string, r *http.Request, hash string) (keyOutcome, storedResponse, error) {
	for range 5 {
		now := a.clock.Now()
		n, err := a.db.Exec(ctx, `INSERT INTO idempotency_keys
			(scope, key, method, path, request_hash, state, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, 'in_flight', $6, $7)
			ON CONFLICT (scope, key) DO NOTHING`,
			scope, key, r.Method, r.URL.Path, hash, now, now.Add(a.ttl))
		if err != nil {
			return 0, storedResponse{}, fmt.Errorf("claim: %w", err)
		}
		if n == 1 {
			return keyClaimed, storedResponse{}, nil
		}
		var s storedResponse
		err = a.db.QueryRow(ctx, `SELECT request_hash, state, status_code, response_headers, response_body, expires_at
			FROM idempotency_keys WHERE scope = $1 AND key = $2`, scope, key).
			Scan(&s.hash, &s.state, &s.status, &s.headers, &s.body, &s.expiresAt)
		switch {
		case errors.Is(err, db.ErrNoRows):
			continue // released meanwhile: claim again
		case err != nil:
			return 0, storedResponse{}, fmt.Errorf("load: %w", err)
		case !s.expiresAt.After(now):
			if _, err := a.db.Exec(ctx, `DELETE FROM idempotency_keys
				WHERE scope = $1 AND key = $2 AND expires_at <= $3`, scope, key, now); err != nil {
				return 0, storedResponse{}, fmt.Errorf("delete expired: %w", err)
			}
			continue
		case s.hash != hash:
			return keyReused, s, nil
		case s.state != "done":
			return keyInProgress, s, nil
		default:
			return keyDone, s, nil
		}
	}
	return 0, storedResponse{}, errors.New("claim: key keeps changing under us")
}

// finishKey stores the response for replay, or releases the key when the
// answer says "try again" (5xx, 429).
func (a *API) finishKey(ctx context.Context, scope, key string, cw *captureWriter) {
	status := cw.status
	if status == 0 {
		status = http.StatusOK
	}
	if status >= http.StatusInternalServerError || status == http.StatusTooManyRequests {
		a.releaseKey(ctx, scope, key)
		return
	}
	headers := map[string]string{}
	for _, h := range replayedHeaders {
		if v := cw.Header().Get(h); v != "" {
			headers[h] = v
		}
	}
	hj, _ := json.Marshal(headers) // map[string]string cannot fail
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err := a.db.Exec(ctx, `UPDATE idempotency_keys
		SET state = 'done', status_code = $3, response_headers = $4, response_body = $5
		WHERE scope = $1 AND key = $2 AND state = 'in_flight'`,
		scope, key, status, string(hj), string(withoutSecret(cw.body.Bytes())))
	if err != nil {
		// The key stays in_flight until it expires: retries get a 409 rather
		// than running the operation a second time.
		a.log.ErrorContext(ctx, "store idempotent response", "request_id", actor.RequestFrom(ctx).ID,
			"error", err.Error())
	}
}

// releaseKey deletes a key whose request did not complete, so that the
// client can retry.
func (a *API) releaseKey(ctx context.Context, scope, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := a.db.Exec(ctx, `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'in_flight'`,
		scope, key); err != nil {
		a.log.ErrorContext(ctx, "release idempotency key", "request_id", actor.RequestFrom(ctx).ID,
			"error", err.Error())
	}
}

func replay(w http.ResponseWriter, s storedResponse) {
	var headers map[string]string
	_ = json.Unmarshal([]byte(s.headers), &headers) // written by finishKey
	for k, v := range headers {
		w.Header().Set(k, v)
	}
	w.Header().Set(ReplayedHeader, "true")
	w.WriteHeader(s.status)
	_, _ = io.WriteString(w, s.body)
}

// withoutSecret removes a top-level "token" field from a JSON object,
// keeping the other fields in order. Anything else is returned unchanged.
func withoutSecret(body []byte) []byte {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || !bytes.Contains(trimmed, []byte(`"`+secretField+`"`)) {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if _, err := dec.Token(); err != nil {
		return body
	}
	out := []byte{'{'}
	found := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return body
		}
		name, _ := t.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return body
		}
		if name == secretField {
			found = true
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		k, _ := json.Marshal(name)
		out = append(append(append(out, k...), ':'), value...)
	}
	if !found {
		return body
	}
	return append(out, '}', '\n')
}

// PurgeExpiredIdempotencyKeys deletes keys past their expiry and returns how
// many it deleted. Run it periodically; expired keys are already ignored,
// this only reclaims space. It returns the database error, if any.
func (a *API) PurgeExpiredIdempotencyKeys(ctx context.Context) (int64, error) {
	if a.db == nil {
		return 0, errors.New("purge idempotency keys: no database configured")
	}
	n, err := a.db.Exec(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= $1`, a.clock.Now())
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return n, nil
}

// captureWriter passes a response through while keeping a copy for storage.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *captureWriter) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
