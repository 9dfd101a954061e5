package subscription

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// orderPricing returns what an order froze.
func (s *Service) orderPricing(o Order) (orderPricing, error) {
	if o.pricing.prices == nil {
		return o.pricing, fmt.Errorf("order %s has no frozen prices", o.ID)
	}
	return o.pricing, nil
}

func (s *Service) orderByID(ctx context.Context, id string) (Order, error) {
	o, err := db.Get(ctx, s.db, scanOrder, `SELECT `+orderColumns+` FROM orders WHERE id = $1`, id)
	if errors.Is(err, db.ErrNoRows) {
		return o, errOrderNotFound
	}
	return o, err
}

// priceOrder prices sub's plan (its current version: prices change at
// renewal) for its customer through the channel from start, keeping its
// quantities and coupon, as an approved order of type typ. A renewal
// charges no one-off fees again.
func (s *Service) priceOrder(ctx context.Context, sub *Subscription, typ string, start time.Time, periods int) (Order, error) {
	q, err := s.channel.Quote(identity.AsSystem(ctx), channel.QuoteInput{PlanID: sub.PlanID, Quantities: sub.Quantities, Periods: periods,
		CustomerOrgID: sub.CustomerOrgID, Coupon: sub.Coupon, Start: start, Renewal: typ == OrderRenewal})
	if err != nil {
		return Order{}, fmt.Errorf("price %s of %s: %w", typ, sub.ID, err)
	}
	total, due := q.Total, q.FirstInvoice
	return Order{ID: ids.New(OrderKind), Type: typ, CustomerOrgID: sub.CustomerOrgID, SellerOrgID: q.SellerOrgID, VendorOrgID: sub.VendorOrgID,
		ProductID: sub.ProductID, PlanID: q.Plan.ID, SubscriptionID: sub.ID, Periods: q.Periods, Quantities: sub.Quantities,
		CouponCode: q.CouponCode, DurationSubtotal: &total, Subtotal: &due, Status: OrderApproved, Detail: json.RawMessage(db.JSONText(q.Quote)),
		pricing: pricingOf(q), taxLines: q.Lines}, nil
}

// ApproveOrder approves an order waiting for its auditor (the vendor, or
// the reseller that sold it; staff may too): the subscription starts.
func (s *Service) ApproveOrder(ctx context.Context, id string) (Order, error) {
	return s.decide(ctx, id, OrderApproved, "")
}

// RejectOrder rejects an order waiting for its auditor, with a reason the
// customer reads. Its coupon and trial are given back.
func (s *Service) RejectOrder(ctx context.Context, id, reason string) (Order, error) {
	v := validate.New()
	reason = v.Name("reason", reason, 2000)
	if err := v.Err(); err != nil {
		return Order{}, err
	}
	return s.decide(ctx, id, OrderRejected, reason)
}

func (s *Service) decide(ctx context.Context, id, status, reason string) (Order, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Order{}, err
	}
	if err := validate.CheckID("id", OrderKind, id); err != nil {
		return Order{}, err
	}
	var out Order
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		o, err := s.visibleOrder(ctx, a, id)
		if err != nil {
			return err
		}
		if a.OrgID != o.AuditorOrgID && !(identity.IsStaff(a) && identity.May(a, identity.UserManagement)) {
			return errs.Forbidden("not_auditor", "only the order's auditor decides it")
		}
		if o.Status != OrderRequiresApproval {
			return errs.FailedPrecondition("order_not_awaiting_approval", "the order is "+o.Status)
		}
		now := s.db.Now(ctx)
		before := o
		o.Status, o.Reason, o.DecidedBy, o.DecidedAt, o.UpdatedAt = status, reason, a.UserID, &now, now
		o.settle() // a rejected order leaves nothing due
		if _, err := s.db.Exec(ctx, `UPDATE orders SET status = $2, reason = $3, decided_by = $4, decided_at = $5, updated_at = $5 WHERE id = $1`,
			id, o.Status, o.Reason, o.DecidedBy, now); err != nil {
			return err
		}
		sub, err := s.load(ctx, o.SubscriptionID)
		if err != nil {
			return err
		}
		if status == OrderApproved {
			trialDays := 0
			if sub.Kind == KindTrial {
				var q struct {
					Trial *struct {
						Days int `json:"days"`
					} `json:"trial"`
				}
				if err := json.Unmarshal(o.Detail, &q); err == nil && q.Trial != nil {
					trialDays = q.Trial.Days
				}
			}
			if err := s.activate(ctx, &sub, o, trialDays); err != nil {
				return err
			}
		} else {
			sub.Status, sub.EndedAt = StatusRejected, &now
			if err := s.move(ctx, &sub, ProvUndeployed, "order rejected: "+reason); err != nil {
				return err
			}
			if err := s.save(ctx, &sub, false); err != nil {
				return err
			}
			if err := s.catalog.ReleaseRedemptions(identity.AsSystem(ctx), o.ID); err != nil {
				return err
			}
			if _, err := s.db.Exec(ctx, `DELETE FROM trial_usages WHERE subscription_id = $1`, sub.ID); err != nil {
				return err
			}
		}
		out = orderView(a, o)
		action := map[string]string{OrderApproved: "order.approve", OrderRejected: "order.reject"}[status]
		return s.rec.Record(ctx, action, "order", o.ID, o.CustomerOrgID, audit.Diff(before, o), "order."+status, o)
	})
	return out, err
}

