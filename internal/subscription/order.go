package subscription

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

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

// Order types.
const (
	OrderNormal      = "normal"
	OrderTrial       = "trial"
	OrderSandbox     = "sandbox"
	OrderRenewal     = "renewal"
	OrderChange      = "change"
	OrderTermination = "termination"
)

// Order statuses.
const (
	OrderRequiresApproval = "requires_approval"
	OrderApproved         = "approved"
	OrderRejected         = "rejected"
	OrderCancelled        = "cancelled"
)

// Order is a request that creates or changes a subscription, with the
// price frozen when it was placed.
type Order struct {
	ID             string                   `json:"id"`
	Type           string                   `json:"type"`
	CustomerOrgID  string                   `json:"customer_org_id"`
	SellerOrgID    string                   `json:"seller_org_id"`
	VendorOrgID    string                   `json:"vendor_org_id"`
	PlacedByUserID string                   `json:"placed_by_user_id,omitempty"`
	PlacedByOrgID  string                   `json:"placed_by_org_id,omitempty"`
	Push           bool                     `json:"push"`
	ProductID      string                   `json:"product_id"`
	PlanID         string                   `json:"plan_id"`
	SubscriptionID string                   `json:"subscription_id,omitempty"`
	Periods        int                      `json:"periods"`
	Quantities     map[string]money.Decimal `json:"quantities"`
	CouponCode     string                   `json:"coupon_code,omitempty"`
	// The order's money, at the customer's price, in one vocabulary with
	// its invoice (hidden where channel.PriceSight hides the buyer's
	// price, see orderSight):
	//   - Subtotal is what the order charges now, before tax: the lines of
	//     its first invoice (a change: the prorated charge less its credit;
	//     a trial: nothing);
	//   - Tax is the tax billing's rules put on Subtotal when the order was
	//     placed, an estimate (the invoice is the authority); absent for an
	//     order placed before orders recorded their tax;
	//   - Total is Subtotal + Tax, what the order's invoice comes to;
	//     absent with Tax;
	//   - AmountDue is what remains to pay: Total (Subtotal when the tax is
	//     unknown) until the order is paid, zero once it is, or when it
	//     charges nothing, was rejected or cancelled;
	//   - DurationSubtotal is what the whole ordered duration (every period
	//     of the commitment) comes to, before tax.
	Subtotal         *money.Amount `json:"subtotal,omitempty" doc:"What the order charges now (its first invoice's lines, or a change's prorated charge less its credit), before tax. Absent where the caller may not see the customer's price."`
	Tax              *money.Amount `json:"tax,omitempty" doc:"The tax on the subtotal, estimated with billing's rules when the order was placed (the invoice is the authority). Absent for orders placed before orders recorded their tax: their tax is on the invoice."`
	Total            *money.Amount `json:"total,omitempty" doc:"Subtotal plus tax: what the order's invoice comes to. Absent when the tax is unknown."`
	AmountDue        *money.Amount `json:"amount_due,omitempty" doc:"What remains to pay: the total (the subtotal when the tax is unknown) until the order is paid; zero once it is paid, or when it charges nothing or was rejected or cancelled."`
	DurationSubtotal *money.Amount `json:"duration_subtotal,omitempty" doc:"What the whole ordered duration (every period of the commitment) comes to, before tax."`
	// Detail is the frozen quote (lines, periods, trial) or the change's
	// proration lines.
	Detail       json.RawMessage `json:"detail,omitempty"`
	Status       string          `json:"status"`
	AuditorOrgID string          `json:"auditor_org_id,omitempty"`
	Reason       string          `json:"reason,omitempty"`
	DecidedBy    string          `json:"decided_by,omitempty"`
	DecidedAt    *time.Time      `json:"decided_at,omitempty"`
	PaidAt       *time.Time      `json:"paid_at,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`

	currency string
	pricing  orderPricing
	// taxLines are the lines Subtotal is made of, for the tax estimate;
	// nil: one line of Subtotal (insertOrder).
	taxLines []pricing.QuoteLine
}

// orderPricing is what an order froze to price its subscription: the
// customer's unit prices, every party's chain, the terms and coupon. It is
// never shown (the chain holds the prices of the parties above).
type orderPricing struct {
	prices     *pricing.PlanPrices
	chain      [][]channel.Level
	terms      pricing.Terms
	coupon     *pricing.Coupon
	input      pricing.QuoteInput
	selfBilled bool
	// first is the order's first period as its quote priced it: what the
	// order says is due, and what the period's invoice charges (see
	// Service.ratePeriod). Nil for a trial (nothing is due until it
	// converts) and for orders placed before it was kept.
	first *pricing.PeriodQuote
}

