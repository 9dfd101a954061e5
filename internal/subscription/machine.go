package subscription

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
)

// Provisioning statuses, after the reference platform's model.
const (
	ProvRequiresApproval = "requires_approval" // the order waits for its auditor
	ProvWaitingPayment   = "waiting_payment"   // approved, the first payment is due
	ProvPaymentExpired   = "payment_expired"   // the first payment did not come in time
	ProvPending          = "pending"           // paid (or nothing due): the vendor provisions
	ProvDeployed         = "deployed"          // the service runs
	ProvFailed           = "failed"            // provisioning failed
	ProvStopped          = "stopped"           // suspended: no access, data kept
	ProvUndeploySent     = "undeploy_sent"     // the vendor was told to destroy it
	ProvUndeployed       = "undeployed"        // destroyed (or never built)
)

// ProvisioningStates lists every provisioning status.
var ProvisioningStates = []string{ProvRequiresApproval, ProvWaitingPayment, ProvPaymentExpired, ProvPending, ProvDeployed,
	ProvFailed, ProvStopped, ProvUndeploySent, ProvUndeployed}

// Transitions is the provisioning state machine as data: from each status,
// the statuses it may move to. Anything else is refused.
var Transitions = map[string][]string{
	ProvRequiresApproval: {ProvWaitingPayment, ProvPending, ProvUndeployed},         // approved (payment due / nothing due), rejected
	ProvWaitingPayment:   {ProvPending, ProvPaymentExpired, ProvUndeployed},         // paid, payment deadline passed, terminated
	ProvPaymentExpired:   {ProvPending, ProvUndeployed},                             // paid late, destroyed after grace or terminated
	ProvPending:          {ProvDeployed, ProvFailed, ProvStopped, ProvUndeploySent}, // vendor callbacks, suspension, termination
	ProvFailed:           {ProvPending, ProvDeployed, ProvUndeploySent},             // retried, fixed, terminated
	ProvDeployed:         {ProvStopped, ProvFailed, ProvUndeploySent},               // suspended, broke, terminated or expired
	ProvStopped:          {ProvDeployed, ProvPending, ProvUndeploySent},             // resumed (as it was), destroyed after grace
	ProvUndeploySent:     {ProvUndeployed},                                          // the vendor confirms destruction
	ProvUndeployed:       {},
}

// CanTransition reports whether the machine allows from → to.
func CanTransition(from, to string) bool {
	return slices.Contains(Transitions[from], to)
}

// Transition is one recorded move of the provisioning machine.
type Transition struct {
	ID             string    `json:"id"`
	From           string    `json:"from"`
	To             string    `json:"to"`
	Reason         string    `json:"reason"`
	ActorID        string    `json:"actor_id,omitempty"`
	ImpersonatorID string    `json:"impersonator_id,omitempty"`
	At             time.Time `json:"at"`
}

// move changes sub's provisioning status along the machine and records the
// transition with time, actor and reason. It refuses moves the machine
// does not allow (invalid_transition).
func (s *Service) move(ctx context.Context, sub *Subscription, to, reason string) error {
	if sub.Provisioning == to {
		return nil
	}
	if !CanTransition(sub.Provisioning, to) {
		return errs.FailedPrecondition("invalid_transition", fmt.Sprintf("provisioning cannot go from %s to %s", sub.Provisioning, to))
	}
	a := actor.From(ctx)
	actorID := a.UserID
	if a.Kind == actor.KindSystem {
		actorID = "system"
	}
	_, err := s.db.Exec(ctx, `INSERT INTO subscription_transitions (id, subscription_id, from_state, to_state, reason, actor_id, impersonator_id, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, ids.New(TransitionKind), sub.ID, sub.Provisioning, to, reason, actorID, a.ImpersonatorID, s.db.Now(ctx))
	if err != nil {
		return fmt.Errorf("record transition: %w", err)
	}
	from := sub.Provisioning
	sub.Provisioning = to
	return s.outbox.PublishData(ctx, "subscription.provisioning_changed", "subscription", sub.ID, sub.CustomerOrgID,
		map[string]string{"from": from, "to": to, "reason": reason, "vendor_org_id": sub.VendorOrgID})
}

// destroy moves a subscription towards destruction: undeploy_sent when
// something may run, undeployed when nothing was ever built.
func (s *Service) destroy(ctx context.Context, sub *Subscription, reason string) error {
	if err := s.cancelOpenOrders(ctx, sub, reason); err != nil {
		return err
	}
	switch sub.Provisioning {
	case ProvRequiresApproval, ProvWaitingPayment, ProvPaymentExpired:
		return s.move(ctx, sub, ProvUndeployed, reason)
	case ProvUndeploySent, ProvUndeployed:
		return nil
	}
	return s.move(ctx, sub, ProvUndeploySent, reason)
}

// cancelOpenOrders cancels the orders of an ending subscription that can
// no longer be paid or decided: unpaid orders with something due (a
// renewal, an unpaid first order) and orders still waiting for approval.
func (s *Service) cancelOpenOrders(ctx context.Context, sub *Subscription, reason string) error {
	open, err := db.Select(ctx, s.db, func(r db.Scanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT id FROM orders WHERE subscription_id = $1 AND paid_at IS NULL
		AND (status = $2 OR (status = $3 AND due_minor > 0)) ORDER BY id`, sub.ID, OrderRequiresApproval, OrderApproved)
	if err != nil {
		return err
	}
	now := s.db.Now(ctx)
	for _, id := range open {
		if _, err := s.db.Exec(ctx, `UPDATE orders SET status = $2, reason = $3, updated_at = $4 WHERE id = $1`, id, OrderCancelled, reason, now); err != nil {
			return err
		}
		if err := s.rec.Record(ctx, "order.cancelled", "order", id, sub.CustomerOrgID, map[string]audit.Change{"status": {To: OrderCancelled}}, "order.cancelled",
			map[string]string{"order_id": id, "subscription_id": sub.ID, "reason": reason}); err != nil {
			return err
		}
	}
	return nil
}

// resumeState is what a stopped subscription goes back to: the status it
// was stopped from.
func (s *Service) resumeState(ctx context.Context, subID string) (string, error) {
	var from string
	err := s.db.QueryRow(ctx, `SELECT from_state FROM subscription_transitions WHERE subscription_id = $1 AND to_state = $2 ORDER BY id DESC LIMIT 1`,
		subID, ProvStopped).Scan(&from)
	if errors.Is(err, db.ErrNoRows) {
		return ProvDeployed, nil // never stopped before
	}
	return from, err
}

// Transitions lists a subscription's recorded provisioning transitions,
// oldest first.
func (s *Service) Transitions(ctx context.Context, subID string) ([]Transition, error) {
	if _, err := s.GetSubscription(ctx, subID); err != nil {
		return nil, err
	}
	out, err := db.Select(ctx, s.db, func(sc db.Scanner) (Transition, error) {
		var t Transition
		return t, sc.Scan(&t.ID, &t.From, &t.To, &t.Reason, &t.ActorID, &t.ImpersonatorID, &t.At)
	}, `SELECT id, from_state, to_state, reason, actor_id, impersonator_id, at FROM subscription_transitions WHERE subscription_id = $1 ORDER BY id`, subID)
	if out == nil {
		out = []Transition{}
	}
	return out, err
}