// onInvoicePaid pays the orders a paid invoice carried, in the delivery's
// transaction: billing announces the invoice.paid event in the transaction
// that settled the invoice, and the outbox hands it here once.
func (s *Service) onInvoicePaid(ctx context.Context, ev outbox.Event) error {
	var paid struct {
		OrderIDs []string `json:"order_ids"`
	}
	if err := json.Unmarshal(ev.Data, &paid); err != nil {
		return fmt.Errorf("invoice.paid %s: %w", ev.ID, err)
	}
	for _, id := range paid.OrderIDs {
		if err := s.OrderPaid(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// OrderPaid records that an order was paid, as the system: the invoice
// carrying the order's charge was settled (see onInvoicePaid). A first payment moves provisioning on; a paid renewal
// renews (at once when the subscription was suspended); a paid change
// clears what was due. An order already paid, not approved or with
// nothing due is left alone, so calling it again changes nothing.
func (s *Service) OrderPaid(ctx context.Context, id string) error {
	if actor.From(ctx).Kind != actor.KindSystem {
		return errs.Forbidden("permission_denied", "orders are paid through their invoices")
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		o, err := s.orderByID(ctx, id)
		if err != nil {
			return err
		}
		if o.PaidAt != nil || o.Status != OrderApproved || !o.Subtotal.IsPositive() {
			return nil
		}
		_, err = s.payOrder(ctx, o)
		return err
	})
}

// payOrder marks o paid and moves its subscription on.
func (s *Service) payOrder(ctx context.Context, o Order) (Order, error) {
	now := s.db.Now(ctx)
	o.PaidAt = &now
	o.settle() // nothing remains due
	if _, err := s.db.Exec(ctx, `UPDATE orders SET paid_at = $2, updated_at = $2 WHERE id = $1`, o.ID, now); err != nil {
		return o, err
	}
	if err := s.applyPayment(ctx, o); err != nil {
		return o, err
	}
	return o, s.rec.Record(ctx, "order.paid", "order", o.ID, o.CustomerOrgID, map[string]audit.Change{"paid_at": {To: now}}, "order.paid", o)
}

// applyPayment moves the subscription on after its order was paid.
func (s *Service) applyPayment(ctx context.Context, o Order) error {
	if o.SubscriptionID == "" {
		return nil
	}
	sub, err := s.load(ctx, o.SubscriptionID)
	if err != nil {
		return err
	}
	if ended(sub.Status) {
		return nil // paid too late: nothing to resume (a refund is the billing's business)
	}
	switch {
	case o.Type == OrderRenewal && sub.Status == StatusSuspended && sub.RenewalOrderID == o.ID:
		if err := s.renew(ctx, &sub, o); err != nil {
			return err
		}
	case o.Type == OrderRenewal && sub.RenewalOrderID == o.ID:
		// Paid ahead: the renewal happens at the end of the commitment.
	default:
		sub.PaymentDue, sub.PaymentDueSince = false, nil
		if sub.Provisioning == ProvWaitingPayment || sub.Provisioning == ProvPaymentExpired {
			sub.GraceEnd = nil
			if err := s.move(ctx, &sub, ProvPending, "first payment received"); err != nil {
				return err
			}
		}
		if sub.Status == StatusWaitingPayment {
			sub.Status = StatusActive
		}
	}
	return s.save(ctx, &sub, false)
}

// OrderFilter narrows ListOrders.
type OrderFilter struct {
	Status         string
	Type           string
	SubscriptionID string
	// ToReview keeps the orders waiting for the caller's organization's
	// approval.
	ToReview bool
	Page     page.Request
}

// ListOrders lists the orders the caller may see, newest first: a
// customer's own ("to be approved" with status requires_approval), its
// channel's, a vendor's products', all for staff.
func (s *Service) ListOrders(ctx context.Context, f OrderFilter) ([]Order, string, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return nil, "", err
	}
	v := validate.New()
	if f.Status != "" {
		v.OneOf("status", f.Status, OrderRequiresApproval, OrderApproved, OrderRejected, OrderCancelled)
	}
	if f.Type != "" {
		v.OneOf("type", f.Type, OrderNormal, OrderTrial, OrderSandbox, OrderRenewal, OrderChange, OrderTermination)
	}
	if f.SubscriptionID != "" {
		v.ID("subscription_id", SubscriptionKind, f.SubscriptionID)
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	q := db.NewQuery(`SELECT ` + orderColumns + ` FROM orders WHERE (`)
	q.Add(identity.VisibleOrgs(a, "customer_org_id", q) + " OR vendor_org_id = " + q.Arg(a.OrgID) + ")")
	if f.ToReview {
		q.Add(" AND status = 'requires_approval' AND auditor_org_id = " + q.Arg(a.OrgID))
	}
	for _, c := range []struct{ col, v string }{{"status", f.Status}, {"type", f.Type}, {"subscription_id", f.SubscriptionID}} {
		if c.v != "" {
			q.Add(" AND " + c.col + " = " + q.Arg(c.v))
		}
	}
	rows, next, err := page.List(ctx, s.db, q, "id", page.Descending, f.Page, scanOrder, func(o Order) string { return o.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list orders: %w", err)
	}
	for i := range rows {
		rows[i] = orderView(a, rows[i])
	}
	return rows, next, nil
}
