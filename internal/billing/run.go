package billing

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
)

// RunDue invoices every charge due by now and marks the invoices past due
// overdue. It returns how many documents it issued and invoices it marked.
// Several processes may run it at once; each charge is invoiced once. On
// PostgreSQL it works Config.Workers batches at once (each claims its own
// payers' charges in its own transaction). SQLite has one writer: there
// the next batch is read and built on a snapshot while the current one
// writes (runPipelined).
func (s *Service) RunDue(ctx context.Context) (int, error) {
	ctx = identity.AsSystem(ctx)
	if _, err := s.db.Optimize(ctx); err != nil {
		s.log.WarnContext(ctx, "billing: refreshing the planner's statistics failed", "err", err)
	}
	runID := ids.New(RunKind)
	var done int
	var errs []error
	fail := func(err error, after string) {
		s.log.ErrorContext(ctx, "billing batch failed", "run_id", runID, "after", after, "err", err)
		errs = append(errs, err)
	}
	// Invoices past due are marked overdue, the run's own never (with
	// payment terms of zero days they are due as they are issued: the next
	// run marks them). On SQLite the first transaction marks them while the
	// first batch is built; on PostgreSQL a transaction of its own marks
	// them beside the batches (it updates rows no batch writes).
	var marked int
	if s.db.CanSnapshot() {
		done, marked = s.runPipelined(ctx, runID, fail)
	} else {
		var markErr error
		marking := make(chan struct{})
		go func() {
			defer close(marking)
			marked, markErr = s.markOverdue(ctx, runID)
		}()
		done = s.runParallel(ctx, runID, fail)
		<-marking
		if markErr != nil {
			errs = append(errs, markErr)
		}
	}
	return done + marked, errors.Join(errs...)
}

