package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Checkout is one form, GET /checkout, whose inputs are the order: plan,
// trial or purchase, duration, extra-resource quantities, coupon, renewal.
// Every change is priced by channel.Quote, the code path of POST
// /api/v1/quotes and of the order itself:
//
//   - without JavaScript, "Update price" submits the form (GET) and the
//     page comes back with the new summary;
//   - store.js fetches GET /checkout/quote with the same query on every
//     change and swaps the fragment's slots (summary, coupon feedback, the
//     order form) into the page.
//
// The order form (POST /checkout) is a separate form carrying the quoted
// inputs as hidden fields and the CSRF token, so a buyer orders exactly
// what the summary shows, and the token never lands in a URL.

// storeQtyPrefix prefixes the input name of an extra resource's quantity:
// "quantities.<extra id>", the service's field name.
const storeQtyPrefix = "quantities."

// storeCheckoutForm is the checkout's input as submitted.
type storeCheckoutForm struct {
	PlanID    string
	Type      string // subscription.OrderNormal or OrderTrial
	Periods   string
	Coupon    string
	AutoRenew string // "on", "off", or "" for the plan's default
	Convert   bool
	// Customer is the customer a reseller, distributor or administrator
	// orders for (the service's customer_org_id); empty for a customer.
	Customer   string
	Quantities map[string]string
	// Errors are the inputs that could not even be read.
	Errors []errs.FieldError
}

func storeReadCheckout(vals url.Values) storeCheckoutForm {
	f := storeCheckoutForm{PlanID: strings.TrimSpace(vals.Get("plan")), Type: vals.Get("type"), Periods: strings.TrimSpace(vals.Get("periods")),
		Coupon: strings.ToUpper(strings.TrimSpace(vals.Get("coupon"))), AutoRenew: vals.Get("auto_renew"),
		Convert: vals.Get("convert_after_trial") != "", Customer: strings.TrimSpace(vals.Get("customer_org_id")), Quantities: map[string]string{}}
	if f.Type != subscription.OrderTrial {
		f.Type = subscription.OrderNormal
	}
	if f.AutoRenew != "on" && f.AutoRenew != "off" {
		f.AutoRenew = ""
	}
	for k, v := range vals {
		if id, ok := strings.CutPrefix(k, storeQtyPrefix); ok && len(v) > 0 {
			f.Quantities[id] = strings.TrimSpace(v[0])
		}
	}
	return f
}

// values writes f back as the query of the checkout form.
func (f storeCheckoutForm) values() url.Values {
	v := url.Values{"plan": {f.PlanID}}
	if f.Type == subscription.OrderTrial {
		v.Set("type", f.Type)
	}
	for k, s := range map[string]string{"periods": f.Periods, "coupon": f.Coupon, "auto_renew": f.AutoRenew, "customer_org_id": f.Customer} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Convert {
		v.Set("convert_after_trial", "1")
	}
	for id, q := range f.Quantities {
		if q != "" {
			v.Set(storeQtyPrefix+id, q)
		}
	}
	return v
}

// parsed turns the inputs into the service's terms, recording the ones
// that are not numbers as field errors.
func (f *storeCheckoutForm) parsed() (periods int, qty map[string]money.Decimal) {
	if f.Periods != "" {
		n, err := strconv.Atoi(f.Periods)
		if err != nil || n < 0 {
			f.Errors = append(f.Errors, errs.Field("periods", "invalid_number", "must be a whole number of periods"))
		}
		periods = n
	}
	qty = map[string]money.Decimal{}
	for _, id := range slices.Sorted(maps.Keys(f.Quantities)) {
		s := f.Quantities[id]
		if s == "" {
			continue
		}
		d, err := money.ParseDecimal(s)
		if err != nil || d.IsNegative() {
			f.Errors = append(f.Errors, errs.Field(storeQtyPrefix+id, "invalid_number", "must be a number, 0 or more"))
			continue
		}
		qty[id] = d
	}
	return periods, qty
}

// autoRenew is the renewal choice for the order, nil for the plan's
// default.
func (f storeCheckoutForm) autoRenew() *bool {
	switch f.AutoRenew {
	case "on":
		t := true
		return &t
	case "off":
		b := false
		return &b
	}
	return nil
}

