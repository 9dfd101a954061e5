package subscription

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// activate starts an approved order's subscription at the transaction's
// time: a trial runs until its end; a sale starts its commitment (waiting
// for its first payment when something is due); a sandbox runs for its
// duration at the vendor's cost.
func (s *Service) activate(ctx context.Context, sub *Subscription, o Order, trialDays int) error {
	now := s.db.Now(ctx)
	sub.StartedAt = now
	switch {
	case sub.Kind == KindTrial:
		end := now.Add(clock.Days(trialDays))
		sub.Status, sub.TrialEnd = StatusTrialing, &end
		sub.CurrentPeriodStart, sub.CurrentPeriodEnd = &now, &end
		if err := s.move(ctx, sub, ProvPending, "trial started"); err != nil {
			return err
		}
	default:
		s.startCommitment(sub, now, o.Periods)
		if o.Subtotal.IsPositive() {
			sub.Status, sub.PaymentDue, sub.PaymentDueSince = StatusWaitingPayment, true, &now
			if err := s.move(ctx, sub, ProvWaitingPayment, "approved; first payment due"); err != nil {
				return err
			}
		} else {
			sub.Status = StatusActive
			if err := s.move(ctx, sub, ProvPending, "approved; nothing due"); err != nil {
				return err
			}
		}
	}
	if err := s.save(ctx, sub, false); err != nil {
		return err
	}
	if err := s.outbox.PublishData(ctx, "subscription.started", "subscription", sub.ID, sub.CustomerOrgID, noticeOf(*sub, o.ID)); err != nil {
		return err
	}
	return s.publishPeriod(ctx, *sub, &o)
}

// startCommitment starts a commitment of n periods at start: the first
// period begins. Plans without periods (everlasting) have none.
func (s *Service) startCommitment(sub *Subscription, start time.Time, n int) {
	if n < 1 {
		n = 1
	}
	sub.CommitmentPeriods, sub.PeriodIndex = n, 0
	sub.CommitmentStart = &start
	if !periodic(sub) {
		sub.CommitmentEnd, sub.CurrentPeriodStart, sub.CurrentPeriodEnd = nil, &start, nil
		return
	}
	end := sub.Terms.PeriodStart(start, n)
	first := sub.Terms.PeriodStart(start, 1)
	sub.CommitmentEnd, sub.CurrentPeriodStart, sub.CurrentPeriodEnd = &end, &start, &first
}

// periodic reports whether the subscription's plan has billing periods.
func periodic(sub *Subscription) bool {
	return sub.Terms.Kind != "everlasting" && sub.Terms.PeriodCount > 0
}

// PeriodEvent describes a period of a subscription starting (or the first
// period of a renewal ordered ahead of it), with what billing needs to rate
// it: pricing.ComputePeriod(Rating, PeriodIndex) is its charge, and each
// level of Chain rated the same way is what each party owes the one above.
type PeriodEvent struct {
	SubscriptionID string `json:"subscription_id"`
	// OrderID is the order whose price the period is charged at (the one
	// that started the commitment); a period it starts is paid with it.
	OrderID string `json:"order_id"`
	// StartsOrder is set on the first period of OrderID's commitment.
	StartsOrder   bool   `json:"starts_order,omitempty"`
	Kind          string `json:"kind"`
	CustomerOrgID string `json:"customer_org_id"`
	SellerOrgID   string `json:"seller_org_id"`
	VendorOrgID   string `json:"vendor_org_id"`
	ProductID     string `json:"product_id"`
	PlanID        string `json:"plan_id"`
	Currency      string `json:"currency"`
	SelfBilled    bool   `json:"self_billed,omitempty"`
	// PeriodIndex is the period's index in its commitment.
	PeriodIndex int       `json:"period_index"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end,omitzero"`
	// Rating's Start and Periods are the commitment's.
	Rating pricing.QuoteInput `json:"rating"`
	Chain  [][]channel.Level  `json:"chain"`
	// Billed is what billing prints and taxes the period's charges by.
	Billed Billed `json:"billed"`
	// Period is the period's charges, rated once (nil for trials and
	// sandboxes, whose infrastructure the vendor pays).
	Period *pricing.PeriodQuote `json:"period,omitempty"`
}

