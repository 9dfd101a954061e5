// Package schedule is the contract of time-driven work: a domain that acts
// at due dates (renewals, billing runs, overdue invoices) says when work is
// next due and performs what is due by now. The periodic jobs call RunDue;
// the test clock walks from one due date to the next with Advance, so a
// year advanced at once still renews and bills every period on its own day.
package schedule

import (
	"context"
	"sync"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// Work is time-driven work of one domain.
type Work interface {
	// NextDue is the earliest time work is due, if any.
	NextDue(ctx context.Context) (time.Time, bool, error)
	// RunDue performs everything due by the clock's now and returns how
	// many actions it took. It is idempotent and safe to run in several
	// processes at once.
	RunDue(ctx context.Context) (int, error)
}

var advancing sync.Mutex

// Advance moves a test clock forward to `to`, stopping at every due date of
// every work on the way and running all of them there, in order, so each
// action happens at its own time and sees what the earlier ones did.
// afterStep, if set, runs after each stop (a test server drains its job
// queue there, so the events of one stop are handled before the next).
// Moving backwards is refused (clock_backwards). Advances are serialised.
func Advance(ctx context.Context, clk *clock.Test, to time.Time, works []Work, afterStep func(context.Context) error) error {
	advancing.Lock()
	defer advancing.Unlock()
	to = clock.Normalize(to)
	if to.Before(clk.Now()) {
		return errs.Invalid("clock_backwards", "the test clock only moves forward",
			errs.Field("to", "clock_backwards", "must not be before "+clk.Now().Format(time.RFC3339)))
	}
	// run performs the work due now until a pass does nothing: one work's
	// action (a renewal) can make another's due at the same instant (its
	// invoice).
	run := func() error {
		for pass := 0; ; pass++ {
			done := 0
			for _, w := range works {
				n, err := w.RunDue(ctx)
				if err != nil {
					return err
				}
				done += n
			}
			if afterStep != nil {
				if err := afterStep(ctx); err != nil {
					return err
				}
			}
			if done == 0 || pass == 100 {
				return nil
			}
		}
	}
	if err := run(); err != nil { // whatever was already due
		return err
	}
	for {
		next, ok, err := nextDue(ctx, works)
		if err != nil {
			return err
		}
		if !ok || next.After(to) {
			break
		}
		if next.After(clk.Now()) {
			clk.Set(next)
		}
		if err := run(); err != nil {
			return err
		}
	}
	clk.Set(to)
	return run()
}

func nextDue(ctx context.Context, works []Work) (time.Time, bool, error) {
	var next time.Time
	found := false
	for _, w := range works {
		t, ok, err := w.NextDue(ctx)
		if err != nil {
			return time.Time{}, false, err
		}
		if ok && (!found || t.Before(next)) {
			next, found = t, true
		}
	}
	return next, found, nil
}