// storeCheckoutData is the checkout page's (and the quote fragment's)
// content.
type storeCheckoutData struct {
	Product catalog.Product
	Plan    catalog.Plan
	// Plans are the product's plans on sale, to switch plan.
	Plans []catalog.Plan
	Form  storeCheckoutForm
	// Query is the form as a query string, for the "Update price" URL.
	Query string
	// Durations are the order durations to choose from (none: the plan's
	// only duration, or a marketplace that renews automatically).
	Durations []storeOption
	Periods   string
	// RenewalChoice offers the renewal select (renewable plans, on a
	// marketplace that lets buyers choose).
	RenewalChoice bool
	AutoRenewOn   bool
	Extras        []storeExtraInput
	// Quote is the price of the inputs; nil when they were refused.
	Quote *channel.Quote
	Tax   quoteTax
	// Errors by input name, and Message for a refusal about the order as
	// a whole.
	Errors  map[string]string
	Message string
	// CouponApplied confirms a coupon the quote used; CouponBlocked tells
	// the coupon typed was refused (the summary prices without it).
	CouponApplied string
	CouponBlocked bool
	// Ordered is set on the page re-shown after a refused order.
	Ordered bool
	// Customers are the customers a reseller, distributor or
	// administrator may order for; empty for a customer's own checkout.
	Customers []identity.Organization
	Push      bool
}

// storeExtraInput is an extra resource's quantity input.
type storeExtraInput struct {
	ID, Name, Unit string
	Value          string
	Required       bool
	Postpaid       bool
	Hint           []string
	Error          string
}

// Error returns the message of input name ("" if none).
func (d storeCheckoutData) Error(name string) string { return d.Errors[name] }

// storeCheckoutPage shows the checkout of a plan, priced for the buyer.
// Visitors are offered to sign in or create an account first; users who
// do not buy for themselves are refused.
func (h *handler) storeCheckoutPage(w http.ResponseWriter, r *http.Request, v *view) error {
	if currentUser(r) == nil {
		v.Title = "Sign in to order"
		v.Data = storeSignInData{Next: r.URL.RequestURI()}
		return h.render(w, r, v, "store_signin")
	}
	d, err := h.storeCheckout(r.Context(), r, r.URL.Query())
	if err != nil {
		return err
	}
	return h.storeRenderCheckout(w, r, v, d)
}

// storeSignInData is the page asking a visitor to sign in before ordering.
type storeSignInData struct {
	Next string
}

func (h *handler) storeRenderCheckout(w http.ResponseWriter, r *http.Request, v *view, d storeCheckoutData) error {
	v.Title = "Checkout: " + d.Product.Name
	v.Data = d
	return h.render(w, r, v, "store_checkout")
}