// PeriodNotice is the data of the events that tell a subscription started,
// renewed or converted from its trial: who, what, and the period it is in.
// (What a period charges travels to billing in subscription.periods_started;
// the prices of the parties above the buyer are in neither notice.)
type PeriodNotice struct {
	SubscriptionID string    `json:"subscription_id"`
	OrderID        string    `json:"order_id"`
	Kind           string    `json:"kind"`
	CustomerOrgID  string    `json:"customer_org_id"`
	SellerOrgID    string    `json:"seller_org_id"`
	VendorOrgID    string    `json:"vendor_org_id"`
	ProductID      string    `json:"product_id"`
	PlanID         string    `json:"plan_id"`
	PeriodIndex    int       `json:"period_index"`
	Start          time.Time `json:"start"`
	End            time.Time `json:"end,omitzero"`
}

// noticeOf is the notice of sub's current period, started by order orderID.
func noticeOf(sub Subscription, orderID string) PeriodNotice {
	n := PeriodNotice{SubscriptionID: sub.ID, OrderID: orderID, Kind: sub.Kind, CustomerOrgID: sub.CustomerOrgID, SellerOrgID: sub.SellerOrgID,
		VendorOrgID: sub.VendorOrgID, ProductID: sub.ProductID, PlanID: sub.PlanID, PeriodIndex: sub.PeriodIndex}
	if sub.CurrentPeriodStart != nil {
		n.Start = *sub.CurrentPeriodStart
	}
	if sub.CurrentPeriodEnd != nil {
		n.End = *sub.CurrentPeriodEnd
	}
	return n
}

func (s *Service) periodEvent(sub Subscription, orderID string) PeriodEvent {
	e := PeriodEvent{SubscriptionID: sub.ID, OrderID: sub.OrderID, StartsOrder: orderID != "", Kind: sub.Kind, CustomerOrgID: sub.CustomerOrgID,
		SellerOrgID: sub.SellerOrgID, VendorOrgID: sub.VendorOrgID, ProductID: sub.ProductID, PlanID: sub.PlanID, Currency: sub.Currency,
		SelfBilled: sub.SelfBilled, PeriodIndex: sub.PeriodIndex, Rating: sub.rating, Chain: sub.chain}
	if orderID != "" {
		e.OrderID = orderID
	}
	if sub.CurrentPeriodStart != nil {
		e.Start = *sub.CurrentPeriodStart
	}
	if sub.CurrentPeriodEnd != nil {
		e.End = *sub.CurrentPeriodEnd
	}
	e.Rating.Start, e.Rating.Periods = e.Start, sub.CommitmentPeriods
	if sub.CommitmentStart != nil {
		e.Rating.Start = *sub.CommitmentStart
	}
	if sub.Kind == KindTrial || e.Rating.Periods < 1 {
		e.Rating.Periods = 0
	}
	return e
}

// renewalEvent describes the first period of a renewal ordered ahead of
// the end of the commitment (a subscription without auto-renew), so its
// invoice can be paid before the subscription expires.
func (s *Service) renewalEvent(sub Subscription, o Order) PeriodEvent {
	e := s.periodEvent(sub, o.ID)
	p := o.pricing
	start := *sub.CommitmentEnd
	e.PlanID, e.SelfBilled, e.PeriodIndex, e.Start, e.End = o.PlanID, p.selfBilled, 0, start, p.terms.PeriodStart(start, 1)
	e.Rating, e.Chain = p.input, p.chain
	e.Rating.Start, e.Rating.Periods = start, o.Periods
	if f := o.pricing.first; f != nil {
		e.Period = movedTo(*f, e.Start, e.End) // what the renewal order says is due
	}
	return e
}

