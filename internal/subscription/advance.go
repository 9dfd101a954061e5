package subscription

import (
	"context"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/schedule"
)

// Advance walks a test clock to `to` running the lifecycle work due on the
// way (schedule.Advance with this service alone; a whole platform walks
// every domain's work together).
func (s *Service) Advance(ctx context.Context, clk *clock.Test, to time.Time, afterStep func(context.Context) error) error {
	return schedule.Advance(ctx, clk, to, []schedule.Work{s}, afterStep)
}