// storeQuoteFragment prices the checkout's inputs and answers the
// summary's slots alone, for store.js to swap into the page.
func (h *handler) storeQuoteFragment(w http.ResponseWriter, r *http.Request, v *view) error {
	d, err := h.storeCheckout(r.Context(), r, r.URL.Query())
	if err != nil {
		return err
	}
	v.Data = d
	var buf bytes.Buffer
	if err := h.pages["store_checkout"].ExecuteTemplate(&buf, "storeSlots", v); err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

// storeCheckout loads the plan of the inputs and prices them. A missing,
// unknown or hidden plan is not found; refusals of the inputs are kept in
// the data, next to their inputs.
func (h *handler) storeCheckout(ctx context.Context, r *http.Request, vals url.Values) (storeCheckoutData, error) {
	if !storeMayCheckout(r) {
		return storeCheckoutData{}, errs.Forbidden("permission_denied", "ordering needs the order placement function")
	}
	f := storeReadCheckout(vals)
	customers, push, err := h.storeCheckoutCustomers(ctx, r, &f)
	if err != nil {
		return storeCheckoutData{}, err
	}
	product, plan, plans, err := h.storeCheckoutPlan(ctx, &f)
	if err != nil {
		return storeCheckoutData{}, err
	}
	set, err := h.subs.Settings(ctx)
	if err != nil {
		return storeCheckoutData{}, err
	}
	d := storeCheckoutData{Product: product, Plan: plan, Plans: plans, Errors: map[string]string{}, Customers: customers, Push: push}
	if push && len(customers) == 0 {
		d.Message = "You have no customer to order for yet."
	}
	periods, qty := d.setTerms(&f, set)
	d.addExtras(f)
	if len(f.Errors) == 0 && (!push || f.Customer != "") {
		if err := h.storeQuote(ctx, &d, f, periods, qty); err != nil {
			return d, err
		}
	}
	d.Form = f
	d.Query = f.values().Encode()
	return d, nil
}

// storeCheckoutCustomers lists the customers a user who does not buy for
// themselves may order for, and picks the first when f names none; a
// buyer's own checkout names no customer.
func (h *handler) storeCheckoutCustomers(ctx context.Context, r *http.Request, f *storeCheckoutForm) (customers []identity.Organization, push bool, err error) {
	push = !storeBuysForSelf(r)
	if !push {
		f.Customer = ""
		return nil, false, nil
	}
	customers, _, err = h.id.ListOrganizations(ctx, identity.OrganizationFilter{Kind: identity.CustomerOrg, Status: identity.StatusActive,
		Page: page.Request{Limit: page.MaxLimit}})
	if err != nil {
		return nil, true, err
	}
	if f.Customer == "" && len(customers) > 0 {
		f.Customer = customers[0].ID
	}
	return customers, true, nil
}

// storeCheckoutPlan loads the plan f names (its current version), its
// product and the product's plans on sale. A missing, unknown or hidden
// plan is not found.
func (h *handler) storeCheckoutPlan(ctx context.Context, f *storeCheckoutForm) (catalog.Product, catalog.Plan, []catalog.Plan, error) {
	notFound := errs.NotFound("plan_not_found", "no such plan")
	if f.PlanID == "" {
		return catalog.Product{}, catalog.Plan{}, nil, notFound
	}
	plan, err := h.cat.CurrentPlan(ctx, f.PlanID)
	if errs.KindOf(err) == errs.KindInvalid {
		err = notFound
	}
	if err != nil {
		return catalog.Product{}, catalog.Plan{}, nil, err
	}
	f.PlanID = plan.ID
	product, err := h.cat.GetProduct(ctx, plan.ProductID)
	if err != nil {
		return catalog.Product{}, catalog.Plan{}, nil, err
	}
	if product.Status != catalog.Published {
		return catalog.Product{}, catalog.Plan{}, nil, notFound
	}
	plans, err := h.cat.ListPlans(ctx, product.ID, false)
	if err != nil {
		return catalog.Product{}, catalog.Plan{}, nil, err
	}
	if plan.TrialDays == 0 {
		f.Type = subscription.OrderNormal
	}
	return product, plan, plans, nil
}

// setTerms offers the durations and the renewal choice d's plan allows on
// a marketplace with settings set, drops from f what it does not allow,
// and returns f's periods and quantities with f's input errors recorded.
func (d *storeCheckoutData) setTerms(f *storeCheckoutForm, set subscription.Settings) (periods int, qty map[string]money.Decimal) {
	t := d.Plan.Terms()
	if t.Renewable() && !set.AutoRenewalOnly {
		d.Durations = storeDurations(t)
		d.RenewalChoice = true
	}
	if !t.Renewable() || set.AutoRenewalOnly {
		f.Periods, f.AutoRenew = "", ""
	}
	d.AutoRenewOn = d.Plan.AutoRenew
	if f.AutoRenew != "" {
		d.AutoRenewOn = f.AutoRenew == "on"
	}
	periods, qty = f.parsed()
	d.Periods = f.Periods
	if d.Periods == "" && len(d.Durations) > 0 {
		d.Periods = d.Durations[0].Value
	}
	for _, fe := range f.Errors {
		d.Errors[fe.Field] = fe.Message
	}
	return periods, qty
}

// addExtras makes the quantity inputs of the plan's extra resources, with
// f's values (a required extra's minimum purchase when empty).
func (d *storeCheckoutData) addExtras(f storeCheckoutForm) {
	for _, x := range d.Plan.Extras {
		in := storeExtraInput{ID: x.ID, Name: x.Name, Unit: x.Unit, Value: f.Quantities[x.ID], Required: x.Required,
			Postpaid: x.Billing == string(pricing.Postpaid), Error: d.Errors[storeQtyPrefix+x.ID]}
		if in.Value == "" && x.Required {
			in.Value = x.Scheme.MinPurchase().String()
		}
		d.Extras = append(d.Extras, in)
	}
}

// storeQuote prices f into d: the quote, its tax and the buyer's prices
// on the quantity inputs. Refusals are recorded next to their inputs;
// unexpected errors are returned.
func (h *handler) storeQuote(ctx context.Context, d *storeCheckoutData, f storeCheckoutForm, periods int, qty map[string]money.Decimal) error {
	plan := d.Plan
	q, err := h.ch.Quote(ctx, channel.QuoteInput{PlanID: plan.ID, Quantities: qty, CouponCode: f.Coupon, Periods: periods,
		CustomerOrgID: f.Customer, Trial: f.Type == subscription.OrderTrial})
	if err != nil && f.Coupon != "" && storeOnlyCoupon(err) {
		// A refused coupon does not hide the price: the summary shows
		// it without the coupon, and ordering waits until the code is
		// fixed or removed.
		if rerr := d.refuse(err); rerr != nil {
			return rerr
		}
		d.CouponBlocked = true
		q, err = h.ch.Quote(ctx, channel.QuoteInput{PlanID: plan.ID, Quantities: qty, Periods: periods,
			CustomerOrgID: f.Customer, Trial: f.Type == subscription.OrderTrial})
	}
	if err != nil {
		return d.refuse(err)
	}
	d.Quote = &q
	if q.CouponCode != "" {
		d.CouponApplied = q.CouponCode
	}
	if d.Tax, err = h.quoteTaxOf(ctx, q, d.Product); err != nil {
		return err
	}
	// The buyer's own scheme prices label the quantity inputs.
	if len(q.Levels) == 1 && len(q.Levels[0]) > 0 {
		buys := q.Levels[0][len(q.Levels[0])-1].Sells
		for i := range d.Extras {
			if x, ok := buys.Extra(d.Extras[i].ID); ok {
				d.Extras[i].Hint = storeSchemeText(x.Scheme, buys.Currency, x.Unit)
			}
		}
	}
	return nil
}

// refuse records a refusal of the inputs next to them; unexpected errors
// are returned.
func (d *storeCheckoutData) refuse(err error) error {
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.KindInternal || e.Kind == errs.KindUnauthenticated {
		return err
	}
	for _, fe := range e.Fields {
		name := fe.Field
		switch {
		case name == "plan_id":
			name = "plan"
		case name == "coupon_code":
			name = "coupon"
		}
		if name == "customer_org_id" {
			d.Errors[name] = sentence(fe.Message)
			continue
		}
		if _, seen := d.Errors[name]; !seen {
			d.Errors[name] = sentence(fe.Message)
		}
		if name != "coupon" && name != "periods" && name != "type" && !strings.HasPrefix(name, storeQtyPrefix) {
			d.Message = sentence(fe.Message)
		}
	}
	for i := range d.Extras {
		d.Extras[i].Error = d.Errors[storeQtyPrefix+d.Extras[i].ID]
	}
	switch {
	case e.Code == "organization_not_found":
		d.Errors["customer_org_id"] = "Choose one of your customers."
	case len(e.Fields) == 0:
		d.Message = sentence(e.Message)
	}
	if d.Message == "" && d.Errors["type"] != "" {
		d.Message = d.Errors["type"]
	}
	return nil
}

// storeOnlyCoupon reports whether err refuses the coupon and nothing else.
func storeOnlyCoupon(err error) bool {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return false
	}
	for _, f := range e.Fields {
		if f.Field != "coupon" && f.Field != "coupon_code" {
			return false
		}
	}
	return true
}

