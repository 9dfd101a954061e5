package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// panelOrderRow is one order with the names of what it is about.
type panelOrderRow struct {
	Order    subscription.Order
	Product  string
	Plan     string
	Customer string
}

// panelOrdersData is the orders page's content.
type panelOrdersData struct {
	Base    string
	Pending []panelOrderRow
	listData[panelOrderRow]
	// Priced shows the orders' amounts: some row carries the customer's
	// price (staff); a vendor, who may not see it, gets no empty columns.
	Priced bool
}

var panelOrderStatuses = []panelOption{
	{subscription.OrderRequiresApproval, "Waiting for approval"}, {subscription.OrderApproved, "Approved"},
	{subscription.OrderRejected, "Rejected"}, {subscription.OrderCancelled, "Cancelled"},
}

func (h *handler) panelOrderRows(ctx context.Context, n *lookups, os []subscription.Order) []panelOrderRow {
	out := make([]panelOrderRow, 0, len(os))
	for _, o := range os {
		out = append(out, panelOrderRow{Order: o, Product: n.productName(ctx, o.ProductID), Plan: n.planName(ctx, o.PlanID), Customer: n.orgName(ctx, o.CustomerOrgID)})
	}
	return out
}

// panelOrders lists the orders waiting for the vendor's approval,
// each with approve and reject buttons, and the recent orders of its
// products.
func (h *handler) panelOrders(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx, sc := r.Context(), panelScopeOf(r)
	names := h.lookups()
	pending, err := h.panelOrdersToReview(ctx, sc)
	if err != nil {
		return err
	}
	cursor := r.URL.Query().Get("cursor")
	recent, next, err := h.subs.ListOrders(ctx, subscription.OrderFilter{Page: page.Request{Cursor: cursor}})
	if err != nil {
		return err
	}
	recent = slices.DeleteFunc(recent, func(o subscription.Order) bool { return !sc.owns(o.VendorOrgID) })
	d := panelOrdersData{Base: sc.Base, Pending: h.panelOrderRows(ctx, names, pending)}
	d.Rows = h.panelOrderRows(ctx, names, recent)
	d.Priced = slices.ContainsFunc(recent, func(o subscription.Order) bool { return o.Subtotal != nil })
	d.Next, d.First = pageLinks(sc.Base+"/orders", r.URL.Query(), cursor, next)
	v.Title = "Orders"
	v.Data = d
	return h.render(w, r, v, "shell_panel_orders")
}

// panelApproveOrder approves an order of the vendor's product.
func (h *handler) panelApproveOrder(w http.ResponseWriter, r *http.Request, v *view) error {
	o, err := h.subs.ApproveOrder(r.Context(), r.PathValue("id"))
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return err
		}
		return h.refused(w, r, err, panelScopeOf(r).Base+"/orders")
	}
	return h.done(w, r, panelScopeOf(r).Base+"/orders", fmt.Sprintf("Order %s was approved: the subscription starts.", shortID(o.ID)))
}

// panelRejectOrder rejects an order of the vendor's product with a reason
// the customer reads.
func (h *handler) panelRejectOrder(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	o, err := h.subs.RejectOrder(r.Context(), id, r.PostForm.Get("reason"))
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return err
		}
		return h.formFailed(w, r, v, "reject-"+id, err, panelScopeOf(r).Base+"/orders", h.panelOrders)
	}
	return h.done(w, r, panelScopeOf(r).Base+"/orders", fmt.Sprintf("Order %s was rejected; the customer is told why.", shortID(o.ID)))
}

// panelSubRow is one subscription with the names of what it is about.
type panelSubRow struct {
	Sub      subscription.Subscription
	Product  string
	Plan     string
	Customer string
	Status   string
	Prov     string
}

func (h *handler) panelSubRow(ctx context.Context, n *lookups, s subscription.Subscription) panelSubRow {
	return panelSubRow{Sub: s, Product: n.productName(ctx, s.ProductID), Plan: n.planName(ctx, s.PlanID), Customer: n.orgName(ctx, s.CustomerOrgID),
		Status: nameOf(subscriptionStatuses, s.Status).Label, Prov: nameOf(provisioningStatuses, s.Provisioning).Label}
}