// nextAction is when work is next due on sub: the earliest of its period
// end, trial end, payment deadline, grace end and next reminder.
func (s *Service) nextAction(ctx context.Context, set Settings, sub Subscription) *time.Time {
	var next *time.Time
	consider := func(t *time.Time) {
		if t != nil && (next == nil || t.Before(*next)) {
			v := *t
			next = &v
		}
	}
	switch {
	case ended(sub.Status), sub.Status == StatusRequiresApproval:
		return nil
	case sub.Status == StatusTrialing:
		consider(sub.TrialEnd)
	case sub.Status == StatusSuspended:
		consider(sub.GraceEnd)
	default:
		consider(sub.CurrentPeriodEnd)
		if sub.PaymentDue && sub.PaymentDueSince != nil && sub.Provisioning == ProvWaitingPayment {
			deadline := sub.PaymentDueSince.Add(clock.Days(set.PaymentDays))
			consider(&deadline)
		}
		if sub.Provisioning == ProvPaymentExpired {
			consider(sub.GraceEnd)
		}
		consider(s.nextReminder(ctx, set, sub))
	}
	return next
}

// nextReminder is when the next expiry reminder of a subscription without
// auto-renew is due, if any.
func (s *Service) nextReminder(ctx context.Context, set Settings, sub Subscription) *time.Time {
	if sub.AutoRenew || sub.CommitmentEnd == nil || !sub.Terms.Renewable() || sub.Kind != KindNormal {
		return nil
	}
	sent := map[int]bool{}
	rows, _ := db.Select(ctx, s.db, func(sc db.Scanner) (int, error) {
		var d int
		return d, sc.Scan(&d)
	}, `SELECT days FROM subscription_reminders WHERE subscription_id = $1 AND expiry = $2`, sub.ID, *sub.CommitmentEnd)
	for _, d := range rows {
		sent[d] = true
	}
	for _, d := range slices.Backward(slices.Sorted(slices.Values(set.ReminderDays))) {
		if sent[d] {
			continue
		}
		at := sub.CommitmentEnd.Add(-clock.Days(d))
		if at.Before(sub.StartedAt) {
			continue // the commitment is shorter than this reminder's lead
		}
		return &at
	}
	return nil
}

// NextDue is the earliest time lifecycle work is due, if any (for the test
// clock, which walks time from one due date to the next).
func (s *Service) NextDue(ctx context.Context) (time.Time, bool, error) {
	var t *time.Time
	err := s.db.QueryRow(ctx, `SELECT next_action_at FROM subscriptions WHERE next_action_at IS NOT NULL ORDER BY next_action_at LIMIT 1`).Scan(&t)
	if errors.Is(err, db.ErrNoRows) || (err == nil && t == nil) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return *t, true, nil
}

// step performs the earliest action due on sub and saves it.
func (s *Service) step(ctx context.Context, sub *Subscription) error {
	set, err := s.settings(ctx)
	if err != nil {
		return err
	}
	now := s.db.Now(ctx)
	due := func(t *time.Time) bool { return t != nil && !t.After(now) }
	switch {
	case sub.Status == StatusTrialing && due(sub.TrialEnd):
		err = s.endTrial(ctx, sub)
	case sub.Status == StatusSuspended && due(sub.GraceEnd):
		err = s.expire(ctx, sub, "grace period ended unpaid")
	case sub.Provisioning == ProvPaymentExpired && due(sub.GraceEnd):
		err = s.expire(ctx, sub, "first payment never came")
	case sub.Provisioning == ProvWaitingPayment && sub.PaymentDueSince != nil && due(new(sub.PaymentDueSince.Add(clock.Days(set.PaymentDays)))) &&
		(sub.CurrentPeriodEnd == nil || sub.PaymentDueSince.Add(clock.Days(set.PaymentDays)).Before(*sub.CurrentPeriodEnd)):
		grace := now.Add(clock.Days(set.GraceDays))
		sub.GraceEnd = &grace
		err = s.move(ctx, sub, ProvPaymentExpired, "first payment not received in time")
	case sub.Status == StatusSuspended:
		// Only its grace end is due work (above); its last period has
		// ended already.
		return s.save(ctx, sub, false)
	case due(s.nextReminder(ctx, set, *sub)) && !due(sub.CurrentPeriodEnd):
		err = s.remind(ctx, set, sub)
	case due(sub.CurrentPeriodEnd):
		err = s.endPeriod(ctx, set, sub)
	default:
		// Nothing is due after all (a concurrent change moved it): recompute
		// the next due date below. Should it still be due, something is
		// inconsistent: look again in an hour rather than spin.
		if next := s.nextAction(ctx, set, *sub); next != nil && !next.After(now) {
			s.log.ErrorContext(ctx, "subscription due with nothing to do", "subscription_id", sub.ID, "status", sub.Status, "provisioning", sub.Provisioning)
			if err := s.save(ctx, sub, false); err != nil {
				return err
			}
			later := now.Add(time.Hour)
			_, err := s.db.Exec(ctx, `UPDATE subscriptions SET next_action_at = $2 WHERE id = $1`, sub.ID, later)
			return err
		}
	}
	if err != nil {
		return fmt.Errorf("subscription %s: %w", sub.ID, err)
	}
	return s.save(ctx, sub, false)
}