// storeDurations lists the order durations a renewable plan allows: its
// allowed durations, or multiples of its minimum up to 3 years (or 30
// periods).
func storeDurations(t pricing.Terms) []storeOption {
	var ns []int
	if len(t.AllowedPeriods) > 0 {
		ns = slices.Sorted(slices.Values(t.AllowedPeriods))
	} else {
		minP := max(t.MinPeriods, 1)
		for n := minP; len(ns) < 12; n += minP {
			if t.PeriodUnit == pricing.PeriodMonth && n*max(t.PeriodCount, 1) > 36 && len(ns) > 0 {
				break
			}
			ns = append(ns, n)
		}
	}
	out := make([]storeOption, 0, len(ns))
	for _, n := range ns {
		out = append(out, storeOption{Value: strconv.Itoa(n), Label: storeDuration(t, n)})
	}
	return out
}

// storePlaceOrder places the order the hidden inputs describe: the same
// input as POST /api/v1/orders. A refusal shows the checkout again with
// the error next to its input, and nothing is ordered.
func (h *handler) storePlaceOrder(w http.ResponseWriter, r *http.Request, v *view) error {
	if !storeMayCheckout(r) {
		return errs.Forbidden("permission_denied", "ordering needs the order placement function")
	}
	f := storeReadCheckout(r.PostForm)
	if storeBuysForSelf(r) {
		f.Customer = ""
	}
	periods, qty := f.parsed()
	if len(f.Errors) == 0 {
		o, err := h.subs.PlaceOrder(r.Context(), subscription.PlaceOrderInput{Type: f.Type, PlanID: f.PlanID, Quantities: qty,
			Periods: periods, CouponCode: f.Coupon, CustomerOrgID: f.Customer, AutoRenew: f.autoRenew(), ConvertAfterTrial: f.Convert,
			ClientRef: r.PostForm.Get("client_ref")})
		if err == nil {
			msg := "Thank you: your order is placed."
			if f.Type == subscription.OrderTrial {
				msg = "Thank you: your trial is on its way."
			}
			return h.done(w, r, "/checkout/orders/"+o.ID, msg)
		}
		if e, ok := errs.As(err); !ok || e.Kind == errs.KindInternal || e.Kind == errs.KindUnauthenticated {
			return err
		}
		// Show the refusal on the checkout of these inputs.
		d, derr := h.storeCheckout(r.Context(), r, r.PostForm)
		if derr != nil {
			return derr
		}
		d.Quote = nil // the summary below the refusal is not what was ordered
		d.Errors = map[string]string{}
		d.Message = ""
		if rerr := d.refuse(err); rerr != nil {
			return rerr
		}
		if d.Message == "" {
			d.Message = "Your order could not be placed: please correct the error below."
		}
		d.Ordered = true
		v.Status = http.StatusUnprocessableEntity
		return h.storeRenderCheckout(w, r, v, d)
	}
	d, err := h.storeCheckout(r.Context(), r, r.PostForm)
	if err != nil {
		return err
	}
	d.Ordered = true
	v.Status = http.StatusUnprocessableEntity
	return h.storeRenderCheckout(w, r, v, d)
}

