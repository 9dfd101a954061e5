package identity

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// ThrottleConfig bounds sign-ins and sign-ups. Every attempt is reserved
// before the password is hashed or the account created, in one locked row
// per key, so a burst of parallel requests gets no more tries than a slow
// sequence would. A source is a client IPv4 address or an IPv6 /64 (one
// subscriber's allocation).
type ThrottleConfig struct {
	// AccountFailures failed sign-ins to one account from one source
	// within Window lock that (account, source) pair for Lock. Another
	// source (the real user elsewhere) is not locked by them.
	AccountFailures int
	// IPFailures failed sign-ins from one source, whatever the accounts,
	// within Window lock the source for IPLock, doubling at each further
	// lock up to Lock: a ceiling high enough for an office behind one
	// proxy, and short locks rather than one long one.
	IPFailures int
	Window     time.Duration
	Lock       time.Duration
	IPLock     time.Duration
	// Signups self-registrations from one source within SignupWindow; more
	// wait with the same back-off as IPFailures (up to SignupWindow).
	Signups      int
	SignupWindow time.Duration
}

// DefaultThrottle allows 5 failed sign-ins per account and source and 100
// per source in 15 minutes, and 10 sign-ups per source an hour.
var DefaultThrottle = ThrottleConfig{AccountFailures: 5, IPFailures: 100, Window: 15 * time.Minute, Lock: 15 * time.Minute,
	IPLock: time.Minute, Signups: 10, SignupWindow: time.Hour}

// withDefaults fills the unset fields of c from DefaultThrottle.
func (c ThrottleConfig) withDefaults() ThrottleConfig {
	d := DefaultThrottle
	for _, f := range []struct {
		v   *int
		def int
	}{{&c.AccountFailures, d.AccountFailures}, {&c.IPFailures, d.IPFailures}, {&c.Signups, d.Signups}} {
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	for _, f := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&c.Window, d.Window}, {&c.Lock, d.Lock}, {&c.IPLock, d.IPLock}, {&c.SignupWindow, d.SignupWindow}} {
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	return c
}

// sourceOf names where a request comes from for throttling: an IPv4
// address as is (an IPv4-mapped IPv6 address as its IPv4 address), an IPv6
// address by its /64 network, since one subscriber holds a whole /64 and
// can change addresses within it at will. Anything unparsable is kept as
// given; no address at all is "unknown".
func sourceOf(ip string) string {
	if ip == "" {
		return "unknown"
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}

// throttleRule is one key of the throttle and its limits.
type throttleRule struct {
	key     string
	max     int           // attempts allowed within window
	window  time.Duration // from the first attempt counted
	lock    time.Duration // the first lock; each further one doubles
	maxLock time.Duration
}

func (c ThrottleConfig) signInRules(email, ip string) []throttleRule {
	src := sourceOf(ip)
	rules := []throttleRule{{key: "account:" + email + "|" + src, max: c.AccountFailures, window: c.Window, lock: c.Lock, maxLock: c.Lock}}
	if ip != "" {
		rules = append(rules, throttleRule{key: "ip:" + src, max: c.IPFailures, window: c.Window, lock: c.IPLock, maxLock: c.Lock})
	}
	return rules
}

func (c ThrottleConfig) signUpRule(ip string) throttleRule {
	return throttleRule{key: "signup:" + sourceOf(ip), max: c.Signups, window: c.SignupWindow, lock: c.IPLock, maxLock: c.SignupWindow}
}

// lockFor is the length of the strikes-th lock of the rule.
func (r throttleRule) lockFor(strikes int) time.Duration {
	d := r.lock
	for i := 1; i < strikes && d < r.maxLock; i++ {
		d *= 2
	}
	return min(d, r.maxLock)
}

// attempts is the stored state of one throttle key.
type attempts struct {
	failures    int
	windowStart time.Time
	lockedUntil *time.Time
	strikes     int
}

// decide counts one more attempt against st at now: the new state, and how
// long to wait when the attempt is refused (0 when it may go on).
func (r throttleRule) decide(st attempts, now time.Time) (attempts, time.Duration) {
	switch {
	case st.lockedUntil != nil && now.Before(*st.lockedUntil):
		return st, st.lockedUntil.Sub(now)
	case st.lockedUntil != nil:
		// The lock ran out: a fresh window; the strikes are remembered
		// unless the lock ended a whole window ago.
		strikes := st.strikes
		if !st.lockedUntil.After(now.Add(-r.window)) {
			strikes = 0
		}
		st = attempts{windowStart: now, strikes: strikes}
	case !st.windowStart.After(now.Add(-r.window)):
		st = attempts{windowStart: now}
	}
	if st.failures >= r.max {
		st.strikes++
		until := now.Add(r.lockFor(st.strikes))
		st.lockedUntil = &until
		return st, until.Sub(now)
	}
	st.failures++
	return st, 0
}

// reserve counts one attempt against every rule, atomically: each key's row
// is locked (created if new), every rule decides, and either all count the
// attempt or, when any refuses, none does and the refusing keys are locked.
// The reservation commits on its own even when the attempt is refused; run
// it outside any other transaction when refusals must stick (inside one it
// joins, and a rollback forgets it). It returns how long to wait, 0 when
// the attempt may go on.
func (s *Service) reserve(ctx context.Context, rules ...throttleRule) (time.Duration, error) {
	var wait time.Duration
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		wait = 0
		now := s.sessionNow(ctx)
		next := make([]attempts, len(rules))
		refused := make([]bool, len(rules))
		for i, r := range rules {
			st, err := s.lockAttempts(ctx, r.key, now)
			if err != nil {
				return err
			}
			var w time.Duration
			next[i], w = r.decide(st, now)
			refused[i] = w > 0
			wait = max(wait, w)
		}
		for i, r := range rules {
			if wait > 0 && !refused[i] {
				continue // refused elsewhere: this key does not count it
			}
			st := next[i]
			if _, err := s.db.Exec(ctx, `UPDATE login_attempts SET failures = $2, window_start = $3, locked_until = $4, strikes = $5 WHERE key = $1`,
				r.key, st.failures, st.windowStart, st.lockedUntil, st.strikes); err != nil {
				return fmt.Errorf("throttle: %w", err)
			}
		}
		return nil
	})
	return wait, err
}