// endPeriod closes the current period: the next one of the commitment
// starts (applying a pending downgrade), or the commitment ends.
func (s *Service) endPeriod(ctx context.Context, set Settings, sub *Subscription) error {
	if sub.PeriodIndex+1 < sub.CommitmentPeriods {
		sub.PeriodIndex++
		start := sub.Terms.PeriodStart(*sub.CommitmentStart, sub.PeriodIndex)
		end := sub.Terms.PeriodStart(*sub.CommitmentStart, sub.PeriodIndex+1)
		sub.CurrentPeriodStart, sub.CurrentPeriodEnd = &start, &end
		if err := s.applyPendingChange(ctx, sub); err != nil {
			return err
		}
		return s.publishPeriod(ctx, *sub, nil)
	}
	return s.endCommitment(ctx, set, sub)
}

// endCommitment renews or stops a subscription at the end of its
// commitment: auto-renew renews at the plan's current price; without it a
// paid renewal order renews, otherwise the subscription is suspended for
// the grace period.
func (s *Service) endCommitment(ctx context.Context, set Settings, sub *Subscription) error {
	if sub.Kind == KindSandbox || !sub.Terms.Renewable() {
		return s.expire(ctx, sub, "the subscription's term ended")
	}
	if sub.AutoRenew {
		// A downgrade waiting for this moment prices the renewal.
		if err := s.applyPendingChange(ctx, sub); err != nil {
			return err
		}
		o, err := s.renewalOrder(ctx, sub, *sub.CommitmentEnd)
		if err != nil {
			return err
		}
		return s.renew(ctx, sub, o)
	}
	if sub.RenewalOrderID != "" {
		o, err := s.orderByID(ctx, sub.RenewalOrderID)
		if err != nil {
			return err
		}
		if o.PaidAt != nil || !o.Subtotal.IsPositive() {
			return s.renew(ctx, sub, o)
		}
	}
	grace := sub.CommitmentEnd.Add(clock.Days(set.GraceDays))
	sub.Status, sub.GraceEnd = StatusSuspended, &grace
	if err := s.move(ctx, sub, ProvStopped, "expired unpaid; suspended for the grace period"); err != nil {
		return err
	}
	return s.outbox.PublishData(ctx, "subscription.suspended", "subscription", sub.ID, sub.CustomerOrgID,
		map[string]any{"subscription_id": sub.ID, "grace_end": grace, "renewal_order_id": sub.RenewalOrderID})
}

// renew starts a new commitment at the old one's end, at the renewal
// order's price, and resumes a suspended subscription.
func (s *Service) renew(ctx context.Context, sub *Subscription, o Order) error {
	start := *sub.CommitmentEnd
	if err := s.applyOrderPrices(ctx, sub, o); err != nil {
		return err
	}
	s.startCommitment(sub, start, o.Periods)
	sub.RenewalOrderID, sub.GraceEnd = "", nil
	sub.PaymentDue = o.PaidAt == nil && o.Subtotal.IsPositive()
	if sub.PaymentDue {
		now := s.db.Now(ctx)
		sub.PaymentDueSince = &now
	}
	if sub.Status == StatusSuspended {
		to, err := s.resumeState(ctx, sub.ID)
		if err != nil {
			return err
		}
		if err := s.move(ctx, sub, to, "renewed after suspension"); err != nil {
			return err
		}
	}
	sub.Status = StatusActive
	if err := s.applyPendingChange(ctx, sub); err != nil {
		return err
	}
	if err := s.outbox.PublishData(ctx, "subscription.renewed", "subscription", sub.ID, sub.CustomerOrgID, noticeOf(*sub, o.ID)); err != nil {
		return err
	}
	return s.publishPeriod(ctx, *sub, &o)
}

