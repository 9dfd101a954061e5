package subscription

import (
	"context"
	"errors"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
)

// DefaultBatchCustomers bounds how many customers' due subscriptions one
// transaction of RunDue works: a boundary's work is done hundreds of
// subscriptions at a time, not one.
const DefaultBatchCustomers = 200

// RunDue performs every lifecycle action due by now and returns how many
// it performed. It works in batches: each transaction claims the due
// subscriptions of up to DefaultBatchCustomers customers (all of a customer's at
// once) and steps each in a savepoint of its own. The periods a batch
// starts reach billing as one subscription.periods_started event, so the
// charges of one customer's boundary arrive together and a billing run
// never invoices half of them.
//
// A step that fails fails alone (see stepfail.go): its savepoint is rolled
// back and the failure recorded on its subscription, which leaves the due
// queue; the others go on. The error is only one that stops every step:
// the context's, or the database's. Several processes may run it at once:
// on PostgreSQL a customer's due rows are locked together, and a process
// that waited for them finds them no longer due.
func (s *Service) RunDue(ctx context.Context) (int, error) {
	ctx = identity.AsSystem(ctx)
	if _, err := s.db.Optimize(ctx); err != nil { // see db.Optimize
		s.log.WarnContext(ctx, "lifecycle: refreshing the planner's statistics failed", "err", err)
	}
	done := 0
	for {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		n, claimed, err := s.runDueBatch(ctx)
		done += n
		if err != nil || claimed == 0 {
			return done, err
		}
	}
}

// stepFailure is a step that failed in a batch, recorded after it.
type stepFailure struct {
	id  string
	err error
}

// runDueBatch works one batch: the steps it performed, the subscriptions
// it claimed.
func (s *Service) runDueBatch(ctx context.Context) (done, claimed int, err error) {
	var failed []stepFailure
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		ids, err := s.claimDue(ctx)
		if err != nil || len(ids) == 0 {
			return err
		}
		claimed = len(ids)
		batch := &periodBatch{}
		// The batch reads the same plans, products and price lists for
		// every subscription: once is enough (nothing it does changes them).
		bctx := memo.With(context.WithValue(ctx, periodBatchKey{}, batch))
		for _, id := range ids {
			mark := len(batch.periods)
			err := s.db.Savepoint(bctx, func(ctx context.Context) error { return s.stepOne(ctx, id) })
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				batch.periods = batch.periods[:mark]
				failed = append(failed, stepFailure{id, err})
				continue
			}
			done++
		}
		return s.publishPeriods(ctx, batch.periods)
	})
	if err != nil {
		return 0, claimed, err
	}
	for _, f := range failed {
		if ferr := s.failStep(ctx, f.id, f.err); ferr != nil {
			return done, claimed, errors.Join(f.err, ferr)
		}
	}
	return done, claimed, nil
}

// stepOne performs subscription id's due step.
func (s *Service) stepOne(ctx context.Context, id string) error {
	sub, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if err := s.step(ctx, &sub); err != nil {
		return err
	}
	return s.clearStepFailure(ctx, sub.ID)
}

// claimDue locks the due subscriptions of a batch's worth of customers,
// earliest due first, all of each customer's.
func (s *Service) claimDue(ctx context.Context) ([]string, error) {
	now := s.db.Now(ctx)
	return db.Select(ctx, s.db, func(sc db.Scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	}, `SELECT id FROM subscriptions WHERE next_action_at <= $1 AND customer_org_id IN (
			SELECT customer_org_id FROM subscriptions WHERE next_action_at <= $1 ORDER BY next_action_at, customer_org_id LIMIT $2)
		ORDER BY customer_org_id, next_action_at, id`+s.db.Dialect().ForUpdate(), now, s.batchCustomers)
}

// periodBatch collects the periods a batch of lifecycle work starts.
type periodBatch struct{ periods []PeriodEvent }

type periodBatchKey struct{}

// PeriodsStarted is the data of subscription.periods_started: periods that
// started together (one lifecycle batch, or one activation), complete with
// their charges, for billing to record in one delivery.
type PeriodsStarted struct {
	Periods []PeriodEvent `json:"periods"`
}

// publishPeriod announces a started period (billing invoices it in advance,
// and the previous one's usage in arrears), the first of order o's when o
// is set: with its batch's when it is part of one, at once otherwise.
func (s *Service) publishPeriod(ctx context.Context, sub Subscription, o *Order) error {
	orderID := ""
	if o != nil {
		orderID = o.ID
	}
	e := s.periodEvent(sub, orderID)
	if o != nil && o.pricing.first != nil {
		e.Period = movedTo(*o.pricing.first, e.Start, e.End) // what the order says is due
	}
	e, err := s.complete(ctx, e)
	if err != nil {
		return err
	}
	if b, ok := ctx.Value(periodBatchKey{}).(*periodBatch); ok {
		b.periods = append(b.periods, e)
		return nil
	}
	return s.publishPeriods(ctx, []PeriodEvent{e})
}

// publishPeriods publishes started periods as one event: its subject is
// the first period's subscription; its organization the customer when
// there is one only.
func (s *Service) publishPeriods(ctx context.Context, periods []PeriodEvent) error {
	if len(periods) == 0 {
		return nil
	}
	org := periods[0].CustomerOrgID
	for _, p := range periods {
		if p.CustomerOrgID != org {
			org = ""
		}
	}
	return s.outbox.PublishData(ctx, "subscription.periods_started", "subscription", periods[0].SubscriptionID, org,
		PeriodsStarted{Periods: periods})
}