// lockAttempts creates the row of key if needed, locks it for the rest of
// the transaction (PostgreSQL; SQLite has one writer) and reads it.
func (s *Service) lockAttempts(ctx context.Context, key string, now time.Time) (attempts, error) {
	var st attempts
	_, err := s.db.Exec(ctx, `INSERT INTO login_attempts (key, failures, window_start, strikes) VALUES ($1, 0, $2, 0)
		ON CONFLICT (key) DO UPDATE SET failures = login_attempts.failures`, key, now)
	if err == nil {
		err = s.db.QueryRow(ctx, `SELECT failures, window_start, locked_until, strikes FROM login_attempts WHERE key = $1`, key).
			Scan(&st.failures, &st.windowStart, &st.lockedUntil, &st.strikes)
	}
	if err != nil {
		return st, fmt.Errorf("throttle %s: %w", key, err)
	}
	return st, nil
}

// release gives back the attempt reserve counted on each key (a sign-in
// that succeeded is no failure). Failures counted before it stay: a
// success does not reset the window, so the guesses of a burst that
// contains the right password are bounded too.
func (s *Service) release(ctx context.Context, rules ...throttleRule) error {
	for _, r := range rules {
		if _, err := s.db.Exec(ctx, `UPDATE login_attempts SET failures = failures - 1 WHERE key = $1 AND failures > 0`, r.key); err != nil {
			return fmt.Errorf("throttle: %w", err)
		}
	}
	return nil
}

// tooMany is the refusal of a throttled attempt, with Retry-After.
func tooMany(code, what string, wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	return errs.TooManyRequests(code, fmt.Sprintf("too many %s; try again in %d minutes", what, (secs+59)/60), secs)
}

// PurgeLoginAttempts deletes throttle records that no longer matter, for a
// periodic job.
func (s *Service) PurgeLoginAttempts(ctx context.Context) (int64, error) {
	now := s.sessionNow(ctx)
	window := max(s.cfg.Throttle.Window, s.cfg.Throttle.SignupWindow)
	return s.db.Exec(ctx, `DELETE FROM login_attempts WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $1)`,
		now.Add(-window))
}
