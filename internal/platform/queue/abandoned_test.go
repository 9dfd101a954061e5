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

// A job another client left running just now: on SQLite, which one process
// works, a working queue knows that client is dead and does not wait for
// its job; on PostgreSQL the other process may be alive, so the job is
// live until its time is up.
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
		want := queue.Backlog{Live: 1}
		if d.Engine() == db.SQLite {
			want = queue.Backlog{Abandoned: []int64{id}}
		}
		if b.Live != want.Live || !slices.Equal(b.Abandoned, want.Abandoned) {
			t.Fatalf("backlog %+v, want %+v", b, want)
		}
	})
}