type orderPricingJSON struct {
	Prices     *pricing.PlanPrices  `json:"prices"`
	Chain      [][]channel.Level    `json:"chain"`
	Terms      pricing.Terms        `json:"terms"`
	Coupon     *pricing.Coupon      `json:"coupon,omitempty"`
	Input      pricing.QuoteInput   `json:"input"`
	SelfBilled bool                 `json:"self_billed,omitempty"`
	First      *pricing.PeriodQuote `json:"first,omitempty"`
}

// pricingOf is what an order freezes of its quote.
func pricingOf(q channel.Quote) orderPricing {
	in := q.Input
	in.Start, in.Periods, in.Trial = time.Time{}, 0, false
	return orderPricing{prices: pricesOf(q), chain: levelsOf(q), terms: q.Plan.Terms(), coupon: q.Coupon, input: in, selfBilled: q.SelfBilled,
		first: firstPeriod(q)}
}

// firstPeriod is the first period a quote prices: its lines and their sum,
// the first invoice. Nil for a trial, which charges nothing until it
// converts (its first paid period is priced then).
func firstPeriod(q channel.Quote) *pricing.PeriodQuote {
	if q.Trial != nil {
		return nil
	}
	return &pricing.PeriodQuote{Index: 0, Currency: q.Currency, Start: q.PeriodStart, End: q.PeriodEnd, Lines: q.Lines,
		Total: q.FirstInvoice, Postpaid: q.Postpaid}
}

const orderColumns = `id, type, customer_org_id, seller_org_id, vendor_org_id, placed_by_user_id, placed_by_org_id, push, product_id, plan_id,
	subscription_id, periods, quantities, coupon_code, currency, total_minor, due_minor, tax_minor, detail, pricing, status, auditor_org_id, reason,
	decided_by, decided_at, paid_at, created_at, updated_at`

// orderColumnList is orderColumns, one by one (db.Insert).
var orderColumnList = db.Columns(orderColumns)

func scanOrder(sc db.Scanner) (Order, error) {
	var o Order
	var sub *string
	var quantities, detail, pj string
	var total, due int64
	var tax *int64
	err := sc.Scan(&o.ID, &o.Type, &o.CustomerOrgID, &o.SellerOrgID, &o.VendorOrgID, &o.PlacedByUserID, &o.PlacedByOrgID, &o.Push,
		&o.ProductID, &o.PlanID, &sub, &o.Periods, &quantities, &o.CouponCode, &o.currency, &total, &due, &tax, &detail, &pj, &o.Status,
		&o.AuditorOrgID, &o.Reason, &o.DecidedBy, &o.DecidedAt, &o.PaidAt, &o.CreatedAt, &o.UpdatedAt)
	if err != nil {
		return o, err
	}
	if sub != nil {
		o.SubscriptionID = *sub
	}
	cur, err := money.ParseCurrency(o.currency)
	if err != nil {
		return o, err
	}
	t, d := money.NewAmount(total, cur), money.NewAmount(due, cur)
	o.DurationSubtotal, o.Subtotal, o.Detail = &t, &d, json.RawMessage(detail)
	if tax != nil {
		tx := money.NewAmount(*tax, cur)
		if err := o.setTax(tx); err != nil {
			return o, fmt.Errorf("order %s: %w", o.ID, err)
		}
	}
	o.settle()
	var p orderPricingJSON
	if err := json.Unmarshal([]byte(pj), &p); err != nil {
		return o, fmt.Errorf("order %s pricing: %w", o.ID, err)
	}
	o.pricing = orderPricing{prices: p.Prices, chain: p.Chain, terms: p.Terms, coupon: p.Coupon, input: p.Input, selfBilled: p.SelfBilled,
		first: p.First}
	return o, json.Unmarshal([]byte(quantities), &o.Quantities)
}

// setTax records the order's tax and its total, Subtotal + tax (checked:
// money.ErrOverflow when it does not fit).
func (o *Order) setTax(tax money.Amount) error {
	total, err := o.Subtotal.Add(tax)
	if err != nil {
		return err
	}
	o.Tax, o.Total = &tax, &total
	return nil
}