// panelSubsData is the subscriptions page's content.
type panelSubsData struct {
	Base string
	listData[panelSubRow]
	Status       string
	Provisioning string
	Statuses     []panelOption
	Provs        []panelOption
}

// panelSubs lists the subscriptions of the vendor's products,
// filtered by status and provisioning status.
func (h *handler) panelSubs(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx, sc, q := r.Context(), panelScopeOf(r), r.URL.Query()
	d := panelSubsData{Base: sc.Base, Status: q.Get("status"), Provisioning: q.Get("provisioning"), Statuses: panelSubStatuses, Provs: panelProvOptions()}
	if d.Provisioning != "" && !slices.Contains(subscription.ProvisioningStates, d.Provisioning) {
		return errs.Invalid("validation_failed", "provisioning: not a provisioning status")
	}
	cursor := q.Get("cursor")
	f := subscription.SubscriptionFilter{Status: d.Status, Page: page.Request{Cursor: cursor}}
	if d.Provisioning != "" {
		f.Page.Limit = page.MaxLimit
	}
	names := h.lookups()
	var next string
	// With a provisioning filter (which the service does not take), read
	// whole pages until one screen is full: no row is skipped, as the next
	// cursor follows the last page read.
	for scanned := 0; ; {
		subs, n, err := h.subs.ListSubscriptions(ctx, f)
		if err != nil {
			return err
		}
		for _, s := range subs {
			if sc.owns(s.VendorOrgID) && (d.Provisioning == "" || s.Provisioning == d.Provisioning) {
				d.Rows = append(d.Rows, h.panelSubRow(ctx, names, s))
			}
		}
		next, scanned = n, scanned+len(subs)
		if d.Provisioning == "" || next == "" || len(d.Rows) >= page.DefaultLimit || scanned >= panelScanLimit {
			break
		}
		f.Page.Cursor = next
	}
	d.Next, d.First = pageLinks(sc.Base+"/subscriptions", q, cursor, next)
	v.Title = "Subscriptions"
	v.Data = d
	return h.render(w, r, v, "shell_panel_subs")
}

// panelSubData is a subscription's page content.
type panelSubData struct {
	Base string
	panelSubRow
	Transitions []subscription.Transition
	// CanDeploy and CanFail show the callback forms the machine allows.
	CanDeploy bool
	CanFail   bool
	// Endpoints and Credentials are the current details as the form
	// edits them.
	Endpoints   string
	Credentials string
}

// panelSubscriptionOf returns a subscription of the vendor's product;
// any other is not found.
func (h *handler) panelSubscriptionOf(r *http.Request) (subscription.Subscription, error) {
	s, err := h.subs.GetSubscription(r.Context(), r.PathValue("id"))
	if err != nil {
		if errs.KindOf(err) == errs.KindInvalid {
			return s, errs.NotFound("subscription_not_found", "no such subscription")
		}
		return s, err
	}
	if !panelScopeOf(r).owns(s.VendorOrgID) {
		return s, errs.NotFound("subscription_not_found", "no such subscription")
	}
	return s, nil
}

// panelSub shows a subscription of the vendor's product, its
// provisioning history and the provisioning callback forms.
func (h *handler) panelSub(w http.ResponseWriter, r *http.Request, v *view) error {
	s, err := h.panelSubscriptionOf(r)
	if err != nil {
		return err
	}
	trs, err := h.subs.Transitions(r.Context(), s.ID)
	if err != nil {
		return err
	}
	d := panelSubData{Base: panelScopeOf(r).Base, panelSubRow: h.panelSubRow(r.Context(), h.lookups(), s), Transitions: trs}
	d.CanDeploy = s.Provisioning == subscription.ProvDeployed || subscription.CanTransition(s.Provisioning, subscription.ProvDeployed) &&
		s.Status != subscription.StatusSuspended
	d.CanFail = subscription.CanTransition(s.Provisioning, subscription.ProvFailed)
	var eps, creds []string
	for _, e := range s.Endpoints {
		eps = append(eps, e.Name+" | "+e.URL)
	}
	keys := make([]string, 0, len(s.Credentials))
	for k := range s.Credentials {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		creds = append(creds, k+" = "+s.Credentials[k])
	}
	d.Endpoints, d.Credentials = strings.Join(eps, "\n"), strings.Join(creds, "\n")
	v.Title = "Subscription " + shortID(s.ID)
	v.Data = d
	return h.render(w, r, v, "shell_panel_sub")
}

