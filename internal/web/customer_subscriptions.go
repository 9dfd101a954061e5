package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// customerSub is a subscription as the dashboard shows it.
type customerSub struct {
	Sub  subscription.Subscription
	Item customerItem
}

// customerBadgeOf is a status's badge.
func customerBadgeOf(names []statusName, value string) customerBadge {
	n := nameOf(names, value)
	return customerBadge{Label: n.Label, Tone: n.Tone}
}

// Status is the subscription's commercial status.
func (s customerSub) Status() customerBadge {
	return customerBadgeOf(subscriptionStatuses, s.Sub.Status)
}

// Provisioning is where its service stands.
func (s customerSub) Provisioning() customerBadge {
	return customerBadgeOf(provisioningStatuses, s.Sub.Provisioning)
}

// Ended reports whether the subscription is over.
func (s customerSub) Ended() bool {
	switch s.Sub.Status {
	case subscription.StatusExpired, subscription.StatusTerminated, subscription.StatusRejected:
		return true
	}
	return false
}

// Renewable reports whether the plan renews, so auto-renew applies.
func (s customerSub) Renewable() bool { return s.Sub.Terms.Renewable() }

// NextDate is the date of the next renewal, or the end of the trial or
// of the subscription; nil when there is none.
func (s customerSub) NextDate() *time.Time {
	switch {
	case s.Ended():
		return nil
	case s.Sub.Status == subscription.StatusTrialing:
		return s.Sub.TrialEnd
	}
	return s.Sub.CommitmentEnd
}

// NextLabel says what happens at NextDate.
func (s customerSub) NextLabel() string {
	switch {
	case s.Ended():
		return ""
	case s.Sub.Status == subscription.StatusTrialing && s.Sub.ConvertAfterTrial:
		return "Trial ends; paid subscription starts"
	case s.Sub.Status == subscription.StatusTrialing:
		return "Trial ends"
	case s.Sub.CommitmentEnd == nil:
		return ""
	case !s.Renewable():
		return "Ends"
	case s.Sub.AutoRenew:
		return "Renews"
	}
	return "Ends unless renewed"
}

// customerSubFilters are the status filter's choices.
var customerSubFilters = func() [][2]string {
	out := [][2]string{{"", "All statuses"}}
	for _, n := range subscriptionStatuses {
		out = append(out, [2]string{n.Value, n.Label})
	}
	return out
}()

// customerSubscriptions lists the organization's subscriptions, newest
// first, filtered by status.
func (h *handler) customerSubscriptions(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	status := q.Get("status")
	if !slices.ContainsFunc(customerSubFilters, func(c [2]string) bool { return c[0] == status }) {
		status = ""
	}
	ctx := r.Context()
	subs, next, err := h.subs.ListSubscriptions(ctx, subscription.SubscriptionFilter{CustomerOrgID: orgOf(r), Status: status,
		Page: page.Request{Cursor: q.Get("cursor")}})
	if err != nil {
		return err
	}
	d := customerList[customerSub]{Status: status, Filtered: status != "", Filters: customerFilters(status, customerSubFilters...)}
	names := h.lookups()
	for _, s := range subs {
		it, err := names.item(ctx, s.ProductID, s.PlanID)
		if err != nil {
			return err
		}
		d.Rows = append(d.Rows, customerSub{Sub: s, Item: it})
	}
	d.Next, d.First = customerPageLinks("/my/subscriptions", q, next)
	v.Title = "Your subscriptions"
	v.Data = d
	return h.render(w, r, v, "customer_subscriptions")
}

// customerSubOf loads subscription id of the signed-in customer's
// organization; anyone else's is not found.
func (h *handler) customerSubOf(r *http.Request, id string) (subscription.Subscription, error) {
	sub, err := h.subs.GetSubscription(r.Context(), id)
	if k := errs.KindOf(err); k == errs.KindInvalid {
		return sub, customerNotFound
	}
	if err != nil {
		return sub, err
	}
	if sub.CustomerOrgID != orgOf(r) {
		return subscription.Subscription{}, customerNotFound
	}
	return sub, nil
}