// settle sets AmountDue from the order's state: its total (the subtotal
// when its tax is unknown) until it is paid; nothing once it is paid,
// when it charges nothing, or when it was rejected or cancelled.
func (o *Order) settle() {
	if o.Subtotal == nil {
		return
	}
	due := *o.Subtotal
	if o.Total != nil {
		due = *o.Total
	}
	if o.PaidAt != nil || o.Status == OrderRejected || o.Status == OrderCancelled || !due.IsPositive() {
		due = money.NewAmount(0, due.Currency())
	}
	o.AmountDue = &due
}

func (s *Service) insertOrder(ctx context.Context, o *Order) error {
	now := s.db.Now(ctx)
	if o.ID == "" {
		o.ID = ids.New(OrderKind)
	}
	o.CreatedAt, o.UpdatedAt = now, now
	if o.Quantities == nil {
		o.Quantities = map[string]money.Decimal{}
	}
	if o.Detail == nil {
		o.Detail = json.RawMessage(`{}`)
	}
	a := actor.From(ctx)
	if o.PlacedByUserID == "" && a.Kind == actor.KindUser {
		o.PlacedByUserID, o.PlacedByOrgID = a.UserID, a.OrgID
	}
	p := o.pricing
	if p.chain == nil {
		p.chain = [][]channel.Level{}
	}
	if err := s.estimateTax(ctx, o); err != nil {
		return err
	}
	o.settle()
	var tax *int64
	if o.Tax != nil {
		m := o.Tax.Minor()
		tax = &m
	}
	// Kept for the commit in a lifecycle batch that defers inserts: a
	// renewal order is not read back in the batch that places it.
	err := s.db.Insert(ctx, "orders", orderColumnList,
		o.ID, o.Type, o.CustomerOrgID, o.SellerOrgID, o.VendorOrgID, o.PlacedByUserID, o.PlacedByOrgID, o.Push, o.ProductID, o.PlanID,
		optString(o.SubscriptionID), o.Periods, db.JSONText(o.Quantities), o.CouponCode, o.Subtotal.Currency(), o.DurationSubtotal.Minor(),
		o.Subtotal.Minor(), tax, string(o.Detail), db.JSONText(orderPricingJSON{Prices: p.prices, Chain: p.chain, Terms: p.terms, Coupon: p.coupon, Input: p.input, SelfBilled: p.selfBilled,
			First: p.first}), o.Status,
		o.AuditorOrgID, o.Reason, o.DecidedBy, o.DecidedAt, o.PaidAt, o.CreatedAt, o.UpdatedAt)
	if err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	return s.rec.Created(ctx, "order.create", "order", o.ID, o.CustomerOrgID, o, "order.created")
}

var errOrderNotFound = errs.NotFound("order_not_found", "no such order")

// PlaceOrderInput orders a plan.
type PlaceOrderInput struct {
	// Type is normal (default), trial or sandbox.
	Type       string
	PlanID     string
	Quantities map[string]money.Decimal
	Periods    int
	CouponCode string
	// CustomerOrgID is the customer a reseller, a distributor or staff
	// orders for (push); a customer orders for itself.
	CustomerOrgID string
	// AutoRenew overrides the plan's default.
	AutoRenew *bool
	// ConvertAfterTrial (trials) makes the trial a paid subscription at its
	// end.
	ConvertAfterTrial bool
	// ClientRef, optional, is a reference the client makes once per
	// checkout (1 to 64 letters, digits, - or _): placing an order with a
	// reference the caller's organization already used returns that order
	// instead of a second one (a form submitted twice).
	ClientRef string
}

var clientRefRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// orderByClientRef returns the order the caller's organization placed with
// ref, if any.
func (s *Service) orderByClientRef(ctx context.Context, a actor.Actor, ref string) (Order, bool, error) {
	var id string
	err := s.db.QueryRow(ctx, `SELECT id FROM orders WHERE placed_by_org_id = $1 AND client_ref = $2`, a.OrgID, ref).Scan(&id)
	if errors.Is(err, db.ErrNoRows) {
		return Order{}, false, nil
	}
	if err != nil {
		return Order{}, false, err
	}
	o, err := s.GetOrder(ctx, id)
	return o, err == nil, err
}

