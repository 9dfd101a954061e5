package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/queue"
)

type recorder struct {
	mu   sync.Mutex
	got  map[string]int
	fail int // fail this many times first
}

func (r *recorder) handle(ctx context.Context, ev outbox.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("temporary failure")
	}
	r.got[ev.ID]++
	return nil
}

func (r *recorder) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[id]
}

func setup(t *testing.T, d *db.DB, work bool) (*outbox.Outbox, *queue.Queue) {
	t.Helper()
	var ob *outbox.Outbox
	cfg := queue.Config{PollInterval: 50 * time.Millisecond}
	if work {
		cfg.Workers = river.NewWorkers()
	}
	q, err := queue.New(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ob = outbox.New(d, q, nil)
	if work {
		river.AddWorker(cfg.Workers, ob.Worker())
	}
	return ob, q
}

func TestPublishIsTransactional(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ob, _ := setup(t, d, false)
		ctx := actor.With(context.Background(), actor.Actor{Kind: actor.KindUser, UserID: "usr_x"})

		if err := ob.PublishData(ctx, "thing.created", "thing", "thg_1", "", nil); !errors.Is(err, db.ErrNoTx) {
			t.Fatalf("publish outside a transaction: %v", err)
		}
		boom := errors.New("boom")
		_ = d.InTx(ctx, func(ctx context.Context) error {
			if err := ob.PublishData(ctx, "thing.created", "thing", "thg_1", "", map[string]int{"a": 1}); err != nil {
				t.Fatal(err)
			}
			return boom
		})
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled back event kept: %d, %v", n, err)
		}
		if err := d.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled back delivery job kept: %d, %v", n, err)
		}
		err := d.InTx(ctx, func(ctx context.Context) error {
			return ob.PublishData(ctx, "thing.created", "thing", "thg_1", "org_1", map[string]int{"a": 1})
		})
		if err != nil {
			t.Fatal(err)
		}
		var id, data, actorID string
		if err := d.QueryRow(ctx, `SELECT id, data, actor_id FROM events`).Scan(&id, &data, &actorID); err != nil {
			t.Fatal(err)
		}
		ev, err := ob.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]int
		if err := json.Unmarshal(ev.Data, &m); err != nil || m["a"] != 1 || ev.ActorID != "usr_x" || ev.OrgID != "org_1" {
			t.Fatalf("event = %+v (%v)", ev, err)
		}
		if !ev.OccurredAt.Equal(d.Clock().Now()) {
			t.Fatalf("occurred_at %v, want the transaction time %v", ev.OccurredAt, d.Clock().Now())
		}
	})
}

func TestDeliveryIsOncePerSubscriber(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ob, q := setup(t, d, true)
		good := &recorder{got: map[string]int{}}
		flaky := &recorder{got: map[string]int{}, fail: 1}
		other := &recorder{got: map[string]int{}}
		ob.Subscribe("good", "thing.*", good.handle)
		ob.Subscribe("flaky", "*", flaky.handle)
		ob.Subscribe("other", "user.created", other.handle)

		var id string
		err := d.InTx(ctx, func(ctx context.Context) error {
			if err := ob.PublishData(ctx, "thing.created", "thing", "thg_1", "", nil); err != nil {
				return err
			}
			return d.QueryRow(ctx, `SELECT id FROM events`).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		// The first delivery serves "good" and fails "flaky".
		if err := ob.Deliver(ctx, id); err == nil {
			t.Fatal("failing subscriber not reported")
		}
		// A retry, and a redundant second delivery, serve "flaky" once and
		// never "good" again.
		if err := ob.Deliver(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := ob.Deliver(ctx, id); err != nil {
			t.Fatal(err)
		}
		// And the queued job, worked for real, changes nothing.
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = q.Stop(context.Background()) })
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := q.WaitIdle(wctx); err != nil {
			t.Fatal(err)
		}
		if good.count(id) != 1 || flaky.count(id) != 1 || other.count(id) != 0 {
			t.Fatalf("deliveries: good %d, flaky %d, other %d", good.count(id), flaky.count(id), other.count(id))
		}
	})
}