// panelLines splits a textarea into its non-blank lines, trimmed.
func panelLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// panelParseEndpoints reads "Name | URL" lines (a bare URL is named after
// its host).
func panelParseEndpoints(s string) ([]subscription.Endpoint, error) {
	out := []subscription.Endpoint{}
	for i, l := range panelLines(s) {
		name, link, ok := strings.Cut(l, "|")
		if !ok {
			name, link = "", l
		}
		name, link = strings.TrimSpace(name), strings.TrimSpace(link)
		if name == "" {
			if u, err := url.Parse(link); err == nil && u.Host != "" {
				name = u.Host
			} else {
				return nil, panelInvalid("endpoints", "invalid_url", fmt.Sprintf("line %d is not “Name | https://…” nor a URL", i+1))
			}
		}
		out = append(out, subscription.Endpoint{Name: name, URL: link})
	}
	return out, nil
}

// panelParseCredentials reads "key = value" (or "key: value") lines.
func panelParseCredentials(s string) (map[string]string, error) {
	out := map[string]string{}
	for i, l := range panelLines(s) {
		k, val, ok := strings.Cut(l, "=")
		if c := strings.Index(l, ":"); c >= 0 && (!ok || c < len(k)) {
			k, val, ok = l[:c], l[c+1:], true
		}
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if !ok || k == "" {
			return nil, panelInvalid("credentials", "invalid_format", fmt.Sprintf("line %d is not “name = value”", i+1))
		}
		if _, dup := out[k]; dup {
			return nil, panelInvalid("credentials", "duplicate", fmt.Sprintf("“%s” is given twice", k))
		}
		out[k] = val
	}
	return out, nil
}

// panelDeployed reports the subscription's service deployed, with the
// endpoints, instructions and credentials its customer will see, as the
// API's provisioning callback does.
func (h *handler) panelDeployed(w http.ResponseWriter, r *http.Request, v *view) error {
	s, err := h.panelSubscriptionOf(r)
	if err != nil {
		return err
	}
	back := panelScopeOf(r).Base + "/subscriptions/" + s.ID
	fail := func(err error) error {
		err = panelFieldErr(err, func(f string) string {
			if strings.HasPrefix(f, "endpoints") {
				return "endpoints"
			}
			return f
		})
		return h.formFailed(w, r, v, "deployed", err, back, h.panelSub)
	}
	eps, err := panelParseEndpoints(r.PostForm.Get("endpoints"))
	if err != nil {
		return fail(err)
	}
	creds, err := panelParseCredentials(r.PostForm.Get("credentials"))
	if err != nil {
		return fail(err)
	}
	instructions := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("instructions"), "\r\n", "\n"))
	_, err = h.subs.SetProvisioning(r.Context(), s.ID, subscription.ProvisioningInput{Status: subscription.ProvDeployed, Endpoints: &eps,
		Instructions: &instructions, Credentials: &creds})
	if err != nil {
		return fail(err)
	}
	msg := "The service was reported deployed; the customer now sees how to reach it."
	if s.Provisioning == subscription.ProvDeployed {
		msg = "The access details were updated."
	}
	return h.done(w, r, back, msg)
}

// panelFailed reports that provisioning the subscription's service
// failed.
func (h *handler) panelFailed(w http.ResponseWriter, r *http.Request, v *view) error {
	s, err := h.panelSubscriptionOf(r)
	if err != nil {
		return err
	}
	back := panelScopeOf(r).Base + "/subscriptions/" + s.ID
	if _, err := h.subs.SetProvisioning(r.Context(), s.ID, subscription.ProvisioningInput{Status: subscription.ProvFailed}); err != nil {
		return h.refused(w, r, err, back)
	}
	return h.done(w, r, back, "Provisioning was reported failed. Report it deployed once it works.")
}
