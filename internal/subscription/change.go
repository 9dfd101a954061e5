package subscription

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// ChangeInput changes a subscription's plan and/or extra-resource
// quantities.
type ChangeInput struct {
	// PlanID is the plan to move to (any version id; empty keeps the plan).
	// It must be one of the current plan's upgrade or downgrade paths.
	PlanID string
	// Quantities replaces the extra-resource quantities (nil keeps them).
	Quantities map[string]money.Decimal
}

// Vendor upgrade results: when and how a vendor's upgrade of a customer
// takes effect.
const (
	VendorDeferred = "deferred" // at the next period, at the new price
	VendorFree     = "free"     // at once, the rest of the period free
	VendorPaid     = "paid"     // at once, prorated like the customer's own upgrade
)

// Proration is how an immediate change was priced for the rest of the
// period: the new configuration charged and the old one credited, each
// for the remaining hours (rounded up) over the period's hours.
type Proration struct {
	PeriodStart    string       `json:"period_start"`
	PeriodEnd      string       `json:"period_end"`
	RemainingHours int64        `json:"remaining_hours"`
	PeriodHours    int64        `json:"period_hours"`
	OldCharge      money.Amount `json:"old_period_charge"`
	NewCharge      money.Amount `json:"new_period_charge"`
	Credit         money.Amount `json:"credit"`
	Charge         money.Amount `json:"charge"`
	Due            money.Amount `json:"due"`
}

// Rated is a configuration of a subscription as billing rates it.
type Rated struct {
	Rating pricing.QuoteInput `json:"rating"`
	Chain  [][]channel.Level  `json:"chain"`
}

// ChangeEvent describes a change of a subscription's plan or quantities
// (event subscription.changed). A change charged at once carries its
// proration and both configurations: billing invoices Proration.Charge and
// credits Proration.Credit, and prorates every level of the chains the
// same way for the ledger.
type ChangeEvent struct {
	SubscriptionID string     `json:"subscription_id"`
	OrderID        string     `json:"order_id"`
	CustomerOrgID  string     `json:"customer_org_id"`
	SellerOrgID    string     `json:"seller_org_id"`
	VendorOrgID    string     `json:"vendor_org_id"`
	ProductID      string     `json:"product_id"`
	Currency       string     `json:"currency"`
	SelfBilled     bool       `json:"self_billed,omitempty"`
	Direction      string     `json:"direction"`
	Effective      string     `json:"effective"`
	FromPlanID     string     `json:"from_plan_id"`
	ToPlanID       string     `json:"to_plan_id"`
	VendorResult   string     `json:"vendor_result,omitempty"`
	At             time.Time  `json:"at"`
	Proration      *Proration `json:"proration,omitempty"`
	Old            *Rated     `json:"old,omitempty"`
	New            *Rated     `json:"new,omitempty"`
	// Billed is what billing prints and taxes the new plan's charges by;
	// FromLabel labels the old plan's credited lines.
	Billed    Billed `json:"billed"`
	FromLabel string `json:"from_label"`
}

// PeriodCharge is what a quote charges every period: its recurring lines
// (the basis of prorations).
func PeriodCharge(q pricing.Quote) (money.Amount, error) { return periodCharge(q) }

// ChangePlan changes a subscription. An upgrade (the new configuration
// costs more per period) takes effect at once and is prorated for the rest
// of the period at hourly granularity: the new price × remaining hours /
// period hours is charged and the old one credited the same way. A
// downgrade takes effect at the next period. The subscription's customer,
// its channel (resellers on a customer's behalf) and staff may change it.
func (s *Service) ChangePlan(ctx context.Context, id string, in ChangeInput) (Order, error) {
	return s.change(ctx, id, in, "")
}

// errPreview rolls a previewed change back.
var errPreview = errors.New("preview: roll back")

// PreviewChange prices a change of plan or quantities exactly as
// ChangePlan would make it, now, and makes nothing: it runs ChangePlan in a
// transaction that it rolls back, and returns the change order it would
// have placed (its Due, and its Detail's direction, effective time, period
// charges and proration). The same checks refuse the same input.
func (s *Service) PreviewChange(ctx context.Context, id string, in ChangeInput) (Order, error) {
	if s.db.InTransaction(ctx) {
		return Order{}, errors.New("subscription: a change preview runs in a transaction of its own")
	}
	var out Order
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		o, err := s.ChangePlan(ctx, id, in)
		if err != nil {
			return err
		}
		out = o
		return errPreview
	})
	if errors.Is(err, errPreview) {
		return out, nil
	}
	return Order{}, err
}

