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
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/nephele-cloud/nephele/internal/platform/db"
)

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
}

// Queue enqueues and works jobs.
type Queue struct {
	db      *db.DB
	c       client
	working bool
}

// client hides the engine-specific River client type.
type client interface {
	insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
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

// New builds a queue on d. Call Start to begin working jobs.
func New(d *db.DB, cfg Config) (*Queue, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	rc := &river.Config{
		Logger:       cfg.Log.With("component", "queue"),
		PeriodicJobs: cfg.Periodic,
		ID:           cfg.ID,
		JobTimeout:   5 * time.Minute,
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
	q := &Queue{db: d, working: working}
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
	return q.c.start(ctx)
}

// Stop stops fetching new jobs and waits for running ones to finish, or for
// ctx to end.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.working {
		return nil
	}
	err := q.c.stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("job queue: stopped before running jobs finished: %w", err)
	}
	return err
}

// Pending counts jobs ready to run or running (not those waiting for a
// future time or a retry), for tests and readiness reports.
func (q *Queue) Pending(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'pending')`).Scan(&n)
	return n, err
}

// WaitIdle waits until no job is pending, polling every few milliseconds, or
// until ctx ends. For tests that need the effects of background work.
func (q *Queue) WaitIdle(ctx context.Context) error {
	for {
		n, err := q.Pending(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("job queue: %d jobs still pending: %w", n, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
