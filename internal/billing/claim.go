package billing

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// claim marks the pending charges invoiced by run runID, each with the
// document that bills it (none for a charge that billed nothing, such as
// an unused metric), and returns how many it marked.
func (s *Service) claim(ctx context.Context, runID string, charges []string, docs []built) (int, error) {
	invoiceOf := make(map[string]string, len(charges))
	for _, d := range docs {
		for _, c := range d.charges {
			invoiceOf[c.ID] = d.inv.ID
		}
	}
	claimed := 0
	for chunk := range slices.Chunk(charges, 400) {
		args := make([]any, 1, 1+2*len(chunk))
		args[0] = runID
		for _, id := range chunk {
			var inv any
			if v, ok := invoiceOf[id]; ok {
				inv = v
			}
			args = append(args, id, inv)
		}
		n, err := s.db.Exec(ctx, `UPDATE charge_states SET status = 'invoiced', run_id = $1, invoice_id = v.column2
			FROM (VALUES `+valuePairs(2, len(chunk))+`) AS v WHERE charge_states.charge_id = v.column1 AND charge_states.status = 'pending'`, args...)
		if err != nil {
			return claimed, err
		}
		claimed += int(n)
	}
	return claimed, nil
}

// chargeIDs returns the ids of cs, sorted.
func chargeIDs(cs []charge) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	slices.Sort(out)
	return out
}

// nextPayers reads the next payers after `after` with due charges, in
// payer order from the pending-charges index alone (no sort of every due
// charge, no join): at most eight charges a payer, the last payer left for
// the next batch unless the read reached the end. A payer whose pending
// charges are all held back (see notHeld) may be among them: its batch
// finds nothing due for it.
func (s *Service) nextPayers(ctx context.Context, after string) ([]string, error) {
	now := s.db.Now(ctx)
	limit := s.batchRows()
	rows, err := db.Select(ctx, s.db, func(sc db.Scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	}, `SELECT payer_org_id FROM charge_states WHERE status = 'pending' AND bill_at <= $1 AND payer_org_id > $2
		ORDER BY payer_org_id LIMIT $3`, now, after, limit)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return s.batchOf(slices.Compact(rows), len(rows) == limit), nil
}

// batchRows is how many due charges a batch reads to find its payers.
func (s *Service) batchRows() int { return s.cfg.BatchPayers * 8 }

// batchOf is the batch among payers, read in order up to batchRows
// charges (full: the read stopped there): the last payer's charges may go
// on past the read, so it waits for the next batch unless it is the only
// one; at most BatchPayers.
func (s *Service) batchOf(payers []string, full bool) []string {
	if full && len(payers) > 1 {
		payers = payers[:len(payers)-1]
	}
	return payers[:min(len(payers), s.cfg.BatchPayers)]
}

// due is the condition that a charge (alias c, its state cs, as in
// chargeFrom) is due at the time in parameter now, holdSince holding now
// less the arrears hold. The pending index on states drives it.
func due(now, holdSince string) string {
	return `cs.status = 'pending' AND cs.bill_at <= ` + now + ` AND ` + notHeld("c", holdSince)
}

// dueAfter reads the next payers after `after` with due charges, as
// nextPayers does, and their due charges with details, in one pass over
// the pending-charges index.
func (s *Service) dueAfter(ctx context.Context, after string) ([]string, []charge, error) {
	now := s.db.Now(ctx)
	limit := s.batchRows()
	rows, err := s.selectDecoded(ctx, s.chargeSelect()+` WHERE `+due("$1", "$2")+` AND cs.payer_org_id > $3
		ORDER BY cs.payer_org_id LIMIT $4`, now, now.Add(-s.cfg.ArrearsHold), after, limit)
	if err != nil || len(rows) == 0 {
		return nil, nil, err
	}
	var payers []string
	for _, c := range rows {
		if len(payers) == 0 || payers[len(payers)-1] != c.PayerOrgID {
			payers = append(payers, c.PayerOrgID)
		}
	}
	payers = s.batchOf(payers, len(rows) == limit)
	if len(rows) == limit && len(payers) == 1 {
		// One payer with more due charges than the read: all of them.
		rows, err = s.dueOf(ctx, payers, false)
		return payers, rows, err
	}
	last := payers[len(payers)-1]
	end := len(rows)
	for end > 0 && rows[end-1].PayerOrgID > last {
		end--
	}
	return payers, rows[:end], nil
}

// dueOf reads the due charges of payers with their details; lock locks
// the charges (skipping those another run holds).
func (s *Service) dueOf(ctx context.Context, payers []string, lock bool) ([]charge, error) {
	now := s.db.Now(ctx)
	args := []any{now, now.Add(-s.cfg.ArrearsHold)}
	for _, p := range payers {
		args = append(args, p)
	}
	q := s.chargeSelect() + ` WHERE ` + due("$1", "$2") + ` AND cs.payer_org_id IN (` + db.In(3, len(payers)) + `)`
	if lock {
		q += s.db.Dialect().ForUpdateOfSkipLocked("cs")
	}
	return s.selectDecoded(ctx, q, args...)
}

// waiting is the condition that a charge (of alias c) is an arrears
// charge still waiting for the advance charge of its subscription's next
// period, so both land on one invoice.
func waiting(c string) string {
	return `(` + c + `.kind = 'arrears' AND NOT EXISTS (SELECT 1 FROM charges n
		WHERE n.subscription_id = ` + c + `.subscription_id AND n.kind = 'advance' AND n.period_start = ` + c + `.period_end))`
}

// notHeld is the condition that a charge is not held back: it is not
// waiting, or it waited the whole hold (a subscription that ended has no
// next period). holdSince is the parameter holding now minus the hold.
func notHeld(c, holdSince string) string {
	return `(NOT ` + waiting(c) + ` OR ` + c + `.bill_at <= ` + holdSince + `)`
}

// NextDue is the earliest time billing work is due: a pending charge (an
// arrears charge still waiting for its next period at the end of its
// hold), or an issued invoice reaching its due date.
func (s *Service) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next time.Time
	found := false
	for i, q := range []string{
		`SELECT cs.bill_at FROM ` + chargeFrom + ` WHERE cs.status = 'pending' AND NOT ` + waiting("c") + ` ORDER BY cs.bill_at LIMIT 1`,
		`SELECT cs.bill_at FROM ` + chargeFrom + ` WHERE cs.status = 'pending' AND ` + waiting("c") + ` ORDER BY cs.bill_at LIMIT 1`,
		`SELECT due_at FROM invoices WHERE status = 'issued' AND overdue_at IS NULL AND due_at IS NOT NULL ORDER BY due_at LIMIT 1`,
	} {
		var t time.Time
		err := s.db.QueryRow(ctx, q).Scan(&t)
		if i == 1 && err == nil {
			t = t.Add(s.cfg.ArrearsHold)
		}
		if errors.Is(err, db.ErrNoRows) {
			continue
		}
		if err != nil {
			return next, false, err
		}
		if !found || t.Before(next) {
			next, found = t, true
		}
	}
	return next, found, nil
}