// VendorUpgrade lets a product's vendor move a customer to another plan
// of its product (or other quantities), with the result deferred to the
// next period, free for the rest of the period, or paid (prorated).
func (s *Service) VendorUpgrade(ctx context.Context, id string, in ChangeInput, result string) (Order, error) {
	v := validate.New()
	v.OneOf("result", result, VendorDeferred, VendorFree, VendorPaid)
	if err := v.Err(); err != nil {
		return Order{}, err
	}
	return s.change(ctx, id, in, result)
}

func (s *Service) change(ctx context.Context, id string, in ChangeInput, vendorResult string) (Order, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Order{}, err
	}
	if err := validate.CheckID("id", SubscriptionKind, id); err != nil {
		return Order{}, err
	}
	if in.PlanID != "" {
		if err := validate.CheckID("plan_id", catalog.PlanKind, in.PlanID); err != nil {
			return Order{}, err
		}
	}
	var out Order
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.changeableSub(ctx, a, id, vendorResult)
		if err != nil {
			return err
		}
		target, direction, err := s.changeTarget(ctx, sub, in.PlanID, vendorResult)
		if err != nil {
			return err
		}
		quantities := sub.Quantities
		if in.Quantities != nil {
			quantities = in.Quantities
		}
		if target.ID == sub.PlanID && maps.EqualFunc(quantities, sub.Quantities, money.Decimal.Equal) {
			return errs.Invalid("nothing_to_change", "the change changes nothing", errs.Field("plan_id", "nothing_to_change", "same plan and quantities"))
		}
		c, err := s.priceChange(ctx, sub, target, quantities)
		if err != nil {
			return err
		}
		if direction == "" {
			direction = "downgrade"
			if cmp, _ := c.newCharge.Cmp(c.oldCharge); cmp > 0 {
				direction = "upgrade"
			}
		}
		o, ev, detail := s.changeOrder(ctx, sub, target, quantities, c, direction, vendorResult)
		if err := s.applyChange(ctx, &sub, &o, &ev, detail, c, direction == "downgrade" || vendorResult == VendorDeferred, vendorResult); err != nil {
			return err
		}
		if err := s.recordChange(ctx, sub, &o, ev, detail); err != nil {
			return err
		}
		out = orderView(a, o)
		return nil
	})
	return out, err
}

// changeableSub loads subscription id for a change by a (its vendor's
// upgrade when vendorResult is set), refusing what may not change.
func (s *Service) changeableSub(ctx context.Context, a actor.Actor, id, vendorResult string) (Subscription, error) {
	sub, err := s.visibleSub(ctx, a, id)
	if err != nil {
		return sub, err
	}
	switch {
	case vendorResult != "":
		if a.OrgID != sub.VendorOrgID && !(identity.IsStaff(a) && identity.May(a, identity.ProductOnboarding)) {
			return sub, errs.Forbidden("not_vendor", "only the product's vendor upgrades its customers")
		}
	case a.OrgID == sub.VendorOrgID && a.OrgID != sub.CustomerOrgID && !identity.IsStaff(a):
		return sub, errs.Forbidden("permission_denied", "vendors upgrade customers through the vendor upgrade")
	case !identity.May(a, identity.OrderPlacement):
		return sub, errs.Forbidden("permission_denied", "changing subscriptions needs the order placement function")
	}
	if sub.Status != StatusActive && sub.Status != StatusTrialing {
		return sub, errs.FailedPrecondition("subscription_not_active", "a "+sub.Status+" subscription cannot change")
	}
	if len(sub.chain) != 1 {
		return sub, errs.FailedPrecondition("bundle_change_not_supported", "a bundle subscription changes by ordering another bundle plan")
	}
	if !periodic(&sub) {
		// Prorating needs a period; an everlasting licence is bought once.
		return sub, errs.FailedPrecondition("change_needs_period", "an everlasting licence has no period to change within: order the other plan instead")
	}
	return sub, nil
}

// changeTarget is the plan sub changes to (its own without planID) and
// the direction the plans' paths give ("" when they say none: the prices
// will).
func (s *Service) changeTarget(ctx context.Context, sub Subscription, planID, vendorResult string) (catalog.Plan, string, error) {
	current, err := s.catalog.GetPlan(identity.AsSystem(ctx), sub.PlanID)
	if err != nil || planID == "" {
		return current, "", err
	}
	target, err := s.catalog.CurrentPlan(identity.AsSystem(ctx), planID)
	if err != nil {
		return target, "", errs.Invalid("validation_failed", "plan_id: no such plan", errs.Field("plan_id", "not_found", "no such plan"))
	}
	switch {
	case target.LineageID == current.LineageID:
		return target, "", nil
	case slices.Contains(current.Upgrades, target.LineageID):
		return target, "upgrade", nil
	case slices.Contains(current.Downgrades, target.LineageID) || (vendorResult != "" && target.ProductID == current.ProductID):
		return target, "downgrade", nil
	}
	return target, "", errs.Invalid("change_not_allowed", "the plan is not an upgrade or downgrade of the current one",
		errs.Field("plan_id", "change_not_allowed", "choose one of the plan's upgrade or downgrade paths"))
}