// expire ends a subscription at the end of its life: service destroyed.
func (s *Service) expire(ctx context.Context, sub *Subscription, reason string) error {
	now := s.db.Now(ctx)
	sub.Status, sub.EndedAt, sub.PaymentDue = StatusExpired, &now, false
	if err := s.destroy(ctx, sub, reason); err != nil {
		return err
	}
	return s.outbox.PublishData(ctx, "subscription.expired", "subscription", sub.ID, sub.CustomerOrgID,
		map[string]string{"subscription_id": sub.ID, "reason": reason})
}

// endTrial converts a trial into a paid subscription (when the customer
// chose to) or lets it expire.
func (s *Service) endTrial(ctx context.Context, sub *Subscription) error {
	if !sub.ConvertAfterTrial {
		return s.expire(ctx, sub, "the trial ended")
	}
	o, err := s.priceOrder(ctx, sub, OrderNormal, *sub.TrialEnd, 0)
	if err != nil {
		return err
	}
	if err := s.insertOrder(ctx, &o); err != nil {
		return err
	}
	if err := s.applyOrderPrices(ctx, sub, o); err != nil {
		return err
	}
	sub.Kind, sub.Status, sub.TrialEnd = KindNormal, StatusActive, nil
	s.startCommitment(sub, *sub.CurrentPeriodEnd, o.Periods)
	sub.PaymentDue = o.Subtotal.IsPositive()
	if sub.PaymentDue {
		now := s.db.Now(ctx)
		sub.PaymentDueSince = &now
	}
	if err := s.outbox.PublishData(ctx, "subscription.trial_converted", "subscription", sub.ID, sub.CustomerOrgID, noticeOf(*sub, o.ID)); err != nil {
		return err
	}
	return s.publishPeriod(ctx, *sub, &o)
}

// remind sends the next expiry reminder and makes sure a renewal order the
// customer can pay exists.
func (s *Service) remind(ctx context.Context, set Settings, sub *Subscription) error {
	at := s.nextReminder(ctx, set, *sub)
	daysLeft := int(sub.CommitmentEnd.Sub(*at) / (24 * time.Hour))
	_, err := s.db.Exec(ctx, `INSERT INTO subscription_reminders (subscription_id, expiry, days, sent_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (subscription_id, expiry, days) DO NOTHING`, sub.ID, *sub.CommitmentEnd, daysLeft, s.db.Now(ctx))
	if err != nil {
		return err
	}
	if err := s.orderRenewal(ctx, sub); err != nil {
		return err
	}
	return s.outbox.PublishData(ctx, "subscription.expiry_reminder", "subscription", sub.ID, sub.CustomerOrgID,
		map[string]any{"subscription_id": sub.ID, "days_left": daysLeft, "expires_at": *sub.CommitmentEnd, "renewal_order_id": sub.RenewalOrderID})
}

// renewalOrder prices and records the renewal of sub from start, at the
// plan's current price through the customer's channel (prices change at
// renewal, never before).
func (s *Service) renewalOrder(ctx context.Context, sub *Subscription, start time.Time) (Order, error) {
	o, err := s.priceOrder(ctx, sub, OrderRenewal, start, sub.CommitmentPeriods)
	if err != nil {
		return Order{}, err
	}
	return o, s.insertOrder(ctx, &o)
}

