// Package queue runs Nephele's background jobs on River, on either engine
// (riverpgxv5 on PostgreSQL, riversqlite on SQLite).
//
// Enqueue joins the business transaction carried in the context, so a job
// exists if and only if the change that asked for it committed. Jobs are
// claimed through the database, so any number of processes can work one
// queue without running a job twice. Workers must still be idempotent: a
// job may run again after a crash between its work and its completion.
package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// DefaultJobTimeout bounds one attempt of a job unless Config.JobTimeout
// says otherwise: River cancels the attempt's context then.
const DefaultJobTimeout = 5 * time.Minute

// RescueMargin is how long past its timeout a running job must be before
// it counts as abandoned: its process died (kill -9, a crash) without
// finishing it. River's rescuer then retries it, and WaitIdle stops
// waiting for it.
const RescueMargin = time.Minute

// Config builds a Queue.
type Config struct {
	// Workers are the job workers; nil makes an insert-only queue (for
	// commands that enqueue but never work, and for processes that only
	// serve the API).
	Workers *river.Workers
	// Periodic jobs, scheduled by the elected leader process only.
	Periodic []*river.PeriodicJob
	// MaxWorkers is the number of jobs worked at once per process (default 10).
	MaxWorkers int
	// PollInterval is how often an idle process looks for new jobs (default
	// 1 s; SQLite has no LISTEN/NOTIFY so this is also its pickup latency).
	PollInterval time.Duration
	Log          *slog.Logger
	// Metrics, when set, receives job counts and durations.
	Metrics prometheus.Registerer
	// ID names this process among the workers (default: River's).
	ID string
	// JobTimeout bounds one attempt of any job (default DefaultJobTimeout).
	// It must cover the longest job's own timeout: a running job older
	// than JobTimeout + RescueMargin is taken for abandoned.
	JobTimeout time.Duration
	// Clock reads the wall time River stamps jobs with (default the system
	// clock; tests move it to age jobs). It is not the business clock,
	// which a test-clock server moves on its own.
	Clock clock.Clock
}

// Queue enqueues and works jobs.
type Queue struct {
	db          *db.DB
	c           client
	working     bool
	clock       clock.Clock
	rescueAfter time.Duration
	log         *slog.Logger
	// sole: this process is the only one working the queue (a SQLite
	// file is worked by one process), so a job running for another
	// client was left by an earlier, dead process.
	sole    bool
	started atomic.Bool
	// live tells whether another client's process is alive (PostgreSQL).
	live *liveness
}

// client hides the engine-specific River client type.
type client interface {
	insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
	running(ctx context.Context) ([]*rivertype.JobRow, error)
	id() string
}

type riverClient[TTx any] struct {
	c  *river.Client[TTx]
	tx func(context.Context) (TTx, bool)
}

func (r riverClient[TTx]) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if tx, ok := r.tx(ctx); ok {
		return r.c.InsertTx(ctx, tx, args, opts)
	}
	return r.c.Insert(ctx, args, opts)
}
func (r riverClient[TTx]) start(ctx context.Context) error { return r.c.Start(ctx) }
func (r riverClient[TTx]) stop(ctx context.Context) error  { return r.c.Stop(ctx) }
func (r riverClient[TTx]) id() string                      { return r.c.ID() }
func (r riverClient[TTx]) running(ctx context.Context) ([]*rivertype.JobRow, error) {
	res, err := r.c.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateRunning).First(10000))
	if err != nil {
		return nil, err
	}
	return res.Jobs, nil
}

// New builds a queue on d. Call Start to begin working jobs.
func New(d *db.DB, cfg Config) (*Queue, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = DefaultJobTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	rc := &river.Config{
		Logger:       cfg.Log.With("component", "queue"),
		PeriodicJobs: cfg.Periodic,
		ID:           cfg.ID,
		JobTimeout:   cfg.JobTimeout,
		// A job still running past its timeout and a margin was left by a
		// process that died: retry it within minutes, not River's default
		// hour, so the work (and the outbox deliveries behind it) resumes.
		RescueStuckJobsAfter: cfg.JobTimeout + RescueMargin,
		// Keep finished jobs a day for inspection, then River deletes them.
		CompletedJobRetentionPeriod: 24 * time.Hour,
	}
	working := cfg.Workers != nil
	if working {
		if cfg.MaxWorkers <= 0 {
			cfg.MaxWorkers = 10
		}
		if cfg.PollInterval <= 0 {
			cfg.PollInterval = time.Second
		}
		rc.Workers = cfg.Workers
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
		rc.FetchPollInterval = cfg.PollInterval
		rc.FetchCooldown = min(cfg.PollInterval, 100*time.Millisecond)
		if cfg.Metrics != nil {
			m, err := newMetrics(cfg.Metrics)
			if err != nil {
				return nil, err
			}
			rc.Middleware = []rivertype.Middleware{river.WorkerMiddlewareFunc(m.work)}
		}
	}
	q := &Queue{db: d, working: working, clock: cfg.Clock, rescueAfter: rc.RescueStuckJobsAfter, log: cfg.Log,
		sole: working && d.Engine() == db.SQLite}
	if d.Engine() == db.Postgres {
		q.live = &liveness{pool: d.Pool()}
	}
	switch d.Engine() {
	case db.Postgres:
		c, err := river.NewClient(riverpgxv5.New(d.Pool()), rc)
		if err != nil {
			return nil, fmt.Errorf("job queue: %w", err)
		}
		q.c = riverClient[pgx.Tx]{c: c, tx: d.PgxTx}
	default:
		c, err := river.NewClient(riversqlite.New(d.SQL()), rc)
		if err != nil {
			return nil, fmt.Errorf("job queue: %w", err)
		}
		q.c = riverClient[*sql.Tx]{c: c, tx: d.SQLTx}
	}
	return q, nil
}