// pricedChange is a change priced for one period: the new configuration
// at the customer's current channel price, the old one at its frozen price.
type pricedChange struct {
	quote                channel.Quote
	oldCharge, newCharge money.Amount
}

// priceChange prices sub's change to target with quantities.
func (s *Service) priceChange(ctx context.Context, sub Subscription, target catalog.Plan, quantities map[string]money.Decimal) (pricedChange, error) {
	q, err := s.channel.Quote(identity.AsSystem(ctx), channel.QuoteInput{PlanID: target.ID, Quantities: quantities, CustomerOrgID: sub.CustomerOrgID,
		Coupon: sub.Coupon, Renewal: true, Start: *sub.CurrentPeriodStart})
	if err != nil {
		return pricedChange{}, err
	}
	c := pricedChange{quote: q}
	if c.newCharge, err = periodCharge(q.Quote); err != nil {
		return c, err
	}
	oldQuote, err := pricing.Compute(pricing.QuoteInput{Terms: sub.Terms, Prices: withoutSetup(*sub.Prices), Quantities: sub.Quantities,
		Coupon: sub.Coupon, Start: *sub.CurrentPeriodStart})
	if err != nil {
		return c, err
	}
	c.oldCharge, err = periodCharge(oldQuote)
	return c, err
}

// changeOrder is the order of sub's change to target, its event and the
// detail it records, effective now until applyChange says otherwise.
func (s *Service) changeOrder(ctx context.Context, sub Subscription, target catalog.Plan, quantities map[string]money.Decimal, c pricedChange,
	direction, vendorResult string) (Order, ChangeEvent, map[string]any) {
	q := c.quote
	o := Order{ID: ids.New(OrderKind), Type: OrderChange, CustomerOrgID: sub.CustomerOrgID, SellerOrgID: q.SellerOrgID, VendorOrgID: sub.VendorOrgID,
		ProductID: sub.ProductID, PlanID: target.ID, SubscriptionID: sub.ID, Periods: sub.CommitmentPeriods, Quantities: quantities,
		Status: OrderApproved, pricing: pricingOf(q)}
	zero := money.NewAmount(0, q.Currency)
	o.DurationSubtotal, o.Subtotal = &zero, &zero
	ev := ChangeEvent{SubscriptionID: sub.ID, OrderID: o.ID, CustomerOrgID: sub.CustomerOrgID, SellerOrgID: q.SellerOrgID,
		VendorOrgID: sub.VendorOrgID, ProductID: sub.ProductID, Currency: sub.Currency, SelfBilled: q.SelfBilled, Direction: direction,
		Effective: "now", FromPlanID: sub.PlanID, ToPlanID: target.ID, VendorResult: vendorResult, At: s.db.Now(ctx)}
	detail := map[string]any{"direction": direction, "effective": "now", "from_plan_id": sub.PlanID, "to_plan_id": target.ID,
		"old_period_charge": c.oldCharge, "new_period_charge": c.newCharge}
	if vendorResult != "" {
		detail["vendor_result"] = vendorResult
	}
	return o, ev, detail
}

// applyChange applies change order o to sub: at the next period when it is
// deferred (a downgrade), at once and free for a trial or a free vendor
// upgrade, at once and prorated otherwise.
func (s *Service) applyChange(ctx context.Context, sub *Subscription, o *Order, ev *ChangeEvent, detail map[string]any, c pricedChange,
	deferred bool, vendorResult string) error {
	old := Rated{Rating: sub.rating, Chain: sub.chain}
	old.Rating.Prices, old.Rating.Start, old.Rating.Periods = withoutSetup(old.Rating.Prices), *sub.CurrentPeriodStart, 0
	switch {
	case deferred && sub.Status != StatusTrialing:
		detail["effective"], ev.Effective = "next_period", "next_period"
		sub.PendingChange = &PendingChange{PlanID: o.PlanID, Quantities: o.Quantities, OrderID: o.ID}
		return nil
	case sub.Status == StatusTrialing || vendorResult == VendorFree:
		return s.applyOrderPrices(ctx, sub, *o)
	}
	p, err := prorate(c.oldCharge, c.newCharge, *sub, s.db.Now(ctx))
	if err != nil {
		return err
	}
	detail["proration"] = p
	o.Subtotal = &p.Due
	if err := s.applyOrderPrices(ctx, sub, *o); err != nil {
		return err
	}
	nw := Rated{Rating: c.quote.Input, Chain: o.pricing.chain}
	nw.Rating.Periods, nw.Rating.Trial = 0, false
	ev.Proration, ev.Old, ev.New = &p, &old, &nw
	if p.Due.IsPositive() {
		now := s.db.Now(ctx)
		sub.PaymentDue, sub.PaymentDueSince = true, &now
	}
	return nil
}