// runParallel runs the batches on the engine's workers, each batch read,
// built and written in its own transaction.
func (s *Service) runParallel(ctx context.Context, runID string, fail func(error, string)) int {
	workers := 1
	if s.db.Engine() == db.Postgres {
		workers = s.cfg.Workers
	}
	var mu sync.Mutex
	after, batches, done := "", 0, 0
	// next hands out the next payers, one batch at a time.
	next := func() ([]string, int, bool) {
		mu.Lock()
		defer mu.Unlock()
		payers, err := s.nextPayers(ctx, after)
		if err != nil {
			fail(err, after)
			return nil, 0, false
		}
		if len(payers) == 0 {
			return nil, 0, false
		}
		after, batches = payers[len(payers)-1], batches+1
		return payers, batches, true
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				payers, batch, ok := next()
				if !ok {
					return
				}
				n, _, err := s.runBatch(ctx, runID, payers, batch, nil, nil)
				mu.Lock()
				done += n
				if err != nil {
					fail(err, payers[0])
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return done
}

// prefetched is a batch read and built on a snapshot, ahead of its
// transaction.
type prefetched struct {
	payers  []string
	charges []string // the ids of the charges built, sorted
	docs    []built
	failed  []failedDoc
	// mark is the writer's WriteMark at the end of the transaction that was
	// in flight when the snapshot was read.
	mark [2]int64
	ok   bool
}

// runPipelined runs the batches one transaction at a time (SQLite's single
// writer) and, while one writes, reads and builds the next on a snapshot,
// so that building (decoding details, rating, taxes) and writing use both
// cores. The snapshot is read after the writing transaction took the write
// lock, so it is the database as committed before that transaction. The
// next transaction uses what was built only if its WriteMark equals the
// one the previous transaction ended with: nothing else was written since,
// and the previous batch's own writes touch other payers' charges and
// nothing a build reads. It then claims the charges built by id, which
// costs a fraction of finding the due ones again. Otherwise it claims and
// builds again inside the transaction, as runParallel does.
func (s *Service) runPipelined(ctx context.Context, runID string, fail func(error, string)) (done, marked int) {
	// The first transaction marks the invoices past due overdue while the
	// first batch is read and built on a snapshot (marks change nothing a
	// build reads).
	var ahead chan *prefetched
	var mark writeMark
	err := s.db.InTx(ctx, func(txCtx context.Context) error {
		ahead = make(chan *prefetched, 1)
		go func() { ahead <- s.prefetch(ctx, "") }()
		var err error
		if marked, err = s.markOverdueIn(txCtx, runID); err != nil {
			return err
		}
		mark.v, mark.ok, err = s.db.WriteMark(txCtx)
		return err
	})
	if err != nil {
		marked = 0
		fail(fmt.Errorf("mark overdue invoices: %w", err), "")
	}
	var pre *prefetched
	var payers []string
	if ahead != nil {
		if p := <-ahead; p != nil {
			p.mark, p.ok = mark.v, mark.ok && err == nil
			pre, payers = p, p.payers
		}
	}
	if pre == nil {
		if payers, err = s.nextPayers(ctx, ""); err != nil {
			fail(err, "")
			return 0, marked
		}
	}
	for batch := 1; len(payers) > 0; batch++ {
		last := payers[len(payers)-1]
		var ahead chan *prefetched
		n, mark, err := s.runBatch(ctx, runID, payers, batch, pre, func() {
			ahead = make(chan *prefetched, 1)
			go func() { ahead <- s.prefetch(ctx, last) }()
		})
		done += n
		if err != nil {
			fail(err, payers[0])
		}
		if s.betweenBatches != nil {
			s.betweenBatches(batch)
		}
		pre = nil
		if ahead != nil {
			if p := <-ahead; p != nil {
				p.mark, p.ok = mark.v, mark.ok && err == nil
				pre, payers = p, p.payers
				continue
			}
		}
		if payers, err = s.nextPayers(ctx, last); err != nil {
			fail(err, last)
			return done, marked
		}
	}
	return done, marked
}

// prefetch reads the payers after `after` and builds their documents on a
// snapshot. It returns nil if that failed: the caller reads them again.
func (s *Service) prefetch(ctx context.Context, after string) *prefetched {
	p := &prefetched{}
	err := s.db.InSnapshot(ctx, func(ctx context.Context) error {
		payers, charges, err := s.dueAfter(ctx, after)
		if err != nil || len(payers) == 0 {
			return err
		}
		if p.docs, p.failed, err = s.buildDocsApart(ctx, charges); err != nil {
			return err
		}
		p.payers, p.charges = payers, without(chargeIDs(charges), p.failed)
		return nil
	})
	if err != nil {
		s.log.WarnContext(ctx, "billing: reading ahead failed; reading in the transaction", "after", after, "err", err)
		return nil
	}
	return p
}

// writeMark is a WriteMark, if the engine has one.
type writeMark struct {
	v  [2]int64
	ok bool
}

// runBatch claims the due charges of payers and invoices them in one
// transaction. It uses pre's documents when they are still exact (see
// runPipelined). onLocked, if set, runs first inside the transaction, once
// it holds the write lock. It returns the writer's mark at the end.
//
// A document that cannot be built fails alone: its charges are marked
// failed (see markFailed) and logged, and the batch goes on with the
// others; it is not the batch's error, so one payer's impossible invoice
// never stops the billing of everyone else.
func (s *Service) runBatch(ctx context.Context, runID string, payers []string, batch int, pre *prefetched, onLocked func()) (n int, mark writeMark, err error) {
	var failed []failedDoc
	defer func() {
		if err != nil {
			return
		}
		for _, f := range failed {
			s.log.ErrorContext(ctx, "billing: a document failed; its charges are marked failed", "run_id", runID,
				"payer_org_id", f.payer, "charge_ids", f.charges, "err", f.err)
		}
	}()
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if onLocked != nil {
			onLocked()
		}
		unchanged := false
		if pre != nil && pre.ok {
			m, ok, err := s.db.WriteMark(ctx)
			if err != nil {
				return err
			}
			unchanged = ok && m == pre.mark
		}
		var charges []string
		var docs []built
		failed = nil
		if unchanged {
			// Nothing was written since the snapshot the documents were
			// built on, so the charges due for these payers are the ones
			// built: claim them by id. (A charge falling due between the
			// snapshot and now waits for the next run, as if this batch
			// had run at the snapshot's time.)
			charges, docs, failed = pre.charges, pre.docs, pre.failed
			s.readAhead.Add(1)
		} else {
			// Locked (skipping those another run holds) until claimed below.
			due, err := s.dueOf(ctx, payers, true)
			if err != nil || len(due) == 0 {
				return err
			}
			if docs, failed, err = s.buildDocsApart(ctx, due); err != nil {
				return err
			}
			charges = without(chargeIDs(due), failed)
		}
		if err := s.markFailed(ctx, runID, failed); err != nil {
			return err
		}
		claimed, err := s.claim(ctx, runID, charges, docs)
		if err != nil {
			return err
		}
		if claimed != len(charges) {
			return fmt.Errorf("billing: claimed %d of %d charges held for the run", claimed, len(charges))
		}
		n = len(docs)
		if err := s.writeDocs(ctx, docs, runID); err != nil {
			return err
		}
		if s.batchHook != nil {
			if err := s.batchHook(batch); err != nil {
				return err
			}
		}
		mark.v, mark.ok, err = s.db.WriteMark(ctx)
		return err
	})
	if err != nil {
		n, mark = 0, writeMark{}
	}
	return n, mark, err
}
