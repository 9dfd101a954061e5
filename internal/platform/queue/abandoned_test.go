package queue_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/queue"
)

type blockArgs struct{}

func (blockArgs) Kind() string { return "test_block" }

// blockWorker runs until released (or its attempt's context ends).
type blockWorker struct {
	river.WorkerDefaults[blockArgs]
	started chan int64
	release chan struct{}
}

func (w *blockWorker) Work(ctx context.Context, job *river.Job[blockArgs]) error {
	w.started <- job.ID
	select {
	case <-w.release:
	case <-ctx.Done():
	}
	return nil
}

// A job of a dead process is rescued within minutes, and waiting for the
// queue to be idle does not wait for it: a job running longer than its
// timeout and the margin counts as abandoned, one within them as live.
func TestAbandonedJobsAreNotWaitedFor(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := clock.NewTest(clock.System{}.Now())
		w := &blockWorker{started: make(chan int64, 1), release: make(chan struct{})}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		q, err := queue.New(d, queue.Config{Workers: workers, PollInterval: 50 * time.Millisecond, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := q.Stop(sctx); err != nil {
				t.Error(err)
			}
		})
		t.Cleanup(func() { close(w.release) })
		if got, want := q.RescueAfter(), queue.DefaultJobTimeout+queue.RescueMargin; got != want || got > 10*time.Minute {
			t.Fatalf("rescue after %s, want %s (minutes, not River's hour)", got, want)
		}

		// Given a job running in this process,
		if err := q.Enqueue(ctx, blockArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		var id int64
		select {
		case id = <-w.started:
		case <-time.After(30 * time.Second):
			t.Fatal("the job never started")
		}
		// it is live within its time,
		b, err := q.Backlog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b.Live != 1 || len(b.Abandoned) != 0 {
			t.Fatalf("backlog %+v, want one live job", b)
		}
		// and abandoned past it: not waited for, but reported.
		clk.Advance(q.RescueAfter() + time.Second)
		if b, err = q.Backlog(ctx); err != nil {
			t.Fatal(err)
		}
		if b.Live != 0 || !slices.Equal(b.Abandoned, []int64{id}) {
			t.Fatalf("backlog %+v, want job %d abandoned", b, id)
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := q.WaitIdle(wctx); err != nil {
			t.Fatal(err)
		}
	})
}

// A job a dead process's client left running just now is abandoned at
// once, not after the rescue delay: on SQLite, which one process works, a
// working queue knows another client is dead; on PostgreSQL that client
// holds no liveness lock.
func TestJobsLeftByAnotherProcess(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := clock.NewTest(clock.System{}.Now())
		w := &blockWorker{started: make(chan int64, 1), release: make(chan struct{})}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		q, err := queue.New(d, queue.Config{Workers: workers, PollInterval: 50 * time.Millisecond, Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Enqueue(ctx, blockArgs{}, &river.InsertOpts{ScheduledAt: clk.Now().Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var attempted any = clk.Now()
		by := `ARRAY['dead-process']`
		if d.Engine() == db.SQLite { // River's SQLite formats
			attempted, by = clk.Now().UTC().Format("2006-01-02 15:04:05.000"), `jsonb('["dead-process"]')`
		}
		if n, err := d.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = $1, attempted_by = `+by+`
			WHERE state = 'scheduled'`, attempted); err != nil || n != 1 {
			t.Fatalf("left job: %d, %v", n, err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := q.Stop(sctx); err != nil {
				t.Error(err)
			}
		})
		t.Cleanup(func() { close(w.release) })
		var id int64
		if err := d.QueryRow(ctx, `SELECT id FROM river_job WHERE state = 'running'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		b, err := q.Backlog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b.Live != 0 || !slices.Equal(b.Abandoned, []int64{id}) {
			t.Fatalf("backlog %+v, want job %d abandoned", b, id)
		}
	})
}

// On PostgreSQL, a job another live process is working is waited for; once
// that process is gone (its liveness lock with its connection), it is not.
func TestJobsOfAnotherLiveProcess(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		if e != db.Postgres {
			continue // several processes on one database is a PostgreSQL deployment
		}
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			d1, u := dbtest.OpenURL(t, e, dbtest.Options{})
			d2, err := db.Open(ctx, db.Config{URL: u})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d2.Close() })
			// Process A works the queue as client "process-a";
			workers := river.NewWorkers()
			river.AddWorker(workers, &blockWorker{started: make(chan int64, 1), release: make(chan struct{})})
			qa, err := queue.New(d1, queue.Config{Workers: workers, PollInterval: 50 * time.Millisecond, ID: "process-a"})
			if err != nil {
				t.Fatal(err)
			}
			if err := qa.Enqueue(ctx, blockArgs{}, &river.InsertOpts{ScheduledAt: clock.System{}.Now().Add(24 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if n, err := d1.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now(), attempted_by = ARRAY['process-a']
				WHERE state = 'scheduled'`); err != nil || n != 1 {
				t.Fatalf("job of process a: %d, %v", n, err)
			}
			if err := qa.Start(ctx); err != nil {
				t.Fatal(err)
			}
			// process B (only inserting) sees its job live,
			qb, err := queue.New(d2, queue.Config{})
			if err != nil {
				t.Fatal(err)
			}
			if b, err := qb.Backlog(ctx); err != nil || b.Live != 1 || len(b.Abandoned) != 0 {
				t.Fatalf("while process a works: %+v, %v", b, err)
			}
			// and abandoned once process A is gone.
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := qa.Stop(sctx); err != nil {
				t.Fatal(err)
			}
			if b, err := qb.Backlog(ctx); err != nil || b.Live != 0 || len(b.Abandoned) != 1 {
				t.Fatalf("after process a: %+v, %v", b, err)
			}
		})
	}
}