// customerExtra is an extra resource of the subscription's plan with the
// quantity bought.
type customerExtra struct {
	Name     string
	Unit     string
	Quantity string
	Postpaid bool
}

// customerCredential is one credential the vendor reported.
type customerCredential struct {
	Key   string
	Value string
}

// customerPeriod is what the subscription costs each period, before tax.
type customerPeriod struct {
	Lines []pricing.QuoteLine
	Total money.Amount
}

// customerSubData is the subscription page's content.
type customerSubData struct {
	customerSub
	Extras      []customerExtra
	Metrics     []catalog.Metric
	Credentials []customerCredential
	Period      *customerPeriod
	Pending     string
	Invoices    []customerInvoiceRow
	AllInvoices string
	Orders      []customerOrderRow
	// CanChange offers the plan and quantity change.
	CanChange bool
	Bundle    bool
}

// customerSubscription shows one subscription: its status, the service the
// vendor reported, what it costs, its invoices and orders, and the
// actions on it.
func (h *handler) customerSubscription(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	sub, err := h.customerSubOf(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	names := h.lookups()
	it, err := names.item(ctx, sub.ProductID, sub.PlanID)
	if err != nil {
		return err
	}
	d := customerSubData{customerSub: customerSub{Sub: sub, Item: it}, Metrics: it.plan.Metrics}
	d.Bundle = len(it.plan.Components) > 0
	d.CanChange = (sub.Status == subscription.StatusActive || sub.Status == subscription.StatusTrialing) && !d.Bundle && it.plan.ID != ""
	for _, x := range it.plan.Extras {
		e := customerExtra{Name: x.Name, Unit: x.Unit, Postpaid: x.Billing == string(pricing.Postpaid), Quantity: "—"}
		if q, ok := sub.Quantities[x.ID]; ok {
			e.Quantity = money.FormatDecimal(q)
		}
		d.Extras = append(d.Extras, e)
	}
	for k, val := range sub.Credentials {
		d.Credentials = append(d.Credentials, customerCredential{Key: k, Value: val})
	}
	slices.SortFunc(d.Credentials, func(a, b customerCredential) int { return strings.Compare(a.Key, b.Key) })
	if !d.Bundle && !d.Ended() {
		d.Period = h.customerPeriodPrice(r, sub)
	}
	if pc := sub.PendingChange; pc != nil {
		target, err := names.plan(ctx, pc.PlanID)
		if err != nil {
			return err
		}
		name := target.Name
		if name == "" {
			name = "another plan"
		}
		d.Pending = "Changes to " + name
		if sub.CurrentPeriodEnd != nil {
			d.Pending += " on " + format(sub.CurrentPeriodEnd, "2 Jan 2006")
		}
		d.Pending += ", when the current period ends."
	}
	invs, more, err := h.bill.ListInvoices(ctx, billing.InvoiceFilter{RecipientOrgID: orgOf(r), SubscriptionID: sub.ID, Page: page.Request{Limit: 10}})
	if err != nil {
		return err
	}
	for _, inv := range invs {
		if inv.Status != billing.StatusDraft {
			d.Invoices = append(d.Invoices, customerInvoiceRow{Inv: inv})
		}
	}
	if more != "" {
		d.AllInvoices = "/my/invoices?subscription=" + url.QueryEscape(sub.ID)
	}
	orders, _, err := h.subs.ListOrders(ctx, subscription.OrderFilter{SubscriptionID: sub.ID, Page: page.Request{Limit: 10}})
	if err != nil {
		return err
	}
	for _, o := range orders {
		d.Orders = append(d.Orders, customerOrderRow{Order: o, Item: it})
	}
	v.Title = it.Product + " " + it.Plan
	v.Data = d
	return h.render(w, r, v, "customer_subscription")
}

// customerPeriodPrice is what the subscription costs each period at its
// frozen price: the pricing engine rating its configuration for its
// current period, as a change of plan does to credit the unused part.
// Nil when it cannot be shown (no period, a bundle).
func (h *handler) customerPeriodPrice(r *http.Request, sub subscription.Subscription) *customerPeriod {
	if sub.Prices == nil || sub.CurrentPeriodStart == nil || !sub.Terms.Renewable() {
		return nil
	}
	prices := *sub.Prices
	prices.Setup = money.Decimal{}
	q, err := pricing.Compute(pricing.QuoteInput{Terms: sub.Terms, Prices: prices, Quantities: sub.Quantities, Coupon: sub.Coupon,
		Start: *sub.CurrentPeriodStart})
	if err != nil {
		h.log.WarnContext(r.Context(), "price a subscription's period", "subscription", sub.ID, "err", err, "request_id", requestID(r))
		return nil
	}
	total, err := subscription.PeriodCharge(q)
	if err != nil {
		return nil
	}
	p := &customerPeriod{Total: total}
	for _, l := range q.Lines {
		if l.Recurring {
			p.Lines = append(p.Lines, l)
		}
	}
	return p
}

// customerAutoRenew switches auto-renew on or off.
func (h *handler) customerAutoRenew(w http.ResponseWriter, r *http.Request, v *view) error {
	sub, err := h.customerSubOf(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	back := "/my/subscriptions/" + sub.ID
	on, perr := strconv.ParseBool(r.PostForm.Get("auto_renew"))
	if perr != nil {
		err := errs.Invalid("validation_failed", "auto_renew: not on or off", errs.Field("auto_renew", "invalid", "must be on or off"))
		return h.formFailed(w, r, v, "autorenew", err, back, h.customerSubscription)
	}
	sub, err = h.subs.Update(r.Context(), sub.ID, subscription.UpdateInput{AutoRenew: &on})
	if err != nil {
		return h.formFailed(w, r, v, "autorenew", err, back, h.customerSubscription)
	}
	msg := "Auto-renew is off."
	if sub.CommitmentEnd != nil {
		msg = fmt.Sprintf("Auto-renew is off: the subscription ends on %s unless you renew it.", format(sub.CommitmentEnd, "2 Jan 2006"))
	}
	if on {
		msg = "Auto-renew is on."
		if sub.CommitmentEnd != nil {
			msg = fmt.Sprintf("Auto-renew is on: the subscription renews on %s.", format(sub.CommitmentEnd, "2 Jan 2006"))
		}
	}
	return h.done(w, r, back, msg)
}

// customerCancelPage asks to confirm the cancellation.
func (h *handler) customerCancelPage(w http.ResponseWriter, r *http.Request, v *view) error {
	sub, err := h.customerSubOf(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	it, err := h.lookups().item(r.Context(), sub.ProductID, sub.PlanID)
	if err != nil {
		return err
	}
	d := customerSub{Sub: sub, Item: it}
	if d.Ended() {
		setFlash(w, h.secure, flashInfo, "This subscription has already ended.")
		http.Redirect(w, r, "/my/subscriptions/"+sub.ID, http.StatusSeeOther)
		return nil
	}
	v.Title = "Cancel " + it.Product + " " + it.Plan
	v.Data = d
	return h.render(w, r, v, "customer_cancel")
}

// customerCancel terminates the subscription now (the API's terminate).
func (h *handler) customerCancel(w http.ResponseWriter, r *http.Request, v *view) error {
	sub, err := h.customerSubOf(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	back := "/my/subscriptions/" + sub.ID
	if _, err := h.subs.Terminate(r.Context(), sub.ID, strings.TrimSpace(r.PostForm.Get("reason"))); err != nil {
		return h.formFailed(w, r, v, "cancel", err, back, h.customerCancelPage)
	}
	return h.done(w, r, back, "The subscription was cancelled. The vendor has been told to remove the service.")
}