// Without workers, DeliverPending catches up: every event once to every
// matching subscriber, oldest first, and nothing again the second time.
func TestDeliverPending(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ob, _ := setup(t, d, false)
		var order []string
		var mu sync.Mutex
		things := &recorder{got: map[string]int{}}
		ob.Subscribe("things", "thing.*", func(ctx context.Context, ev outbox.Event) error {
			mu.Lock()
			order = append(order, ev.Type)
			mu.Unlock()
			return things.handle(ctx, ev)
		})
		users := &recorder{got: map[string]int{}}
		ob.Subscribe("users", "user.created", users.handle)
		for _, typ := range []string{"thing.created", "user.created", "thing.renamed", "thong_x.created"} {
			if err := d.InTx(ctx, func(ctx context.Context) error { return ob.PublishData(ctx, typ, "x", "x_1", "", nil) }); err != nil {
				t.Fatal(err)
			}
		}
		n, err := ob.DeliverPending(ctx)
		if err != nil || n != 3 {
			t.Fatalf("delivered %d: %v", n, err)
		}
		if len(order) != 2 || order[0] != "thing.created" || order[1] != "thing.renamed" || len(users.got) != 1 {
			t.Fatalf("things got %v, users %d", order, len(users.got))
		}
		if n, err := ob.DeliverPending(ctx); err != nil || n != 0 {
			t.Fatalf("second catch-up delivered %d: %v", n, err)
		}
	})
}

func TestSubscribeRejectsDuplicates(t *testing.T) {
	t.Parallel()
	ob := outbox.New(nil, nil, nil)
	ob.Subscribe("a", "*", nil)
	defer func() {
		if recover() == nil {
			t.Fatal("duplicate subscriber accepted")
		}
	}()
	ob.Subscribe("a", "*", nil)
}

// An event no subscriber takes is recorded but queues no delivery job: the
// queue carries only work someone does.
func TestUnlistenedEventsQueueNoJob(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ob, _ := setup(t, d, false)
		ob.Subscribe("things", "thing.*", func(context.Context, outbox.Event) error { return nil })
		ctx := actor.With(context.Background(), actor.System)
		err := d.InTx(ctx, func(ctx context.Context) error {
			if err := ob.PublishData(ctx, "order.created", "order", "ord_1", "", nil); err != nil {
				return err
			}
			return ob.PublishData(ctx, "thing.created", "thing", "thg_1", "", nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		var events, jobs int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&events); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if events != 2 || jobs != 1 {
			t.Fatalf("%d events, %d delivery jobs; want 2 events and 1 job", events, jobs)
		}
	})
}

// A subscriber of several patterns takes what any of them matches, from
// its workers and from the catch-up alike, and nothing else queues a job.
func TestSubscribeToSeveralTypes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ob, _ := setup(t, d, false)
		var got []string
		ob.Subscribe("charges", "sale.started|refund.*", func(_ context.Context, ev outbox.Event) error {
			got = append(got, ev.Type)
			return nil
		})
		ctx := actor.With(context.Background(), actor.System)
		err := d.InTx(ctx, func(ctx context.Context) error {
			for _, typ := range []string{"sale.started", "sale.renewed", "refund.issued", "refunds.x"} {
				if err := ob.PublishData(ctx, typ, "thing", "thg_1", "", nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var jobs int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&jobs); err != nil || jobs != 2 {
			t.Fatalf("%d delivery jobs (%v), want 2", jobs, err)
		}
		if _, err := ob.DeliverPending(ctx); err != nil {
			t.Fatal(err)
		}
		if want := []string{"sale.started", "refund.issued"}; !slices.Equal(got, want) {
			t.Fatalf("delivered %v, want %v", got, want)
		}
	})
}