// orderRenewal makes sure a subscription renewed by hand has its renewal
// order, announced so that it is invoiced ahead of the expiry.
func (s *Service) orderRenewal(ctx context.Context, sub *Subscription) error {
	if sub.RenewalOrderID != "" {
		return nil
	}
	o, err := s.renewalOrder(ctx, sub, *sub.CommitmentEnd)
	if err != nil {
		return err
	}
	sub.RenewalOrderID = o.ID
	return s.publishPeriodEvent(ctx, "subscription.renewal_ordered", *sub, s.renewalEvent(*sub, o))
}

// applyOrderPrices makes an order's plan, quantities and frozen prices the
// subscription's.
func (s *Service) applyOrderPrices(ctx context.Context, sub *Subscription, o Order) error {
	p, err := s.orderPricing(o)
	if err != nil {
		return err
	}
	sub.PlanID, sub.Quantities, sub.Prices, sub.chain, sub.Terms, sub.OrderID = o.PlanID, o.Quantities, p.prices, p.chain, p.terms, o.ID
	sub.rating, sub.SelfBilled = p.input, p.selfBilled
	return nil
}

func zero(cur string) money.Amount {
	c, _ := money.ParseCurrency(cur)
	return money.NewAmount(0, c)
}

// NextRenewal is when the first of a customer's automatically renewing
// subscriptions ends its period (zero: none), for billing's upcoming
// invoice.
func (s *Service) NextRenewal(ctx context.Context, customerOrgID string) (time.Time, error) {
	if actor.From(ctx).Kind != actor.KindSystem {
		return time.Time{}, errs.Forbidden("permission_denied", "projections are billing's")
	}
	var next time.Time
	err := s.db.QueryRow(ctx, `SELECT current_period_end FROM subscriptions WHERE customer_org_id = $1 AND kind = $2
		AND status = $3 AND auto_renew = $4 AND current_period_end IS NOT NULL ORDER BY current_period_end LIMIT 1`,
		customerOrgID, KindNormal, StatusActive, true).Scan(&next)
	if errors.Is(err, db.ErrNoRows) {
		return time.Time{}, nil
	}
	return next, err
}

// NextPeriods projects the periods a customer's running subscriptions
// start by `by`, as the events they will publish then, for billing's
// upcoming invoice: the next period of a commitment, or an automatic
// renewal at the plan's current price (a pending downgrade applied).
// Nothing is written. Subscriptions renewed by hand are left out: their
// renewal order is invoiced when it is made.
func (s *Service) NextPeriods(ctx context.Context, customerOrgID string, by time.Time) ([]PeriodEvent, error) {
	if actor.From(ctx).Kind != actor.KindSystem {
		return nil, errs.Forbidden("permission_denied", "projections are billing's")
	}
	subs, err := db.Select(ctx, s.db, scanSub, `SELECT `+subColumns+` FROM subscriptions WHERE customer_org_id = $1 AND kind = $2
		AND status = $3 AND current_period_end <= $4 ORDER BY id`, customerOrgID, KindNormal, StatusActive, by)
	if err != nil {
		return nil, err
	}
	var out []PeriodEvent
	for _, sub := range subs {
		next := sub
		if sub.PendingChange != nil {
			o, err := s.orderByID(ctx, sub.PendingChange.OrderID)
			if err != nil {
				return nil, err
			}
			if err := s.applyOrderPrices(ctx, &next, o); err != nil {
				return nil, err
			}
		}
		if sub.PeriodIndex+1 < sub.CommitmentPeriods {
			next.PeriodIndex++
			start := *sub.CurrentPeriodEnd
			end := next.Terms.PeriodStart(*sub.CommitmentStart, next.PeriodIndex+1)
			next.CurrentPeriodStart, next.CurrentPeriodEnd = &start, &end
			e, err := s.complete(ctx, s.periodEvent(next, ""))
			if err != nil {
				return nil, err
			}
			out = append(out, e)
			continue
		}
		if !sub.AutoRenew || !sub.Terms.Renewable() || sub.CommitmentEnd == nil {
			continue
		}
		o, err := s.priceOrder(ctx, &next, OrderRenewal, *sub.CommitmentEnd, sub.CommitmentPeriods)
		if err != nil {
			return nil, err
		}
		e, err := s.complete(ctx, s.renewalEvent(next, o))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
