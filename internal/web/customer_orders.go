package web

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// customerOrderRow is an order as the dashboard lists it.
type customerOrderRow struct {
	Order subscription.Order
	Item  customerItem
}

// customerOrderTypes name the order types.
var customerOrderTypes = map[string]string{
	subscription.OrderNormal:      "New subscription",
	subscription.OrderTrial:       "Trial",
	subscription.OrderSandbox:     "Sandbox",
	subscription.OrderRenewal:     "Renewal",
	subscription.OrderChange:      "Plan change",
	subscription.OrderTermination: "Cancellation",
}

// Type names the order's type.
func (o customerOrderRow) Type() string {
	if t, ok := customerOrderTypes[o.Order.Type]; ok {
		return t
	}
	return o.Order.Type
}

// Paid reports whether the order's payment came in.
func (o customerOrderRow) Paid() bool { return o.Order.PaidAt != nil }

// PaymentDue reports whether an approved order still waits for its
// payment.
func (o customerOrderRow) PaymentDue() bool {
	return o.Order.Status == subscription.OrderApproved && o.Order.PaidAt == nil && o.Order.AmountDue != nil && o.Order.AmountDue.IsPositive()
}

// Status is the order's approval state, paid included.
func (o customerOrderRow) Status() customerBadge {
	switch o.Order.Status {
	case subscription.OrderRequiresApproval:
		return customerBadge{"Waiting approval", "warn"}
	case subscription.OrderRejected:
		return customerBadge{"Rejected", "danger"}
	case subscription.OrderCancelled:
		return customerBadge{"Cancelled", "muted"}
	case subscription.OrderApproved:
		switch {
		case o.Paid():
			return customerBadge{"Paid", "ok"}
		case o.PaymentDue():
			return customerBadge{"Approved, payment due", "warn"}
		}
		return customerBadge{"Approved", "ok"}
	}
	return customerBadge{Label: o.Order.Status}
}

// customerOrderFilters are the status filter's choices.
var customerOrderFilters = [][2]string{
	{"", "All orders"},
	{subscription.OrderRequiresApproval, "Waiting approval"},
	{subscription.OrderApproved, "Approved"},
	{subscription.OrderRejected, "Rejected"},
	{subscription.OrderCancelled, "Cancelled"},
}

// customerOrders lists the organization's orders, newest first, by
// approval state.
func (h *handler) customerOrders(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	q := r.URL.Query()
	status := customerChoice(customerOrderFilters, q.Get("status"))
	orders, next, err := h.subs.ListOrders(ctx, subscription.OrderFilter{Status: status, Page: page.Request{Cursor: q.Get("cursor")}})
	if err != nil {
		return err
	}
	d := customerList[customerOrderRow]{Status: status, Filtered: status != "", Filters: customerFilters(status, customerOrderFilters...)}
	names := h.lookups()
	for _, o := range orders {
		if o.CustomerOrgID != orgOf(r) {
			continue
		}
		it, err := names.item(ctx, o.ProductID, o.PlanID)
		if err != nil {
			return err
		}
		d.Rows = append(d.Rows, customerOrderRow{Order: o, Item: it})
	}
	d.Next, d.First = customerPageLinks("/my/orders", q, next)
	v.Title = "Your orders"
	v.Data = d
	return h.render(w, r, v, "customer_orders")
}

// customerQuantity is an extra resource ordered.
type customerQuantity struct {
	Name     string
	Quantity money.Decimal
}

// customerOrderData is the order page's content.
type customerOrderData struct {
	customerOrderRow
	Quantities []customerQuantity
	// Lines are the priced lines frozen with the order (its quote).
	Lines []pricing.QuoteLine
	// PerPeriod is what each period after the first comes to, before tax
	// (the order's own amounts are on Order).
	PerPeriod *money.Amount
	// Change orders: what changed and how it was prorated.
	Direction string
	Effective string
	FromPlan  string
	Proration *subscription.Proration
	// PlacedFor is set when the channel placed the order for the customer.
	PlacedFor bool
}

// customerOrderDetail is what an order's frozen detail may hold: a quote
// (new, renewal and trial orders) or a change's proration.
type customerOrderDetail struct {
	pricing.Quote
	Direction  string                  `json:"direction"`
	Effective  string                  `json:"effective"`
	FromPlanID string                  `json:"from_plan_id"`
	Proration  *subscription.Proration `json:"proration"`
}

// customerOrder shows one order: what was ordered, its approval state
// and payment, and its price.
func (h *handler) customerOrder(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	o, err := h.subs.GetOrder(ctx, r.PathValue("id"))
	if errs.KindOf(err) == errs.KindInvalid {
		return customerNotFound
	}
	if err != nil {
		return err
	}
	if o.CustomerOrgID != orgOf(r) {
		return customerNotFound
	}
	names := h.lookups()
	it, err := names.item(ctx, o.ProductID, o.PlanID)
	if err != nil {
		return err
	}
	d := customerOrderData{customerOrderRow: customerOrderRow{Order: o, Item: it}, PlacedFor: o.Push}
	for _, x := range it.plan.Extras {
		if q, ok := o.Quantities[x.ID]; ok {
			d.Quantities = append(d.Quantities, customerQuantity{Name: x.Name, Quantity: q})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(o.Quantities)) {
		if !slices.ContainsFunc(it.plan.Extras, func(x catalog.Extra) bool { return x.ID == id }) {
			d.Quantities = append(d.Quantities, customerQuantity{Name: id, Quantity: o.Quantities[id]})
		}
	}
	var det customerOrderDetail
	if len(o.Detail) > 0 && json.Unmarshal(o.Detail, &det) == nil {
		switch {
		case o.Type == subscription.OrderChange:
			d.Direction, d.Effective, d.Proration = det.Direction, det.Effective, det.Proration
			if det.FromPlanID != "" {
				from, err := names.plan(ctx, det.FromPlanID)
				if err != nil {
					return err
				}
				d.FromPlan = from.Name
			}
		case len(det.Lines) > 0:
			d.Lines = det.Lines
			if det.Renewable && !det.RecurringPerPeriod.Currency().IsZero() {
				d.PerPeriod = &det.RecurringPerPeriod
			}
		}
	}
	v.Title = "Order " + strings.ToLower(d.Type()) + ": " + it.Product + " " + it.Plan
	v.Data = d
	return h.render(w, r, v, "customer_order")
}
