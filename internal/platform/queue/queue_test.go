package queue_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/queue"
)

type countArgs struct {
	N int `json:"n"`
}

func (countArgs) Kind() string { return "test_count" }

type countWorker struct {
	river.WorkerDefaults[countArgs]
	mu   sync.Mutex
	runs map[int]int
	by   map[string]int
	name string
}

func (w *countWorker) Work(ctx context.Context, job *river.Job[countArgs]) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.runs[job.Args.N]++
	return nil
}

func start(t *testing.T, d *db.DB, w *countWorker) *queue.Queue {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	q, err := queue.New(d, queue.Config{Workers: workers, PollInterval: 50 * time.Millisecond, Metrics: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return q
}

func waitIdle(t *testing.T, q *queue.Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := q.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestEnqueueJoinsTheBusinessTransaction(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := &countWorker{runs: map[int]int{}}
		q := start(t, d, w)

		// Given a transaction that enqueues and then fails, no job exists.
		boom := errors.New("boom")
		err := d.InTx(ctx, func(ctx context.Context) error {
			if err := q.Enqueue(ctx, countArgs{N: 1}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		// And a committed one enqueues its job.
		if err := d.InTx(ctx, func(ctx context.Context) error { return q.Enqueue(ctx, countArgs{N: 2}, nil) }); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, q)
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.runs[1] != 0 || w.runs[2] != 1 {
			t.Fatalf("runs = %v, want only job 2, once", w.runs)
		}
	})
}

// Two processes working one database never run the same job twice.
func TestTwoProcessesNeverWorkAJobTwice(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		if e != db.Postgres {
			continue // several processes on one database is a PostgreSQL deployment
		}
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			d1, u := dbtest.OpenURL(t, e, dbtest.Options{})
			d2, err := db.Open(context.Background(), db.Config{URL: u})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d2.Close() })
			// Given 300 jobs waiting before either process starts,
			ins, err := queue.New(d1, queue.Config{})
			if err != nil {
				t.Fatal(err)
			}
			const n = 300
			for i := range n {
				if err := ins.Enqueue(context.Background(), countArgs{N: i}, nil); err != nil {
					t.Fatal(err)
				}
			}
			// when two processes compete for them,
			w1 := &countWorker{runs: map[int]int{}}
			w2 := &countWorker{runs: map[int]int{}}
			q1 := start(t, d1, w1)
			start(t, d2, w2)
			waitIdle(t, q1)
			// then each job ran exactly once.
			w1.mu.Lock()
			w2.mu.Lock()
			defer w1.mu.Unlock()
			defer w2.mu.Unlock()
			for i := range n {
				if got := w1.runs[i] + w2.runs[i]; got != 1 {
					t.Fatalf("job %d ran %d times (process 1: %d, process 2: %d)", i, got, w1.runs[i], w2.runs[i])
				}
			}
			t.Logf("process 1 worked %d jobs, process 2 worked %d", len(w1.runs), len(w2.runs))
		})
	}
}