// PlaceOrder orders a plan for a customer: the price is the quote's (the
// same code path as POST /quotes), frozen on the order, and the coupon is
// redeemed with it. The subscription is created at once: waiting for the
// auditor when the product asks for approval (the vendor, or the reseller
// whose catalog sold it; a reseller's or distributor's own push orders are
// approved automatically when the platform says so), otherwise approved.
// Sandbox orders are a vendor's test of its own product: priced at its
// list price, never paid by anyone but the vendor.
func (s *Service) PlaceOrder(ctx context.Context, in PlaceOrderInput) (Order, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Order{}, err
	}
	if in.Type == "" {
		in.Type = OrderNormal
	}
	set, err := s.checkOrderInput(ctx, in)
	if err != nil {
		return Order{}, err
	}
	if in.ClientRef != "" {
		if o, ok, err := s.orderByClientRef(ctx, a, in.ClientRef); err != nil || ok {
			return o, err
		}
	}
	if in.Type == OrderSandbox {
		return s.placeSandbox(ctx, a, in)
	}
	if !identity.May(a, identity.OrderPlacement) {
		return Order{}, errs.Forbidden("permission_denied", "placing orders needs the order placement function")
	}
	if a.OrgKind != string(identity.CustomerOrg) && in.CustomerOrgID == "" {
		return Order{}, errs.Invalid("validation_failed", "customer_org_id: name the customer you order for",
			errs.Field("customer_org_id", "required", "is required when ordering on a customer's behalf"))
	}
	qin := channel.QuoteInput{PlanID: in.PlanID, Quantities: in.Quantities, Periods: in.Periods,
		CouponCode: in.CouponCode, CustomerOrgID: in.CustomerOrgID, Trial: in.Type == OrderTrial}
	var out Order
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.channel.Quote(ctx, qin)
		if err != nil {
			return err
		}
		product, err := s.catalog.GetProduct(identity.AsSystem(ctx), q.Plan.ProductID)
		if err != nil {
			return err
		}
		o, sub := s.newOrder(ctx, a, in, q, product, set)
		if err := s.storeOrder(ctx, in, o, sub, q); err != nil {
			return err
		}
		out = *o
		return nil
	})
	if in.ClientRef != "" && db.IsUniqueViolation(err) {
		// The same checkout placed concurrently: the other one won.
		if o, ok, err2 := s.orderByClientRef(ctx, a, in.ClientRef); err2 == nil && ok {
			return o, nil
		}
	}
	return out, err
}

// checkOrderInput validates an order's input against the marketplace's
// settings, which it returns.
func (s *Service) checkOrderInput(ctx context.Context, in PlaceOrderInput) (Settings, error) {
	v := validate.New()
	v.OneOf("type", in.Type, OrderNormal, OrderTrial, OrderSandbox)
	v.ID("plan_id", catalog.PlanKind, in.PlanID)
	if in.CustomerOrgID != "" {
		v.ID("customer_org_id", ids.Organization, in.CustomerOrgID)
	}
	set, err := s.settings(ctx)
	if err != nil {
		return set, err
	}
	if set.AutoRenewalOnly && in.Periods != 0 {
		v.Add("periods", "duration_not_selectable", "this marketplace renews automatically: the duration is the plan's minimum")
	}
	if set.AutoRenewalOnly && in.AutoRenew != nil && !*in.AutoRenew {
		v.Add("auto_renew", "auto_renewal_only", "this marketplace renews automatically")
	}
	if in.ClientRef != "" && !clientRefRE.MatchString(in.ClientRef) {
		v.Add("client_ref", "invalid_format", "1 to 64 letters, digits, - or _")
	}
	return set, v.Err()
}

