package billing

import (
	"context"
	"errors"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// FailedCharge is a charge whose document a billing run could not build
// (an amount beyond what an Amount holds, usage its prices cannot rate):
// the run marked it failed, logged why and billed everyone else.
type FailedCharge struct {
	ChargeID       string    `json:"charge_id"`
	Kind           string    `json:"kind"`
	PayerOrgID     string    `json:"payer_org_id"`
	SubscriptionID string    `json:"subscription_id,omitempty"`
	BillAt         time.Time `json:"bill_at"`
	RunID          string    `json:"run_id"`
	Error          string    `json:"error"`
}

// maxFailedListed is the most failed charges FailedCharges lists.
const maxFailedListed = 500

// FailedCharges lists the failed charges, oldest bill time first, at most
// 500, for staff managing customers (permission_denied otherwise).
func (s *Service) FailedCharges(ctx context.Context) ([]FailedCharge, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := identity.StaffMay(a, identity.CustomerManagement, "reading failed charges"); err != nil {
		return nil, err
	}
	return db.Select(ctx, s.db, func(sc db.Scanner) (FailedCharge, error) {
		var f FailedCharge
		var sub *string
		err := sc.Scan(&f.ChargeID, &f.Kind, &f.PayerOrgID, &sub, s.db.Dialect().TimeDest(&f.BillAt), &f.RunID, &f.Error)
		if sub != nil {
			f.SubscriptionID = *sub
		}
		return f, err
	}, `SELECT c.id, c.kind, cs.payer_org_id, c.subscription_id, `+s.db.Dialect().TimeText("cs.bill_at")+`, cs.run_id, cs.error FROM `+chargeFrom+`
		WHERE cs.status = 'failed' ORDER BY cs.bill_at, c.id LIMIT $1`, maxFailedListed)
}

// RetryCharge puts a failed charge back to pending, once its cause is
// corrected (a vendor line removed, usage or a price fixed): the next run
// bills it, or marks it failed again. Staff managing customers only.
// Errors: charge_not_found, charge_not_failed (failed precondition).
func (s *Service) RetryCharge(ctx context.Context, chargeID string) error {
	a, err := identity.Writer(ctx)
	if err != nil {
		return err
	}
	if err := identity.StaffMay(a, identity.CustomerManagement, "retrying failed charges"); err != nil {
		return err
	}
	if err := validate.CheckID("id", ChargeKind, chargeID); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		var status, payer, reason string
		err := s.db.QueryRow(ctx, `SELECT status, payer_org_id, error FROM charge_states WHERE charge_id = $1`, chargeID).Scan(&status, &payer, &reason)
		if errors.Is(err, db.ErrNoRows) {
			return errs.NotFound("charge_not_found", "no such charge")
		}
		if err != nil {
			return err
		}
		if status != "failed" {
			return errs.FailedPrecondition("charge_not_failed", "the charge is "+status)
		}
		if _, err := s.db.Exec(ctx, `UPDATE charge_states SET status = 'pending', error = '' WHERE charge_id = $1 AND status = 'failed'`, chargeID); err != nil {
			return err
		}
		return s.rec.Record(ctx, "charge.retry", "charge", chargeID, payer,
			map[string]audit.Change{"status": {From: "failed", To: "pending"}, "error": {From: reason}}, "", nil)
	})
}

// failedDoc is a document a run could not build (an amount beyond what
// an Amount holds, a usage the prices cannot rate): its charges, sorted,
// and why.
type failedDoc struct {
	payer   string
	charges []string
	err     error
}

// without returns the ids in sorted ids that no failed document holds.
func without(ids []string, failed []failedDoc) []string {
	if len(failed) == 0 {
		return ids
	}
	drop := map[string]bool{}
	for _, f := range failed {
		for _, id := range f.charges {
			drop[id] = true
		}
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !drop[id] {
			out = append(out, id)
		}
	}
	return out
}

// markFailed marks the charges of failed documents failed by run runID,
// with the reason, so the run after does not try them again and an
// operator finds them (charge_states.status = 'failed', the error in
// charge_states.error, and the run's log). Once the cause is corrected
// (a vendor line removed, a price fixed), setting them back to pending
// bills them in the next run.
func (s *Service) markFailed(ctx context.Context, runID string, failed []failedDoc) error {
	for _, f := range failed {
		reason := validate.Clip(f.err.Error(), 1000)
		for _, id := range f.charges {
			if _, err := s.db.Exec(ctx, `UPDATE charge_states SET status = 'failed', run_id = $2, error = $3
				WHERE charge_id = $1 AND status = 'pending'`, id, runID, reason); err != nil {
				return err
			}
		}
	}
	return nil
}
