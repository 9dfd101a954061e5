package channel_test

import (
	"context"
	"sync"
	"testing"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// The default price catalogs are made on first use. Concurrent first uses
// inside callers' transactions (an order prices itself in its own) must
// all succeed: the loser of the race reads the winner's catalog instead of
// failing on the unique index, which would abort its caller's transaction
// on PostgreSQL.
func TestConcurrentFirstUseInTransactions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		{
			f := setup(t, d)
			const n = 8
			ctxs := make([]context.Context, n)
			for i := range ctxs {
				ctxs[i] = f.w.As(t, []string{"customer_a1", "customer_a2", "customer_b1", "customer_dist"}[i%4])
			}
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = f.d.InTx(ctxs[i], func(ctx context.Context) error {
						_, err := f.ch.Quote(ctx, channel.QuoteInput{PlanID: f.plan.ID})
						return err
					})
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("quote %d: %v", i, err)
				}
			}
		}
	})
}