// newOrder makes the order quote q prices for in, placed by a, and the
// subscription it creates (neither stored yet).
func (s *Service) newOrder(ctx context.Context, a actor.Actor, in PlaceOrderInput, q channel.Quote, product catalog.Product, set Settings) (*Order, *Subscription) {
	plan := q.Plan
	o := &Order{ID: ids.New(OrderKind), Type: in.Type, CustomerOrgID: q.CustomerOrgID, SellerOrgID: q.SellerOrgID, VendorOrgID: product.OwnerOrgID,
		Push: a.OrgID != q.CustomerOrgID, ProductID: product.ID, PlanID: plan.ID, Periods: q.Periods, Quantities: in.Quantities,
		CouponCode: q.CouponCode, Status: OrderApproved, Detail: json.RawMessage(db.JSONText(q.Quote))}
	total, due := q.Total, q.FirstInvoice
	o.taxLines = q.Lines
	if in.Type == OrderTrial {
		// A trial costs the customer nothing until it converts. (A
		// self-billed sale is due too: its seller declares it paid.)
		due, o.taxLines = money.NewAmount(0, due.Currency()), nil
	}
	o.DurationSubtotal, o.Subtotal = &total, &due
	o.pricing = pricingOf(q)
	if product.RequiresApproval && !(o.Push && set.AutoApprovePush) {
		o.Status, o.AuditorOrgID = OrderRequiresApproval, s.auditor(ctx, product, q.SellerOrgID)
	}
	renewable := plan.Terms().Renewable()
	sub := &Subscription{ID: ids.New(SubscriptionKind), Kind: KindNormal, CustomerOrgID: o.CustomerOrgID, SellerOrgID: o.SellerOrgID,
		VendorOrgID: o.VendorOrgID, ProductID: product.ID, PlanID: plan.ID, OrderID: o.ID, Quantities: in.Quantities, Terms: plan.Terms(),
		Coupon: q.Coupon, Currency: total.Currency().Code(), Status: StatusRequiresApproval, Provisioning: ProvRequiresApproval,
		AutoRenew: plan.AutoRenew && renewable, CommitmentPeriods: q.Periods, StartedAt: s.db.Now(ctx), CreatedAt: s.db.Now(ctx),
		chain: levelsOf(q), rating: o.pricing.input, SelfBilled: q.SelfBilled, Prices: pricesOf(q)}
	if in.AutoRenew != nil {
		sub.AutoRenew = *in.AutoRenew && renewable
	}
	if set.AutoRenewalOnly {
		sub.AutoRenew = renewable
	}
	if in.Type == OrderTrial {
		sub.Kind, sub.ConvertAfterTrial = KindTrial, in.ConvertAfterTrial
	}
	o.SubscriptionID = sub.ID
	return o, sub
}

// storeOrder stores a new order and its subscription, uses the trial or
// redeems the coupon, and starts the subscription when the order needs no
// approval.
func (s *Service) storeOrder(ctx context.Context, in PlaceOrderInput, o *Order, sub *Subscription, q channel.Quote) error {
	if err := s.save(ctx, sub, true); err != nil {
		return err
	}
	if err := s.insertOrder(ctx, o); err != nil {
		return err
	}
	if in.ClientRef != "" {
		if _, err := s.db.Exec(ctx, `UPDATE orders SET client_ref = $1 WHERE id = $2`, in.ClientRef, o.ID); err != nil {
			return err
		}
	}
	if in.Type == OrderTrial {
		if err := s.useTrial(ctx, sub); err != nil {
			return err
		}
	}
	if q.CouponCode != "" {
		if _, err := s.catalog.RedeemCoupon(identity.AsSystem(ctx), catalog.CouponUse{Code: q.CouponCode, Plan: q.Plan, BuyerOrgID: o.CustomerOrgID,
			SellerOrgID: o.SellerOrgID, At: s.db.Now(ctx)}, o.ID); err != nil {
			return err
		}
	}
	if o.Status != OrderApproved {
		return nil
	}
	trialDays := 0
	if q.Trial != nil { // a trial order; the quote refused plans without one
		trialDays = q.Trial.Days
	}
	return s.activate(ctx, sub, *o, trialDays)
}

// auditor is who approves orders of a product: the reseller whose catalog
// sold it, otherwise the vendor.
func (s *Service) auditor(ctx context.Context, product catalog.Product, seller string) string {
	if org, _, err := s.identity.Org(ctx, seller); err == nil && org.Kind == identity.ResellerOrg {
		return seller
	}
	return product.OwnerOrgID
}

// useTrial records the customer's one trial of the product.
func (s *Service) useTrial(ctx context.Context, sub *Subscription) error {
	_, err := s.db.Exec(ctx, `INSERT INTO trial_usages (customer_org_id, product_id, subscription_id, started_at) VALUES ($1, $2, $3, $4)`,
		sub.CustomerOrgID, sub.ProductID, sub.ID, s.db.Now(ctx))
	if db.IsUniqueViolation(err) {
		return errs.Invalid("trial_already_used", "this customer has already tried this product",
			errs.Field("type", "trial_already_used", "one trial per product per customer"))
	}
	return err
}

func levelsOf(q channel.Quote) [][]channel.Level {
	if q.Levels == nil {
		return [][]channel.Level{}
	}
	return q.Levels
}

// pricesOf is the customer-level unit prices of a single-plan quote (a
// bundle's components are in the chain).
func pricesOf(q channel.Quote) *pricing.PlanPrices {
	if len(q.Levels) == 1 {
		p := q.Levels[0][len(q.Levels[0])-1].Sells
		return &p
	}
	return &pricing.PlanPrices{Currency: q.Currency}
}

