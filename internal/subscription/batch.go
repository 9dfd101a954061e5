package subscription

import (
	"context"
	"errors"
	"fmt"
	"sync"

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
// subscriptions of up to DefaultBatchCustomers customers (all of a
// customer's at once) and steps them (see runDueBatch). The periods a
// batch starts reach billing as one subscription.periods_started event,
// so the charges of one customer's boundary arrive together and a billing
// run never invoices half of them.
//
// Where the database takes several writers at once (PostgreSQL), as many
// workers claim batches side by side, each from its own shard of the
// customers, so one's computing overlaps another's waiting on the server.
//
// A step that fails fails alone (see stepfail.go): the failure is recorded
// on its subscription, which leaves the due queue; the others go on. The
// error is only one that stops every step: the context's, or the
// database's. Several processes may run it at once: on PostgreSQL a
// customer's due rows are locked together, and a process that waited for
// them finds them no longer due.
func (s *Service) RunDue(ctx context.Context) (int, error) {
	ctx = identity.AsSystem(ctx)
	if _, err := s.db.Optimize(ctx); err != nil { // see db.Optimize
		s.log.WarnContext(ctx, "lifecycle: refreshing the planner's statistics failed", "err", err)
	}
	n := s.db.Dialect().Writers()
	done := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { done[i], errs[i] = s.runShard(ctx, shard{n, i}) })
	}
	wg.Wait()
	total := 0
	for _, d := range done {
		total += d
	}
	return total, errors.Join(errs...)
}

// shard is the part of the customers one worker of RunDue claims.
type shard struct{ of, index int }

// runShard works batches of its shard's due subscriptions until none is
// left.
func (s *Service) runShard(ctx context.Context, sh shard) (int, error) {
	done := 0
	for {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		n, claimed, err := s.runDueBatch(ctx, sh)
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

// errStepFailed stops the fast pass over a batch at its first failed step.
var errStepFailed = errors.New("a step failed in the fast pass")

// runDueBatch works one batch: the steps it performed, the subscriptions
// it claimed. It works it fast first: no savepoint per step, and the rows
// the steps only add (orders, events, audit entries) kept and copied in
// before the commit. Should a step fail, that pass is rolled back whole
// and the batch worked again with a savepoint per step, so that the
// failure stays its step's alone.
func (s *Service) runDueBatch(ctx context.Context, sh shard) (done, claimed int, err error) {
	done, claimed, err = s.workBatch(ctx, sh, false)
	if errors.Is(err, errStepFailed) {
		return s.workBatch(ctx, sh, true)
	}
	return done, claimed, err
}

// workBatch claims a batch and steps it: each step in a savepoint when
// careful, all in one go otherwise (a failed step fails the whole pass
// with errStepFailed).
func (s *Service) workBatch(ctx context.Context, sh shard, careful bool) (done, claimed int, err error) {
	var failed []stepFailure
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		subs, err := s.claimDue(ctx, sh)
		if err != nil || len(subs) == 0 {
			return err
		}
		claimed, done, failed = len(subs), 0, nil
		if !careful {
			if err := s.db.DeferInserts(ctx); err != nil {
				return err
			}
		}
		batch := &periodBatch{}
		// The batch reads the same plans, products and price lists for
		// every subscription: once is enough (nothing it does changes them).
		bctx := memo.With(context.WithValue(ctx, periodBatchKey{}, batch))
		for _, c := range subs {
			err := s.stepClaimed(bctx, c, careful, batch)
			switch {
			case err == nil:
				done++
			case ctx.Err() != nil || !careful:
				return err
			default:
				failed = append(failed, stepFailure{c.sub.ID, err})
			}
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

// stepClaimed performs a claimed subscription's due step: in a savepoint
// (whose periods it takes back from the batch on failure) when careful.
func (s *Service) stepClaimed(ctx context.Context, c claimed, careful bool, batch *periodBatch) error {
	if !careful {
		if err := s.stepOne(ctx, c); err != nil {
			return fmt.Errorf("%w: %w", errStepFailed, err)
		}
		return nil
	}
	mark := len(batch.periods)
	err := s.db.Savepoint(ctx, func(ctx context.Context) error { return s.stepOne(ctx, c) })
	if err != nil {
		batch.periods = batch.periods[:mark]
	}
	return err
}

// stepOne performs a claimed subscription's due step.
func (s *Service) stepOne(ctx context.Context, c claimed) error {
	if c.err != nil {
		return c.err
	}
	sub := c.sub
	if err := s.step(ctx, &sub); err != nil {
		return err
	}
	if !c.failed {
		return nil
	}
	return s.clearStepFailure(ctx, sub.ID)
}

// claimed is a subscription a batch claimed, as it was when claimed.
type claimed struct {
	sub Subscription
	// failed: its last step failed (the failure is cleared when one
	// succeeds).
	failed bool
	// err: its row could not be read.
	err error
}

// claimDue locks and reads the due subscriptions of a batch's worth of
// customers of shard sh, earliest due first, all of each customer's.
func (s *Service) claimDue(ctx context.Context, sh shard) ([]claimed, error) {
	now := s.db.Now(ctx)
	return db.Select(ctx, s.db, func(sc db.Scanner) (claimed, error) {
		var c claimed
		c.sub, c.err = scanSub(scanAlso{sc, []any{&c.failed}})
		if c.err != nil && c.sub.ID == "" {
			return c, c.err
		}
		return c, nil // a row it cannot read fails its step alone
	}, `SELECT `+subColumns+`, step_failed_at IS NOT NULL FROM subscriptions WHERE next_action_at <= $1 AND customer_org_id IN (
			SELECT customer_org_id FROM subscriptions WHERE next_action_at <= $1 AND `+s.db.Dialect().Shard("customer_org_id", sh.of, sh.index)+`
			ORDER BY next_action_at, customer_org_id LIMIT $2)
		ORDER BY customer_org_id, next_action_at, id`+s.db.Dialect().ForUpdate(), now, s.batchCustomers)
}

// scanAlso scans a row's further columns into also, after those its
// scanner's caller asks for.
type scanAlso struct {
	sc   db.Scanner
	also []any
}

func (a scanAlso) Scan(dest ...any) error { return a.sc.Scan(append(dest, a.also...)...) }

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