// recordChange stores change order o and sub, and publishes the change
// with what billing prints its charges by.
func (s *Service) recordChange(ctx context.Context, sub Subscription, o *Order, ev ChangeEvent, detail map[string]any) error {
	o.Detail = json.RawMessage(db.JSONText(detail))
	if err := s.insertOrder(ctx, o); err != nil {
		return err
	}
	if err := s.save(ctx, &sub, false); err != nil {
		return err
	}
	var err error
	if ev.Billed, err = s.billedOf(ctx, ev.ProductID, ev.ToPlanID); err != nil {
		return err
	}
	from, err := s.billedOf(ctx, ev.ProductID, ev.FromPlanID)
	if err != nil {
		return err
	}
	ev.FromLabel = from.Label
	return s.outbox.PublishData(ctx, "subscription.changed", "subscription", sub.ID, sub.CustomerOrgID, ev)
}

// periodCharge is what a quote charges every period: its recurring lines.
func periodCharge(q pricing.Quote) (money.Amount, error) {
	total := money.NewAmount(0, q.Currency)
	for _, l := range q.Lines {
		if !l.Recurring {
			continue
		}
		var err error
		if total, err = total.Add(l.Amount); err != nil {
			return total, err
		}
	}
	return total, nil
}

func withoutSetup(p pricing.PlanPrices) pricing.PlanPrices {
	p.Setup = money.Decimal{}
	return p
}

// prorate prices an immediate change for the rest of the current period.
func prorate(oldCharge, newCharge money.Amount, sub Subscription, at time.Time) (Proration, error) {
	start, end := *sub.CurrentPeriodStart, *sub.CurrentPeriodEnd
	credit, remaining, hours, err := pricing.Prorate(oldCharge.Decimal(), start, end, at, oldCharge.Currency())
	if err != nil {
		return Proration{}, err
	}
	charge, _, _, err := pricing.Prorate(newCharge.Decimal(), start, end, at, newCharge.Currency())
	if err != nil {
		return Proration{}, err
	}
	due, err := charge.Sub(credit)
	if err != nil {
		return Proration{}, err
	}
	return Proration{PeriodStart: start.Format("2006-01-02T15:04:05Z07:00"), PeriodEnd: end.Format("2006-01-02T15:04:05Z07:00"),
		RemainingHours: remaining, PeriodHours: hours, OldCharge: oldCharge, NewCharge: newCharge, Credit: credit.Neg(), Charge: charge, Due: due}, nil
}

// applyPendingChange makes a deferred change the subscription's at a
// period start.
func (s *Service) applyPendingChange(ctx context.Context, sub *Subscription) error {
	if sub.PendingChange == nil {
		return nil
	}
	o, err := s.orderByID(ctx, sub.PendingChange.OrderID)
	if err != nil {
		return err
	}
	if err := s.applyOrderPrices(ctx, sub, o); err != nil {
		return err
	}
	sub.PendingChange = nil
	return s.outbox.PublishData(ctx, "subscription.change_applied", "subscription", sub.ID, sub.CustomerOrgID,
		map[string]string{"order_id": o.ID, "plan_id": o.PlanID})
}

// UpdateInput changes a subscription's settings; nil fields are left alone.
type UpdateInput struct {
	AutoRenew         *bool
	ConvertAfterTrial *bool
}

