package jobs

import (
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/nephele-cloud/nephele/internal/platform/outbox"
)

// No worker runs longer than JobTimeout, the bound the queue's rescue of
// abandoned jobs is computed from (0 is the queue's default, JobTimeout).
func TestNoWorkerOutlivesJobTimeout(t *testing.T) {
	t.Parallel()
	for name, d := range map[string]time.Duration{
		"outbox":    (&outbox.Outbox{}).Worker().Timeout(&river.Job[outbox.DeliverArgs]{}),
		"lifecycle": (&lifecycleWorker{}).Timeout(&river.Job[LifecycleArgs]{}),
		"cleanup":   (&cleanupWorker{}).Timeout(&river.Job[CleanupArgs]{}),
	} {
		if d > JobTimeout {
			t.Errorf("%s worker times out after %s, past JobTimeout %s", name, d, JobTimeout)
		}
	}
}
