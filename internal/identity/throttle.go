package identity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/db"
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
	now := s.sessionNow(ctx)
	for _, k := range keys {
		var until *time.Time
		err := s.db.QueryRow(ctx, `SELECT locked_until FROM login_attempts WHERE key = $1`, k).Scan(&until)
		if errors.Is(err, db.ErrNoRows) {
			continue // never failed
		}
		if err != nil {
			return fmt.Errorf("sign-in throttle: %w", err)
		}
		if until != nil && until.After(now) {
			wait := int(math.Ceil(until.Sub(now).Seconds()))
			return errs.TooManyRequests("too_many_attempts", fmt.Sprintf("too many failed sign-ins; try again in %d minutes", (wait+59)/60), wait)
		}
	}
	return nil
}

// recordFailure counts a failed sign-in against key and locks it at max
// failures within the window. One atomic upsert, so concurrent failures in
// several processes all count. It runs in its own transaction: the failed
// login itself changes nothing else.
func (s *Service) recordFailure(ctx context.Context, key string, max int) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		now := s.sessionNow(ctx)
		var failures int
		err := s.db.QueryRow(ctx, `INSERT INTO login_attempts (key, failures, window_start) VALUES ($1, 1, $2)
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN login_attempts.window_start <= $3 THEN 1 ELSE login_attempts.failures + 1 END,
				window_start = CASE WHEN login_attempts.window_start <= $3 THEN excluded.window_start ELSE login_attempts.window_start END,
				locked_until = CASE WHEN login_attempts.window_start <= $3 THEN NULL ELSE login_attempts.locked_until END
			RETURNING failures`, key, now, now.Add(-s.cfg.Throttle.Window)).Scan(&failures)
		if err != nil {
			return fmt.Errorf("sign-in throttle: %w", err)
		}
		if failures >= max {
			_, err = s.db.Exec(ctx, `UPDATE login_attempts SET locked_until = $2 WHERE key = $1`, key, now.Add(s.cfg.Throttle.Lock))
		}
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
	now := s.sessionNow(ctx)
	return s.db.Exec(ctx, `DELETE FROM login_attempts WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)`,
		now.Add(-s.cfg.Throttle.Window), now)
}