// placeSandbox orders a vendor's own product for the vendor itself, at its
// list price, to test its provisioning.
func (s *Service) placeSandbox(ctx context.Context, a actor.Actor, in PlaceOrderInput) (Order, error) {
	if !identity.May(a, identity.Sandboxing) {
		return Order{}, errs.Forbidden("permission_denied", "sandbox orders need the sandboxing function")
	}
	var out Order
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		plan, err := s.catalog.CurrentPlan(identity.AsSystem(ctx), in.PlanID)
		if errs.Is(err, "plan_not_found") {
			return errs.Invalid("plan_not_found", "no such plan", errs.Field("plan_id", "plan_not_found", "no such plan"))
		}
		if err != nil {
			return err
		}
		product, err := s.catalog.GetProduct(identity.AsSystem(ctx), plan.ProductID)
		if err != nil {
			return err
		}
		if product.OwnerOrgID != a.OrgID && !identity.IsStaff(a) {
			return errs.Invalid("plan_not_found", "no such plan", errs.Field("plan_id", "plan_not_found", "a vendor sandboxes its own products"))
		}
		terms := plan.Terms()
		q, err := pricing.Compute(pricing.QuoteInput{Terms: terms, Prices: plan.Prices(), Quantities: in.Quantities, Periods: in.Periods, Start: s.db.Now(ctx)})
		if err != nil {
			return err
		}
		zero := money.NewAmount(0, q.Currency)
		vendorPrices := plan.Prices()
		o := &Order{ID: ids.New(OrderKind), Type: OrderSandbox, CustomerOrgID: product.OwnerOrgID, SellerOrgID: product.OwnerOrgID,
			VendorOrgID: product.OwnerOrgID, ProductID: product.ID, PlanID: plan.ID, Periods: q.Periods, Quantities: in.Quantities,
			DurationSubtotal: &q.Total, Subtotal: &zero, Status: OrderApproved, Detail: json.RawMessage(db.JSONText(q)),
			pricing: orderPricing{prices: &vendorPrices, chain: [][]channel.Level{}, terms: terms,
				input: pricing.QuoteInput{Terms: terms, Prices: vendorPrices, Quantities: in.Quantities}}}
		sub := &Subscription{ID: ids.New(SubscriptionKind), Kind: KindSandbox, CustomerOrgID: o.CustomerOrgID, SellerOrgID: o.SellerOrgID,
			VendorOrgID: o.VendorOrgID, ProductID: product.ID, PlanID: plan.ID, OrderID: o.ID, Quantities: in.Quantities, Terms: terms,
			Prices: &vendorPrices, Currency: q.Currency.Code(), Status: StatusRequiresApproval, Provisioning: ProvRequiresApproval,
			rating:            pricing.QuoteInput{Terms: terms, Prices: vendorPrices, Quantities: in.Quantities},
			CommitmentPeriods: q.Periods, StartedAt: s.db.Now(ctx), CreatedAt: s.db.Now(ctx), chain: [][]channel.Level{}}
		if err := s.save(ctx, sub, true); err != nil {
			return err
		}
		o.SubscriptionID = sub.ID
		if err := s.insertOrder(ctx, o); err != nil {
			return err
		}
		out = *o
		return s.activate(ctx, sub, *o, 0)
	})
	return out, err
}

// visibleOrder loads an order the caller may see: its customer's channel
// (the customer, its resellers and distributor), its vendor, and staff.
func (s *Service) visibleOrder(ctx context.Context, a actor.Actor, id string) (Order, error) {
	if !ids.Valid(OrderKind, id) {
		return Order{}, errOrderNotFound
	}
	q := db.NewQuery(`SELECT `+orderColumns+` FROM orders WHERE id = $1 AND (`, id)
	q.Add(identity.VisibleOrgs(a, "customer_org_id", q) + " OR vendor_org_id = " + q.Arg(a.OrgID) + ")")
	o, err := db.Get(ctx, s.db, scanOrder, q.SQL(), q.Args()...)
	if errors.Is(err, db.ErrNoRows) {
		return o, errOrderNotFound
	}
	return o, err
}

// orderView is o as the caller may see it: the customer's price only for
// the customer, its seller and staff.
func orderView(a actor.Actor, o Order) Order {
	o.settle()
	return orderSight(a, o) // views.go: prices as channel.PriceSight decides
}

// GetOrder returns an order the caller may see.
func (s *Service) GetOrder(ctx context.Context, id string) (Order, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return Order{}, err
	}
	if err := validate.CheckID("id", OrderKind, id); err != nil {
		return Order{}, err
	}
	o, err := s.visibleOrder(ctx, a, id)
	return orderView(a, o), err
}
