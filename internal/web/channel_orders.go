package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// channelExtraInput is the quantity input of one extra resource.
type channelExtraInput struct {
	Extra catalog.Extra
	Field Field
}

// channelNewOrderData is the push order page.
type channelNewOrderData struct {
	Tabs     []channelTab
	Customer identity.Organization
	Catalog  *channel.PriceCatalog
	Plans    []channelOption
	Plan     *catalog.Plan
	Extras   []channelExtraInput
	// Periods is false when the marketplace renews automatically only (the
	// duration is the plan's minimum).
	Periods bool
	Quote   *channel.Quote
	// Tax is the tax estimated on the quote's first invoice, as checkout
	// and the order estimate it.
	Tax quoteTax
	// Confirm carries the quoted input to the confirmation form.
	Confirm url.Values
}

// channelOrderInput reads a push order's input (from the query of the
// quote step or the body of the confirmation) for plan.
func channelOrderInput(form url.Values, customerID string, plan *catalog.Plan) (subscription.PlaceOrderInput, []errs.FieldError) {
	in := subscription.PlaceOrderInput{PlanID: strings.TrimSpace(form.Get("plan_id")), CouponCode: strings.TrimSpace(form.Get("coupon_code")),
		CustomerOrgID: customerID}
	var fields []errs.FieldError
	if s := strings.TrimSpace(form.Get("periods")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fields = append(fields, errs.Field("periods", "invalid_number", "must be a whole number of billing periods, 1 or more"))
		} else {
			in.Periods = n
		}
	}
	if plan != nil {
		for _, x := range plan.Extras {
			name := "quantities." + x.ID
			s := strings.TrimSpace(form.Get(name))
			if s == "" {
				continue
			}
			d, err := money.ParseDecimal(s)
			if err != nil {
				fields = append(fields, errs.Field(name, "invalid_number", "is not a quantity such as 5"))
				continue
			}
			if in.Quantities == nil {
				in.Quantities = map[string]money.Decimal{}
			}
			in.Quantities[x.ID] = d
		}
	}
	return in, fields
}

// channelPushable checks the party may place orders on its customers'
// behalf (resellers may; distributors do not place orders).
func channelPushable(r *http.Request) error {
	if !may(r, identity.OrderPlacement) {
		return errs.Forbidden("permission_denied", "placing orders on a customer's behalf needs the order placement function")
	}
	return nil
}

