// Package jobs wires Nephele's background work onto the job queue: the
// outbox delivery worker and periodic maintenance. Workers here stay thin:
// they decode their arguments and call a domain service.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/nephele-cloud/nephele/internal/platform/outbox"
)

// JobTimeout bounds one attempt of any job here (the outbox delivery, the
// lifecycle run, a cleanup); none asks for longer with its own Timeout.
// The queue takes a job still running past it, plus queue.RescueMargin,
// for one a dead process abandoned, and retries it: raise it here if a
// job needs longer, never set a longer Timeout on one worker alone.
const JobTimeout = 5 * time.Minute

// CleanupFunc deletes what no longer matters (expired idempotency keys,
// ended sessions) and says how many rows went.
type CleanupFunc func(ctx context.Context) (int64, error)

// The maintenance tasks, run hourly.
const (
	CleanupIdempotencyKeys = "idempotency_keys"
	CleanupLoginAttempts   = "login_attempts"
	CleanupSessions        = "sessions"
	// OptimizeDatabase refreshes the query planner's statistics.
	OptimizeDatabase = "optimize_database"
)

// CleanupTasks lists the maintenance tasks.
var CleanupTasks = []string{CleanupIdempotencyKeys, CleanupLoginAttempts, CleanupSessions, OptimizeDatabase}

// Deps are what the workers call.
type Deps struct {
	Outbox   *outbox.Outbox
	Cleanups map[string]CleanupFunc
	// Lifecycle performs the time-driven work that became due
	// (subscription lifecycles, billing runs).
	Lifecycle func(ctx context.Context) (int, error)
	Log       *slog.Logger
}

// Register adds every worker to w.
func Register(w *river.Workers, d Deps) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	river.AddWorker(w, d.Outbox.Worker())
	river.AddWorker(w, &cleanupWorker{deps: d})
	river.AddWorker(w, &lifecycleWorker{deps: d})
}

// LifecycleArgs runs the subscription lifecycle work that is due. It is
// scheduled every minute; the work itself is found by query and claimed
// row by row, so a run that overlaps another, or a second process, is
// harmless.
type LifecycleArgs struct{}

// Kind names the job.
func (LifecycleArgs) Kind() string { return "lifecycle" }

// InsertOpts keeps at most one lifecycle run waiting per minute.
func (LifecycleArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

type lifecycleWorker struct {
	river.WorkerDefaults[LifecycleArgs]
	deps Deps
}

func (w *lifecycleWorker) Work(ctx context.Context, _ *river.Job[LifecycleArgs]) error {
	if w.deps.Lifecycle == nil {
		return nil
	}
	n, err := w.deps.Lifecycle(ctx)
	if n > 0 {
		w.deps.Log.InfoContext(ctx, "lifecycle", "actions", n)
	}
	return err
}

// Periodic returns the scheduled jobs: the lifecycle every minute, each
// cleanup task hourly, all once at start. Only the elected leader process
// schedules them.
func Periodic(tasks []string) []*river.PeriodicJob {
	out := []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return LifecycleArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
	for _, name := range tasks {
		out = append(out, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{Task: name}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	return out
}

// CleanupArgs runs one named maintenance task.
type CleanupArgs struct {
	Task string `json:"task"`
}

// Kind names the job.
func (CleanupArgs) Kind() string { return "cleanup" }

// InsertOpts keeps one cleanup of a kind per hour, so a slow run is never
// stacked up behind another.
func (CleanupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	deps Deps
}

func (w *cleanupWorker) Work(ctx context.Context, job *river.Job[CleanupArgs]) error {
	run, ok := w.deps.Cleanups[job.Args.Task]
	if !ok {
		return river.JobCancel(fmt.Errorf("unknown cleanup task %q", job.Args.Task))
	}
	n, err := run(ctx)
	if err != nil {
		return fmt.Errorf("cleanup %s: %w", job.Args.Task, err)
	}
	if n > 0 {
		w.deps.Log.InfoContext(ctx, "cleanup", "task", job.Args.Task, "deleted", n)
	}
	return nil
}