// Update switches auto-renew (on renewable plans) and a trial's conversion.
func (s *Service) Update(ctx context.Context, id string, in UpdateInput) (Subscription, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Subscription{}, err
	}
	if err := validate.CheckID("id", SubscriptionKind, id); err != nil {
		return Subscription{}, err
	}
	var out Subscription
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.manageableSub(ctx, a, id)
		if err != nil {
			return err
		}
		before := sub
		if in.AutoRenew != nil {
			if *in.AutoRenew && !sub.Terms.Renewable() {
				return errs.Invalid("validation_failed", "auto_renew: this plan does not renew", errs.Field("auto_renew", "not_renewable", "this plan does not renew"))
			}
			sub.AutoRenew = *in.AutoRenew
		}
		if in.ConvertAfterTrial != nil {
			if sub.Status != StatusTrialing {
				return errs.Invalid("validation_failed", "convert_after_trial: not a trial", errs.Field("convert_after_trial", "not_a_trial", "only a running trial converts"))
			}
			sub.ConvertAfterTrial = *in.ConvertAfterTrial
		}
		if err := s.save(ctx, &sub, false); err != nil {
			return err
		}
		out = s.view(a, sub)
		return s.rec.Record(ctx, "subscription.update", "subscription", sub.ID, sub.CustomerOrgID,
			audit.Diff(map[string]bool{"auto_renew": before.AutoRenew, "convert_after_trial": before.ConvertAfterTrial},
				map[string]bool{"auto_renew": sub.AutoRenew, "convert_after_trial": sub.ConvertAfterTrial}), "subscription.updated", out)
	})
	return out, err
}

// Terminate ends a subscription now: a termination order is recorded and
// the vendor is told to destroy the service.
func (s *Service) Terminate(ctx context.Context, id, reason string) (Order, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Order{}, err
	}
	if err := validate.CheckID("id", SubscriptionKind, id); err != nil {
		return Order{}, err
	}
	v := validate.New()
	v.Text("reason", reason, 2000)
	if err := v.Err(); err != nil {
		return Order{}, err
	}
	var out Order
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.manageableSub(ctx, a, id)
		if err != nil {
			return err
		}
		now := s.db.Now(ctx)
		zero := money.NewAmount(0, money.MustCurrency(sub.Currency))
		o := Order{ID: ids.New(OrderKind), Type: OrderTermination, CustomerOrgID: sub.CustomerOrgID, SellerOrgID: sub.SellerOrgID,
			VendorOrgID: sub.VendorOrgID, ProductID: sub.ProductID, PlanID: sub.PlanID, SubscriptionID: sub.ID, Quantities: sub.Quantities,
			DurationSubtotal: &zero, Subtotal: &zero, Status: OrderApproved, Reason: reason, Detail: json.RawMessage(db.JSONText(map[string]string{"reason": reason}))}
		if err := s.insertOrder(ctx, &o); err != nil {
			return err
		}
		sub.Status, sub.EndedAt, sub.PaymentDue, sub.PendingChange = StatusTerminated, &now, false, nil
		if err := s.destroy(ctx, &sub, "terminated"); err != nil {
			return err
		}
		if err := s.save(ctx, &sub, false); err != nil {
			return err
		}
		out = orderView(a, o)
		return s.outbox.PublishData(ctx, "subscription.terminated", "subscription", sub.ID, sub.CustomerOrgID,
			map[string]string{"subscription_id": sub.ID, "order_id": o.ID, "reason": reason})
	})
	return out, err
}

// RequestRenewal makes (or returns) the renewal order of a subscription
// without auto-renew, for the customer to pay before or after expiry.
func (s *Service) RequestRenewal(ctx context.Context, id string) (Order, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Order{}, err
	}
	if err := validate.CheckID("id", SubscriptionKind, id); err != nil {
		return Order{}, err
	}
	var out Order
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.manageableSub(ctx, a, id)
		if err != nil {
			return err
		}
		if sub.Kind != KindNormal || !sub.Terms.Renewable() || sub.CommitmentEnd == nil {
			return errs.FailedPrecondition("not_renewable", "this subscription does not renew")
		}
		if sub.RenewalOrderID == "" {
			if err := s.orderRenewal(ctx, &sub); err != nil {
				return err
			}
			if err := s.save(ctx, &sub, false); err != nil {
				return err
			}
		}
		o, err := s.orderByID(ctx, sub.RenewalOrderID)
		out = orderView(a, o)
		return err
	})
	return out, err
}

// manageableSub loads a subscription for a change by its customer, its
// channel or staff (not the vendor, and not once it ended).
func (s *Service) manageableSub(ctx context.Context, a actor.Actor, id string) (Subscription, error) {
	sub, err := s.visibleSub(ctx, a, id)
	if err != nil {
		return sub, err
	}
	if a.OrgID == sub.VendorOrgID && a.OrgID != sub.CustomerOrgID && !identity.IsStaff(a) {
		return sub, errs.Forbidden("permission_denied", "the vendor does not manage its customers' subscriptions")
	}
	if !identity.May(a, identity.OrderPlacement) {
		return sub, errs.Forbidden("permission_denied", "managing subscriptions needs the order placement function")
	}
	if ended(sub.Status) {
		return sub, errs.FailedPrecondition("subscription_ended", "the subscription is "+sub.Status)
	}
	return sub, nil
}
