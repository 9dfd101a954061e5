package subscription

import (
	"context"
	"errors"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// A scheduled step that fails for one subscription (a renewal whose price
// cannot be computed, say) fails alone, as a billing document does: RunDue
// rolls that step back, records why on the subscription (step_error,
// step_failed_at), logs it, audits it, and goes on with the others. A
// domain error (an errs.Error, or an amount beyond money's range) fails
// the same way until its cause is corrected, so the subscription leaves
// the due queue (next_action_at NULL): staff list it with FailedSteps and,
// once the cause is fixed (a markup lowered, a price fixed), put it back
// with RetryStep. Any other error (the database, a bug) may pass: the
// step is tried again after stepRetryAfter. Any other save of the
// subscription (a payment, a change) computes its next due date again,
// which retries it as well; a step that then succeeds clears the record.

// FailedStep is a subscription whose scheduled lifecycle step failed.
type FailedStep struct {
	SubscriptionID string    `json:"subscription_id"`
	CustomerOrgID  string    `json:"customer_org_id"`
	Status         string    `json:"status"`
	FailedAt       time.Time `json:"failed_at"`
	Error          string    `json:"error"`
}

// maxStepError is the longest reason stored (the log has it whole).
const maxStepError = 1000

// stepRetryAfter is when a step that failed with an error that may pass
// (not a domain error) is tried again.
const stepRetryAfter = time.Hour

// failStep records that sub's scheduled step failed with cause, in its own
// transaction (the step's was rolled back), and takes the subscription out
// of the due queue (a domain error) or puts it back in an hour (any
// other). The error is only the recording's own failure.
func (s *Service) failStep(ctx context.Context, id string, cause error) error {
	reason := validate.Clip(cause.Error(), maxStepError)
	_, domain := errs.As(cause)
	domain = domain || errors.Is(cause, money.ErrOverflow)
	s.log.ErrorContext(ctx, "subscription: a scheduled step failed; the others go on", "subscription_id", id, "retried_alone", !domain, "err", cause)
	return s.db.InTx(ctx, func(ctx context.Context) error {
		now := s.db.Now(ctx)
		var next *time.Time
		if !domain {
			next = new(now.Add(stepRetryAfter))
		}
		var org string
		err := s.db.QueryRow(ctx, `UPDATE subscriptions SET step_error = $2, step_failed_at = $3, next_action_at = $4
			WHERE id = $1 RETURNING customer_org_id`, id, reason, now, next).Scan(&org)
		if errors.Is(err, db.ErrNoRows) {
			return nil // gone since: nothing to record
		}
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "subscription.step_failed", ObjectType: "subscription", ObjectID: id, OrgID: org,
			Changes: map[string]audit.Change{"step_error": {To: reason}}})
	})
}

// clearStepFailure forgets a recorded failure of sub's step once a step
// succeeded.
func (s *Service) clearStepFailure(ctx context.Context, id string) error {
	_, err := s.db.Exec(ctx, `UPDATE subscriptions SET step_error = '', step_failed_at = NULL WHERE id = $1 AND step_failed_at IS NOT NULL`, id)
	return err
}

// maxFailedSteps is the most failed steps FailedSteps lists.
const maxFailedSteps = 500

// FailedSteps lists the subscriptions whose scheduled step failed, oldest
// failure first, at most 500, for staff managing customers
// (permission_denied otherwise).
func (s *Service) FailedSteps(ctx context.Context) ([]FailedStep, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !identity.IsStaff(a) || !identity.May(a, identity.CustomerManagement) {
		return nil, errs.Forbidden("permission_denied", "reading failed lifecycle steps is for the marketplace's administrators")
	}
	return db.Select(ctx, s.db, func(sc db.Scanner) (FailedStep, error) {
		var f FailedStep
		return f, sc.Scan(&f.SubscriptionID, &f.CustomerOrgID, &f.Status, &f.FailedAt, &f.Error)
	}, `SELECT id, customer_org_id, status, step_failed_at, step_error FROM subscriptions WHERE step_failed_at IS NOT NULL
		ORDER BY step_failed_at, id LIMIT $1`, maxFailedSteps)
}

// RetryStep puts a subscription whose scheduled step failed back in the
// due queue, once the cause is corrected: the next lifecycle run performs
// the step, or records its failure again. The record is cleared (the
// audit log keeps the reason). Staff managing customers only;
// audited. Errors: subscription_not_found, step_not_failed (failed
// precondition).
func (s *Service) RetryStep(ctx context.Context, id string) error {
	a, err := identity.Writer(ctx)
	if err != nil {
		return err
	}
	if !identity.IsStaff(a) || !identity.May(a, identity.CustomerManagement) {
		return errs.Forbidden("permission_denied", "retrying failed lifecycle steps is for the marketplace's administrators")
	}
	if err := validate.CheckID("id", SubscriptionKind, id); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.load(ctx, id)
		if err != nil {
			return err
		}
		var reason string
		var failed *time.Time
		if err := s.db.QueryRow(ctx, `SELECT step_error, step_failed_at FROM subscriptions WHERE id = $1`, id).Scan(&reason, &failed); err != nil {
			return err
		}
		if failed == nil {
			return errs.FailedPrecondition("step_not_failed", "the subscription's lifecycle has no failed step")
		}
		if err := s.save(ctx, &sub, false); err != nil { // computes next_action_at again
			return err
		}
		if err := s.clearStepFailure(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "subscription.step_retry", ObjectType: "subscription", ObjectID: id,
			OrgID: sub.CustomerOrgID, Changes: map[string]audit.Change{"step_error": {From: reason}}})
	})
}
