package subscription

import (
	"context"
	"errors"
	"fmt"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// visibleSub loads a subscription the caller may see: its customer and the
// customer's channel, the product's vendor, and staff. Anything else is not
// found.
func (s *Service) visibleSub(ctx context.Context, a actor.Actor, id string) (Subscription, error) {
	if !ids.Valid(SubscriptionKind, id) {
		return Subscription{}, errSubNotFound
	}
	q := db.NewQuery(`SELECT `+subColumns+` FROM subscriptions WHERE id = $1 AND (`, id)
	q.Add(identity.VisibleOrgs(a, "customer_org_id", q) + " OR vendor_org_id = " + q.Arg(a.OrgID) + ")")
	q.Add(s.db.Dialect().ForUpdate())
	sub, err := db.Get(ctx, s.db, s.scanSub, q.SQL(), q.Args()...)
	if errors.Is(err, db.ErrNoRows) {
		return sub, errSubNotFound
	}
	return sub, err
}

// deal is what channel.PriceSight needs to know of a subscription or an
// order: its parties and, for a single plan, the frozen price chain.
func deal(customer, seller, vendor string, chain [][]channel.Level) channel.Deal {
	d := channel.Deal{BuyerOrgID: customer, SellerOrgID: seller, VendorOrgID: vendor}
	if len(chain) == 1 {
		d.Levels = chain[0]
	}
	return d
}

// view is sub as the caller may see it, prices as channel.PriceSight
// decides: the customer's prices (and coupon) for the customer, its seller
// and staff; the vendor's list price for the vendor and staff; a channel
// party's own buy and sell prices for that party (so a distributor above
// the customer's reseller sees what the reseller pays it, not what the
// customer pays). The credentials are for the customer, the vendor and
// staff.
func (s *Service) view(a actor.Actor, sub Subscription) Subscription {
	sight := channel.PriceSight(a, deal(sub.CustomerOrgID, sub.SellerOrgID, sub.VendorOrgID, sub.chain))
	sub.VendorPrices, sub.OwnPrices, sub.ComponentOwnPrices = nil, nil, nil
	if sight.VendorPrice && len(sub.chain) == 1 && len(sub.chain[0]) > 0 {
		vp := sub.chain[0][0].Sells
		sub.VendorPrices = &vp
	}
	if !sight.All {
		sub.OwnPrices = channel.OwnPricesOf(sight)
		sub.ComponentOwnPrices = componentOwnPrices(a, sub)
	}
	if !sight.BuyerPrice {
		sub.Prices, sub.Coupon = nil, nil
	}
	if a.OrgID != sub.CustomerOrgID && a.OrgID != sub.VendorOrgID && !identity.IsStaff(a) {
		sub.Credentials = nil
	}
	return sub
}

// componentOwnPrices is, on a bundle subscription, the viewer's own level
// of each component's price chain (channel.PriceSight over the component's
// deal), nil on a single plan (its OwnPrices say it) or when the viewer
// has a level in none.
func componentOwnPrices(a actor.Actor, sub Subscription) []ComponentOwnPrices {
	if len(sub.chain) < 2 {
		return nil
	}
	var out []ComponentOwnPrices
	for i, levels := range sub.chain {
		d := channel.Deal{BuyerOrgID: sub.CustomerOrgID, SellerOrgID: sub.SellerOrgID, VendorOrgID: sub.VendorOrgID, Levels: levels}
		if own := channel.OwnPricesOf(channel.PriceSight(a, d)); own != nil {
			out = append(out, ComponentOwnPrices{Component: i, OwnPrices: *own})
		}
	}
	return out
}

// orderSight hides from an order what its viewer may not see: its
// amounts (subtotal, tax, total, amount due, duration subtotal) and the
// frozen quote are at the customer's price, for
// the customer, its seller and staff only (channel.PriceSight).
func orderSight(a actor.Actor, o Order) Order {
	if !channel.PriceSight(a, deal(o.CustomerOrgID, o.SellerOrgID, o.VendorOrgID, o.pricing.chain)).BuyerPrice {
		o.Subtotal, o.Tax, o.Total, o.AmountDue, o.DurationSubtotal, o.Detail = nil, nil, nil, nil, nil, nil
	}
	return o
}

// GetSubscription returns a subscription the caller may see.
func (s *Service) GetSubscription(ctx context.Context, id string) (Subscription, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return Subscription{}, err
	}
	if err := validate.CheckID("id", SubscriptionKind, id); err != nil {
		return Subscription{}, err
	}
	sub, err := s.visibleSub(ctx, a, id)
	if err != nil {
		return sub, err
	}
	return s.view(a, sub), nil
}

// SubscriptionFilter narrows ListSubscriptions.
type SubscriptionFilter struct {
	Status        string
	CustomerOrgID string
	ProductID     string
	Page          page.Request
}

// ListSubscriptions lists the subscriptions the caller may see, newest
// first: a customer's own, its channel's, a vendor's products', all for
// staff.
func (s *Service) ListSubscriptions(ctx context.Context, f SubscriptionFilter) ([]Subscription, string, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return nil, "", err
	}
	v := validate.New()
	if f.Status != "" {
		v.OneOf("status", f.Status, StatusRequiresApproval, StatusWaitingPayment, StatusTrialing, StatusActive, StatusSuspended,
			StatusExpired, StatusTerminated, StatusRejected)
	}
	if f.CustomerOrgID != "" {
		v.ID("customer_org_id", ids.Organization, f.CustomerOrgID)
	}
	if f.ProductID != "" {
		v.ID("product_id", "prd", f.ProductID)
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	q := db.NewQuery(`SELECT ` + subColumns + ` FROM subscriptions WHERE (`)
	q.Add(identity.VisibleOrgs(a, "customer_org_id", q) + " OR vendor_org_id = " + q.Arg(a.OrgID) + ")")
	for _, c := range []struct{ col, v string }{{"status", f.Status}, {"customer_org_id", f.CustomerOrgID}, {"product_id", f.ProductID}} {
		if c.v != "" {
			q.Add(" AND " + c.col + " = " + q.Arg(c.v))
		}
	}
	rows, next, err := page.List(ctx, s.db, q, "id", page.Descending, f.Page, s.scanSub, func(s Subscription) string { return s.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list subscriptions: %w", err)
	}
	for i := range rows {
		rows[i] = s.view(a, rows[i])
	}
	return rows, next, nil
}