// channelNewOrderPage is the push order form: the plan (from the catalog
// the customer buys from), quantities, duration and coupon; with
// step=quote it shows the price the order would be placed at, through the
// same quote as checkout and the API, and the button that places it.
func (h *handler) channelNewOrderPage(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := channelPushable(r); err != nil {
		return err
	}
	ctx := r.Context()
	cust, err := h.channelCustomer(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	set, err := h.subs.Settings(ctx)
	if err != nil {
		return err
	}
	d := channelNewOrderData{Tabs: channelTabs(r), Customer: cust, Periods: !set.AutoRenewalOnly}
	if err := h.channelOrderPlans(ctx, &d); err != nil {
		return err
	}

	form := r.URL.Query() // the quote step's, or the body of a refused confirmation
	if r.Method == http.MethodPost {
		form = r.PostForm
	}
	planID := strings.TrimSpace(form.Get("plan_id"))
	if planID != "" {
		if pl, err := h.cat.GetPlan(ctx, planID); err == nil {
			d.Plan = &pl
		}
	}
	f := v.Form("order")
	if r.Method == http.MethodGet && len(r.URL.Query()) > 0 {
		in, fields := channelOrderInput(form, cust.ID, d.Plan)
		if d.Plan == nil && planID != "" {
			fields = append(fields, errs.Field("plan_id", "plan_not_found", "is not a plan this customer can buy"))
		}
		if len(fields) == 0 && form.Get("step") == "quote" && planID != "" {
			if fields, err = h.channelOrderQuote(ctx, &d, in); err != nil {
				return err
			}
		}
		f = newForm(r.URL.Query(), fields)
		v.setForm("order", f)
		if len(fields) > 0 {
			v.Status = http.StatusUnprocessableEntity
		}
	}
	if d.Plan != nil {
		d.addExtras(f)
	}
	v.Title = "New order for " + cust.Name
	v.Data = d
	return h.render(w, r, v, channelPanel)
}

// channelOrderPlans lists the plans of the price catalog assigned to d's
// customer, with their selling prices.
func (h *handler) channelOrderPlans(ctx context.Context, d *channelNewOrderData) error {
	as, err := h.ch.GetAssignment(ctx, d.Customer.ID)
	if err != nil {
		return err
	}
	c, err := h.ch.GetPriceCatalog(ctx, as.CatalogID)
	if err != nil {
		return err
	}
	d.Catalog = &c
	prices, err := h.ch.CatalogPrices(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, p := range prices {
		d.Plans = append(d.Plans, channelOption{Value: p.PlanID,
			Label: p.ProductName + " — " + p.PlanName + " (" + money.Format(p.SellsAmounts.Recurring) + ")"})
	}
	return nil
}

// channelOrderQuote prices in (the quote step) into d, with its tax and
// the values to confirm the order with. A refusal of the inputs is
// returned as field errors; unexpected errors as the error.
func (h *handler) channelOrderQuote(ctx context.Context, d *channelNewOrderData, in subscription.PlaceOrderInput) ([]errs.FieldError, error) {
	q, err := h.ch.Quote(ctx, channel.QuoteInput{PlanID: in.PlanID, Quantities: in.Quantities, Periods: in.Periods,
		CouponCode: in.CouponCode, CustomerOrgID: d.Customer.ID})
	if e, ok := errs.As(err); ok && e.Kind == errs.KindInvalid {
		if len(e.Fields) == 0 {
			return []errs.FieldError{{Field: "plan_id", Code: e.Code, Message: e.Message}}, nil
		}
		return e.Fields, nil
	}
	if err != nil {
		return nil, err
	}
	d.Quote = &q
	product, err := h.cat.GetProduct(ctx, q.Plan.ProductID)
	if err != nil {
		return nil, err
	}
	if d.Tax, err = h.quoteTaxOf(ctx, q, product); err != nil {
		return nil, err
	}
	d.Confirm = url.Values{"plan_id": {q.PlanID}, "coupon_code": {in.CouponCode}}
	if in.Periods != 0 {
		d.Confirm.Set("periods", strconv.Itoa(in.Periods))
	}
	for id, qty := range in.Quantities {
		d.Confirm.Set("quantities."+id, qty.String())
	}
	return nil, nil
}

// addExtras adds the quantity inputs of the extra resources of d's plan
// to form f.
func (d *channelNewOrderData) addExtras(f *Form) {
	for _, x := range d.Plan.Extras {
		def := ""
		if x.Required {
			def = x.Scheme.MinPurchase().String()
		}
		fd := f.Field("quantities."+x.ID, x.Name, "text", def, "off")
		if x.Unit != "" {
			fd = fd.WithHint("Quantity in " + x.Unit + "s" + map[bool]string{true: "; required", false: ""}[x.Required])
		}
		d.Extras = append(d.Extras, channelExtraInput{Extra: x, Field: fd})
	}
}

// channelPlaceOrder places the quoted order on the customer's behalf.
func (h *handler) channelPlaceOrder(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := channelPushable(r); err != nil {
		return err
	}
	ctx := r.Context()
	cust, err := h.channelCustomer(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	back := "/channel/customers/" + cust.ID + "/orders/new"
	var plan *catalog.Plan
	if pl, err := h.cat.GetPlan(ctx, strings.TrimSpace(r.PostForm.Get("plan_id"))); err == nil {
		plan = &pl
	}
	in, fields := channelOrderInput(r.PostForm, cust.ID, plan)
	if len(fields) > 0 {
		return h.formFailed(w, r, v, "order", channelInvalid(fields), back, h.channelNewOrderPage)
	}
	o, err := h.subs.PlaceOrder(ctx, in)
	if err != nil {
		return h.formFailed(w, r, v, "order", err, back, h.channelNewOrderPage)
	}
	total := o.Subtotal // orders record their tax; an order without one says so
	if o.Total != nil {
		total = o.Total
	}
	msg := fmt.Sprintf("The order was placed for %s: %s in total.", cust.Name, money.Format(*total))
	if o.Total == nil {
		msg = fmt.Sprintf("The order was placed for %s: %s before tax.", cust.Name, money.Format(*total))
	}
	if o.Status == subscription.OrderRequiresApproval {
		msg += " It waits for approval before the subscription starts."
	}
	return h.done(w, r, "/channel/customers/"+cust.ID, msg)
}

// channelOrdersData is the approvals page.
type channelOrdersData struct {
	Tabs []channelTab
	// ToReview wait for the party's decision; Waiting for someone else's
	// (the vendor's) on the party's customers' orders.
	ToReview []channelOrderRow
	Waiting  []channelOrderRow
	More     bool
}

// channelOrdersPage lists the orders waiting for approval: the party's to
// decide, and its customers' waiting for their vendor.
func (h *handler) channelOrdersPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	names := h.lookups()
	orgs := orgCache{id: h.id}
	rows := func(f subscription.OrderFilter, keep func(subscription.Order) bool) ([]channelOrderRow, bool, error) {
		f.Page = page.Request{Limit: page.MaxLimit}
		orders, next, err := h.subs.ListOrders(ctx, f)
		if err != nil {
			return nil, false, err
		}
		var out []channelOrderRow
		for _, o := range orders {
			if !keep(o) {
				continue
			}
			cust, err := orgs.get(ctx, o.CustomerOrgID)
			if err != nil {
				return nil, false, err
			}
			out = append(out, channelOrderRow{Order: o, Plan: channelPlanName(ctx, names, o.ProductID, o.PlanID), Customer: cust.Name})
		}
		return out, next != "", nil
	}
	me := orgOf(r)
	d := channelOrdersData{Tabs: channelTabs(r)}
	var more1, more2 bool
	var err error
	if d.ToReview, more1, err = rows(subscription.OrderFilter{ToReview: true}, func(subscription.Order) bool { return true }); err != nil {
		return err
	}
	if d.Waiting, more2, err = rows(subscription.OrderFilter{Status: subscription.OrderRequiresApproval},
		func(o subscription.Order) bool { return o.AuditorOrgID != me }); err != nil {
		return err
	}
	d.More = more1 || more2
	v.Title = "Orders to approve"
	v.Data = d
	return h.render(w, r, v, channelPanel)
}

// channelApproveOrder approves an order the party audits.
func (h *handler) channelApproveOrder(w http.ResponseWriter, r *http.Request, v *view) error {
	o, err := h.subs.ApproveOrder(r.Context(), r.PathValue("id"))
	if err != nil {
		return h.formFailed(w, r, v, "approve", err, "/channel/orders", h.channelOrdersPage)
	}
	return h.done(w, r, "/channel/orders", "The order "+shortID(o.ID)+" was approved: its subscription starts.")
}

// channelRejectOrder rejects an order the party audits, with the reason the
// customer reads.
func (h *handler) channelRejectOrder(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	o, err := h.subs.RejectOrder(r.Context(), id, r.PostForm.Get("reason"))
	if err != nil {
		return h.formFailed(w, r, v, "reject-"+id, err, "/channel/orders", h.channelOrdersPage)
	}
	return h.done(w, r, "/channel/orders", "The order "+shortID(o.ID)+" was rejected; the customer is told why.")
}
