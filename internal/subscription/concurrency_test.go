package subscription_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/services/servicestest"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Two processes running the due work of one PostgreSQL at once, each with
// a worker per shard of the customers, renew each subscription once.
func TestTwoProcessesRenewOnce(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		if e != db.Postgres {
			continue
		}
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			f := setup(t, e)
			customers := []string{"customer_direct", "customer_dist", "customer_a1", "customer_a2", "customer_b1"}
			const n = 20
			for i := range n {
				o := f.order(customers[i%len(customers)], subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
				f.pay(o.ID)
			}
			// A second process on the same database.
			d2, err := db.Open(context.Background(), db.Config{URL: f.url, Clock: f.clock})
			if err != nil {
				t.Fatal(err)
			}
			defer d2.Close()
			svc2 := servicestest.Services(t, d2, servicestest.Options{}).Subs

			f.clock.Set(start.AddDate(0, 1, 0).Add(time.Hour))
			var wg sync.WaitGroup
			done := make([]int, 2)
			for i, svc := range []*subscription.Service{f.svc, svc2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var err error
					if done[i], err = svc.RunDue(context.Background()); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			var renewals int
			if err := f.d.QueryRow(context.Background(), `SELECT count(*) FROM orders WHERE type = 'renewal'`).Scan(&renewals); err != nil {
				t.Fatal(err)
			}
			if renewals != n || done[0]+done[1] != n {
				t.Fatalf("%d renewals, %d + %d actions, want %d", renewals, done[0], done[1], n)
			}
			t.Logf("process 1 did %d, process 2 did %d", done[0], done[1])
		})
	}
}
