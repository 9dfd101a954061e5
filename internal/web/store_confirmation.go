package web

import (
	"encoding/json"
	"net/http"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// storeConfirmationData is the order confirmation's content.
type storeConfirmationData struct {
	Order   subscription.Order
	Product catalog.Product
	Plan    catalog.Plan
	// Quote is the price frozen on the order.
	Quote *pricing.Quote
	// Invoice is the order's first invoice once billing has issued it
	// (with its number); nil before.
	Invoice *billing.Invoice
	// Instructions are the marketplace's bank-transfer instructions.
	Instructions string
	Trial        bool
	Approval     bool
	SelfBilled   bool
	// NothingDue: the order charges nothing or is paid (Paid).
	NothingDue bool
	Paid       bool
	// Push is an order placed for a customer, shown to whoever placed it.
	Push     bool
	Customer identity.Organization
}

// storeConfirmationPage confirms an order to the customer that placed it:
// what was ordered at what price, and how to pay by bank transfer. Other
// organizations' orders are not found.
func (h *handler) storeConfirmationPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	o, err := h.subs.GetOrder(ctx, r.PathValue("id"))
	if errs.KindOf(err) == errs.KindInvalid {
		err = errs.NotFound("order_not_found", "no such order")
	}
	if err != nil {
		return err
	}
	me := currentUser(r).Actor.OrgID
	if (o.CustomerOrgID != me && o.PlacedByOrgID != me) || o.Subtotal == nil {
		// The confirmation is the buyer's (or the reseller's that placed
		// it); the rest of the channel and the vendor follow orders in
		// their panels.
		return errs.NotFound("order_not_found", "no such order")
	}
	d := storeConfirmationData{Order: o, Push: o.CustomerOrgID != me, Trial: o.Type == subscription.OrderTrial, Approval: o.Status == subscription.OrderRequiresApproval}
	if d.Product, err = h.cat.GetProduct(ctx, o.ProductID); err != nil && errs.KindOf(err) != errs.KindNotFound {
		return err
	}
	if d.Plan, err = h.cat.GetPlan(ctx, o.PlanID); err != nil && errs.KindOf(err) != errs.KindNotFound {
		return err
	}
	var q pricing.Quote
	if len(o.Detail) > 0 && json.Unmarshal(o.Detail, &q) == nil && len(q.Lines) > 0 {
		d.Quote = &q
	}
	set, err := h.bill.Settings(ctx)
	if err != nil {
		return err
	}
	d.Instructions = set.PaymentInstructions
	if o.SubscriptionID != "" {
		invs, _, err := h.bill.ListInvoices(ctx, billing.InvoiceFilter{RecipientOrgID: o.CustomerOrgID, SubscriptionID: o.SubscriptionID,
			Page: page.Request{Limit: page.MaxLimit}})
		if err != nil {
			return err
		}
		// Newest first: the order's own invoice is the oldest issued one.
		for i := len(invs) - 1; i >= 0; i-- {
			inv := invs[i]
			if inv.Number != "" && inv.Kind != billing.KindCreditNote {
				d.Invoice = &inv
				break
			}
		}
		if sub, err := h.subs.GetSubscription(ctx, o.SubscriptionID); err == nil {
			d.SelfBilled = sub.SelfBilled
		} else if errs.KindOf(err) != errs.KindNotFound {
			return err
		}
	}
	d.NothingDue, d.Paid = o.AmountDue != nil && o.AmountDue.IsZero(), o.PaidAt != nil
	if d.Push {
		if d.Customer, err = h.id.GetOrganization(ctx, o.CustomerOrgID); err != nil && errs.KindOf(err) != errs.KindNotFound {
			return err
		}
	}
	v.Title = "Order confirmation"
	v.Data = d
	return h.render(w, r, v, "store_confirmation")
}