// OrderFields are the hidden inputs of the order form: the inputs quoted.
func (d storeCheckoutData) OrderFields() []storeOption {
	vals := d.Form.values()
	out := make([]storeOption, 0, len(vals))
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		out = append(out, storeOption{Value: vals.Get(k), Label: k})
	}
	return out
}

// ClientRef is a fresh reference for one rendered order form: submitted
// twice, the form places one order (PlaceOrderInput.ClientRef).
func (storeCheckoutData) ClientRef() string { return rand.Text() }

// Trial tells the inputs ask for a trial.
func (d storeCheckoutData) Trial() bool { return d.Form.Type == subscription.OrderTrial }

// Total is what is due when the first invoice comes, tax included when it
// is known.
func (d storeCheckoutData) Total() money.Amount {
	if d.Tax.Known {
		return d.Tax.Grand
	}
	return d.Quote.FirstInvoice
}

// IaaS is the infrastructure each period's price includes, nil when none.
func (d storeCheckoutData) IaaS() *money.Amount {
	if d.Quote == nil {
		return nil
	}
	return storeIaaSOf(d.Quote.Lines)
}

// Per is the plan's billing period ("month", "3 months").
func (d storeCheckoutData) Per() string {
	return storePeriodLabel(d.Plan.PeriodCount, d.Plan.PeriodUnit)
}

// DurationOf names n periods of the plan ("12 months").
func (d storeCheckoutData) DurationOf(n int) string { return storeDuration(d.Plan.Terms(), n) }
