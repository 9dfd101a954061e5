package identity

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// ThrottleConfig bounds failed sign-ins, per account and per client IP:
// after Failures failures within Window the key is locked for Lock.
type ThrottleConfig struct {
	AccountFailures int
	IPFailures      int
	Window          time.Duration
	Lock            time.Duration
}

// DefaultThrottle locks an account after 5 failures in 15 minutes and an IP
// after 30, each for 15 minutes.
var DefaultThrottle = ThrottleConfig{AccountFailures: 5, IPFailures: 30, Window: 15 * time.Minute, Lock: 15 * time.Minute}

func accountKey(email string) string { return "account:" + email }
func ipKey(ip string) string         { return "ip:" + ip }

// checkThrottle refuses when any key is locked, saying when to retry.
func (s *Service) checkThrottle(ctx context.Context, keys ...string) error {
	now := s.db.Now(ctx)
	for _, k := range keys {
		var until *time.Time
		err := s.db.QueryRow(ctx, `SELECT locked_until FROM login_attempts WHERE key = $1`, k).Scan(&until)
		if err != nil {
			continue // no row: never failed
		}
		if until != nil && until.After(now) {
			wait := int(math.Ceil(until.Sub(now).Seconds()))
			return errs.TooManyRequests("too_many_attempts", fmt.Sprintf("too many failed sign-ins; try again in %d minutes", (wait+59)/60), wait)
		}
	}
	return nil
}

// recordFailure counts a failed sign-in against key, in its own
// transaction (the failed login itself changes nothing else).
func (s *Service) recordFailure(ctx context.Context, key string, max int) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		now := s.db.Now(ctx)
		var failures int
		var start time.Time
		err := s.db.QueryRow(ctx, `SELECT failures, window_start FROM login_attempts WHERE key = $1`+s.db.Dialect().ForUpdate(), key).Scan(&failures, &start)
		if err != nil || now.Sub(start) >= s.cfg.Throttle.Window {
			failures, start = 0, now
		}
		failures++
		var until any
		if failures >= max {
			until = now.Add(s.cfg.Throttle.Lock)
		}
		_, err = s.db.Exec(ctx, `INSERT INTO login_attempts (key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until`,
			key, failures, start, until)
		return err
	})
}

// clearFailures forgets the failures of key after a successful sign-in.
func (s *Service) clearFailures(ctx context.Context, key string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM login_attempts WHERE key = $1`, key)
	return err
}

// PurgeLoginAttempts deletes throttle records that no longer matter, for a
// periodic job.
func (s *Service) PurgeLoginAttempts(ctx context.Context) (int64, error) {
	now := s.db.Now(ctx)
	return s.db.Exec(ctx, `DELETE FROM login_attempts WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)`,
		now.Add(-s.cfg.Throttle.Window), now)
}