// Enqueue inserts a job. Inside a transaction (see db.InTx) the job commits
// or rolls back with it; outside one it is inserted on its own.
func (q *Queue) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := q.c.insert(ctx, args, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// Start begins working jobs (a no-op for an insert-only queue).
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	if q.live != nil {
		// Held before the first job is fetched, so every job this process
		// attempts names a client whose liveness others can see.
		if err := q.live.hold(ctx, q.c.id()); err != nil {
			return err
		}
	}
	if err := q.c.start(ctx); err != nil {
		if q.live != nil {
			q.live.release(context.WithoutCancel(ctx), q.c.id())
		}
		return err
	}
	q.started.Store(true)
	return nil
}

// Stop stops fetching new jobs and waits for running ones to finish, or for
// ctx to end.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.working {
		return nil
	}
	q.started.Store(false)
	err := q.c.stop(ctx)
	if q.live != nil {
		q.live.release(context.WithoutCancel(ctx), q.c.id())
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("job queue: stopped before running jobs finished: %w", err)
	}
	return err
}

// RescueAfter is how long a job may stay running before it is taken for
// abandoned by a dead process: River's rescuer retries it then.
func (q *Queue) RescueAfter() time.Duration { return q.rescueAfter }

// Backlog is the work a queue has not finished.
type Backlog struct {
	// Live counts the jobs ready to run and those running within their
	// time (not those waiting for a future time or a retry).
	Live int
	// Abandoned lists the running jobs attempted longer ago than
	// RescueAfter, and on SQLite, where one process works the queue, those
	// a working process finds attempted by another client: their process
	// died. River's rescuer retries them once RescueAfter has passed (or
	// discards those out of attempts); nobody else will finish them.
	Abandoned []int64
}

// Backlog counts what is left to do, telling live jobs from those a dead
// process abandoned.
func (q *Queue) Backlog(ctx context.Context) (Backlog, error) {
	var b Backlog
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'pending')`).Scan(&b.Live); err != nil {
		return b, fmt.Errorf("job queue backlog: %w", err)
	}
	running, err := q.c.running(ctx)
	if err != nil {
		return b, fmt.Errorf("job queue backlog: %w", err)
	}
	horizon := q.clock.Now().Add(-q.rescueAfter)
	for _, j := range running {
		gone, err := q.abandoned(ctx, j, horizon)
		if err != nil {
			return b, fmt.Errorf("job queue backlog: %w", err)
		}
		if gone {
			b.Abandoned = append(b.Abandoned, j.ID)
			continue
		}
		b.Live++
	}
	return b, nil
}

// abandoned reports whether running job j was left by a dead process: it
// ran past the rescue delay, or the client attempting it is not alive (on
// SQLite: not this working process, the only one; on PostgreSQL: its
// liveness lock is free).
func (q *Queue) abandoned(ctx context.Context, j *rivertype.JobRow, horizon time.Time) (bool, error) {
	switch {
	case j.AttemptedAt != nil && j.AttemptedAt.Before(horizon):
		return true, nil
	case len(j.AttemptedBy) == 0 || q.attemptedHere(j) && q.started.Load():
		return false, nil
	case q.sole:
		return q.started.Load(), nil
	case q.live != nil:
		alive, err := q.live.alive(ctx, j.AttemptedBy[len(j.AttemptedBy)-1])
		return !alive, err
	}
	return false, nil
}

// Pending counts the live jobs: ready to run, or running within their
// time (see Backlog), for tests and readiness reports.
func (q *Queue) Pending(ctx context.Context) (int, error) {
	b, err := q.Backlog(ctx)
	return b.Live, err
}

// WaitIdle waits until no live job is left, polling every few
// milliseconds, or until ctx ends (an error saying how many are left).
// Jobs abandoned by a dead process are not waited for: they are logged,
// and River's rescuer retries them. For tests and the test clock, which
// need the effects of background work.
func (q *Queue) WaitIdle(ctx context.Context) error {
	for {
		b, err := q.Backlog(ctx)
		if err != nil {
			return err
		}
		if b.Live == 0 {
			if len(b.Abandoned) > 0 {
				q.log.WarnContext(ctx, "jobs abandoned by a dead process are not waited for; the rescuer retries them",
					"jobs", b.Abandoned, "rescue_after", q.rescueAfter.String())
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("job queue: %d jobs still pending (%d abandoned by a dead process not counted): %w", b.Live, len(b.Abandoned), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// attemptedHere reports whether this process's client is working j.
func (q *Queue) attemptedHere(j *rivertype.JobRow) bool {
	return len(j.AttemptedBy) > 0 && j.AttemptedBy[len(j.AttemptedBy)-1] == q.c.id()
}
