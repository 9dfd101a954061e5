package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/nephele-cloud/nephele/internal/app"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// post sends a JSON POST from a goroutine (no t.Fatal there): the status,
// or -1 when the request could not be made.
func (en *env) post(path string, body any, headers ...string) int {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", en.srv.URL+path, bytes.NewReader(raw))
	if err != nil {
		return -1
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := en.srv.Client().Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// burst fires the bodies at path all at once and counts the statuses.
func (en *env) burst(path string, bodies []any) map[int]int {
	statuses := make([]int, len(bodies))
	var wg sync.WaitGroup
	for i, b := range bodies {
		wg.Go(func() { statuses[i] = en.post(path, b) })
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	return count
}

// Sixty parallel sign-ins to one account from one address, 59 wrong and
// one right: at most the configured number of wrong passwords reach the
// password check (401); every other attempt is refused before it (429).
func TestParallelSignInsAreThrottled(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			email := en.world.Users["customer_a1"].Email
			bodies := make([]any, 60)
			for i := range bodies {
				bodies[i] = map[string]string{"email": email, "password": fmt.Sprintf("wrong-guess-%02d", i)}
			}
			bodies[59] = map[string]string{"email": email, "password": identitytest.Password}
			count := en.burst("/api/v1/auth/login", bodies)
			limit := identity.DefaultThrottle.AccountFailures
			if count[http.StatusUnauthorized] > limit {
				t.Errorf("%d wrong passwords reached the password check, want at most %d: %v", count[http.StatusUnauthorized], limit, count)
			}
			if count[http.StatusUnauthorized]+count[http.StatusOK]+count[http.StatusTooManyRequests] != 60 || count[http.StatusTooManyRequests] < 60-limit-1 {
				t.Errorf("answers %v, want the excess refused with 429", count)
			}
			// The account stays locked for this address, whatever the password.
			r := en.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": identitytest.Password})
			if count[http.StatusUnauthorized] == limit && r.Status != http.StatusTooManyRequests {
				t.Errorf("after the burst: %d %s", r.Status, r.Body)
			}
		})
	}
}

// Thirty parallel vendor registrations from one address: the configured
// number are accepted, the rest refused with 429 and nothing created.
func TestParallelSignUpsAreThrottled(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			bodies := make([]any, 30)
			for i := range bodies {
				bodies[i] = map[string]string{"org_name": fmt.Sprintf("Burst %02d", i), "country": "IT", "name": "Bea",
					"email": fmt.Sprintf("burst-%02d@example.com", i), "password": "a-fine-password-9"}
			}
			count := en.burst("/api/v1/vendors/register", bodies)
			limit := identity.DefaultThrottle.Signups
			if count[http.StatusCreated] != limit || count[http.StatusTooManyRequests] != 30-limit {
				t.Errorf("answers %v, want %d × 201 and %d × 429", count, limit, 30-limit)
			}
			var n int
			if err := en.app.DB.QueryRow(context.Background(), `SELECT count(*) FROM users WHERE email LIKE 'burst-%'`).Scan(&n); err != nil || n != limit {
				t.Errorf("%d users created (%v), want %d", n, err, limit)
			}
		})
	}
}

// Probing which e-mails exist through vendor registration is throttled too:
// a registration refused inside its transaction (a taken e-mail) still
// counts against its source, so the burst gets as many answers as the
// limit and then 429s.
func TestSignUpsRefusedLaterStillCount(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			taken := en.world.Users["customer_a1"].Email
			bodies := make([]any, 20)
			for i := range bodies {
				bodies[i] = map[string]string{"org_name": fmt.Sprintf("Probe %02d", i), "country": "IT", "name": "Bea",
					"email": taken, "password": "a-fine-password-9"}
			}
			count := en.burst("/api/v1/vendors/register", bodies)
			limit := identity.DefaultThrottle.Signups
			if count[http.StatusUnprocessableEntity] != limit || count[http.StatusTooManyRequests] != 20-limit {
				t.Errorf("answers %v, want %d × 422 (email_taken) and %d × 429", count, limit, 20-limit)
			}
		})
	}
}

// Behind a proxy (client addresses from X-Forwarded-For), guesses from one
// address lock the account for that address only: the real user, from
// another address, still signs in. An IPv6 client is its /64.
func TestSignInLockIsPerSource(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			cfg := app.Config{DatabaseURL: dbtest.NewDatabaseURL(t, e), MarketplaceName: "Test Marketplace", LogFormat: "json", LogLevel: "error",
				InsecureCookies: true, Version: "test", TrustProxy: true}
			a, err := app.New(context.Background(), cfg, app.Options{Clock: clock.NewTest(dbtest.DefaultStart), Hash: identitytest.CheapHash, Log: discard()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			srv := httptest.NewServer(a.Handler())
			t.Cleanup(srv.Close)
			en := &env{t: t, app: a, srv: srv, world: identitytest.NewWorld(t, a.Identity)}
			email := en.world.Users["customer_a1"].Email
			login := func(from, password string) int {
				return en.post("/api/v1/auth/login", map[string]string{"email": email, "password": password}, "X-Forwarded-For", from)
			}
			for _, attacker := range []string{"203.0.113.66", "2001:db8:aa:bb::1"} {
				for range identity.DefaultThrottle.AccountFailures {
					if s := login(attacker, "wrong-guess-99"); s != http.StatusUnauthorized {
						t.Fatalf("guess from %s: %d", attacker, s)
					}
				}
			}
			for _, attacker := range []string{"203.0.113.66", "2001:db8:aa:bb::2"} {
				if s := login(attacker, identitytest.Password); s != http.StatusTooManyRequests {
					t.Errorf("from the guessing source %s: %d, want 429", attacker, s)
				}
			}
			for _, user := range []string{"198.51.100.20", "2001:db8:aa:bc::1"} {
				if s := login(user, identitytest.Password); s != http.StatusOK {
					t.Errorf("the real user from %s: %d, want 200", user, s)
				}
			}
		})
	}
}
