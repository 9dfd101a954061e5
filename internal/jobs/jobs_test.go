package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/nephele-cloud/nephele/internal/jobs"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/queue"
)

func TestCleanupsRunOnStartAndByName(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var ran atomic.Int32
		workers := river.NewWorkers()
		q, err := queue.New(d, queue.Config{Workers: workers, Periodic: jobs.Periodic([]string{"count"}), PollInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		jobs.Register(workers, jobs.Deps{Outbox: outbox.New(d, q, nil), Cleanups: map[string]jobs.CleanupFunc{
			"count": func(context.Context) (int64, error) { ran.Add(1); return 3, nil },
			"fail":  func(context.Context) (int64, error) { return 0, errors.New("boom") },
		}})
		ctx := context.Background()
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(ctx)
		// An unknown task is cancelled rather than retried forever.
		if err := q.Enqueue(ctx, jobs.CleanupArgs{Task: "nope"}, nil); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		// The leader is elected, then schedules the cleanup at once.
		for ran.Load() == 0 {
			select {
			case <-wctx.Done():
				t.Fatal("the periodic cleanup never ran")
			case <-time.After(20 * time.Millisecond):
			}
		}
		if err := q.WaitIdle(wctx); err != nil {
			t.Fatal(err)
		}
		var state string
		if err := d.QueryRow(ctx, `SELECT state FROM river_job WHERE kind = 'cleanup' AND args->>'task' = 'nope'`).Scan(&state); err != nil || state != "cancelled" {
			t.Fatalf("unknown task: state %q, %v", state, err)
		}
	})
}
