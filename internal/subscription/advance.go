package subscription

import (
	"context"
	"sync"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

var advancing sync.Mutex

// Advance moves a test clock forward to `to`, stopping at every due date
// on the way and running the work due then, so every action happens at its
// own time (a year advanced at once still renews twelve times, each on its
// day). afterStep, if set, runs after each stop (the test server drains
// its job queue there). Moving backwards is refused (clock_backwards).
// Advances are serialised.
func (s *Service) Advance(ctx context.Context, clk *clock.Test, to time.Time, afterStep func(context.Context) error) error {
	advancing.Lock()
	defer advancing.Unlock()
	to = clock.Normalize(to)
	if to.Before(clk.Now()) {
		return errs.Invalid("clock_backwards", "the test clock only moves forward",
			errs.Field("to", "clock_backwards", "must not be before "+clk.Now().Format(time.RFC3339)))
	}
	run := func() error {
		if _, err := s.RunDue(ctx); err != nil {
			return err
		}
		if afterStep != nil {
			return afterStep(ctx)
		}
		return nil
	}
	if err := run(); err != nil { // whatever was already due
		return err
	}
	for {
		next, ok, err := s.NextDue(ctx)
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
