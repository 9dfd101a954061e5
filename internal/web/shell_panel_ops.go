package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// panelsScanLimit bounds how many rows a page reads to count or chart
// (overviews say "at least" beyond it).
const panelsScanLimit = 5000

// panelsSubStatuses are the subscription statuses as filter choices.
var panelsSubStatuses = panelsOptionsOf(subscriptionStatuses)

// panelsOptionsOf makes named statuses select choices.
func panelsOptionsOf(names []statusName) []panelsOption {
	out := make([]panelsOption, len(names))
	for i, n := range names {
		out[i] = panelsOption{n.Value, n.Label}
	}
	return out
}

// panelsOption is one choice of a select.
type panelsOption struct {
	Value string
	Label string
}

func panelsLabel(opts []panelsOption, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

// panelsProvOptions are the provisioning statuses as filter choices.
func panelsProvOptions() []panelsOption { return panelsOptionsOf(provisioningStatuses) }

// panelsProvCount is how many subscriptions are in one provisioning status.
type panelsProvCount struct {
	Status string
	Label  string
	Count  int
}

// panelsVendorHomeData is the vendor overview's content.
type panelsVendorHomeData struct {
	ToApprove int
	Prov      []panelsProvCount
	Subs      int
	// Capped is set when there were more subscriptions than were counted.
	Capped bool
	Month  string
	Due    []billing.BalanceLine
}

// panelsScope is whose operations the orders and subscriptions pages show:
// a vendor's own, under /vendor, or every vendor's to the marketplace's
// staff, under /admin.
type panelsScope struct {
	Base   string
	Vendor string
	Staff  bool
}

func panelsScopeOf(r *http.Request) panelsScope {
	if s := currentUser(r); s != nil && identity.Role(s.Actor.Role).Staff() {
		return panelsScope{Base: "/admin", Staff: true}
	}
	return panelsScope{Base: "/vendor", Vendor: orgOf(r)}
}

// owns reports whether the scope covers a vendor's business.
func (sc panelsScope) owns(vendorOrgID string) bool { return sc.Staff || vendorOrgID == sc.Vendor }

// panelsEachSub calls fn with every subscription of the vendor's products
// matching f, newest first, up to panelsScanLimit; it reports whether it
// stopped at the limit.
func (h *handler) panelsEachSub(ctx context.Context, vendor string, f subscription.SubscriptionFilter, fn func(subscription.Subscription)) (bool, error) {
	seen := 0
	f.Page = page.Request{Limit: page.MaxLimit}
	for {
		subs, next, err := h.subs.ListSubscriptions(ctx, f)
		if err != nil {
			return false, err
		}
		for _, s := range subs {
			if vendor != "" && s.VendorOrgID != vendor {
				continue
			}
			fn(s)
		}
		seen += len(subs)
		if next == "" {
			return false, nil
		}
		if seen >= panelsScanLimit {
			return true, nil
		}
		f.Page.Cursor = next
	}
}

// panelsOrdersToReview lists the orders waiting for the vendor's approval.
func (h *handler) panelsOrdersToReview(ctx context.Context, sc panelsScope) ([]subscription.Order, error) {
	var out []subscription.Order
	f := subscription.OrderFilter{ToReview: true, Page: page.Request{Limit: page.MaxLimit}}
	for {
		os, next, err := h.subs.ListOrders(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, o := range os {
			if sc.owns(o.VendorOrgID) {
				out = append(out, o)
			}
		}
		if next == "" || len(out) >= panelsScanLimit {
			return out, nil
		}
		f.Page.Cursor = next
	}
}

// panelsVendorHome is the vendor's overview.
func (h *handler) panelsVendorHome(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx, org := r.Context(), orgOf(r)
	d := panelsVendorHomeData{Month: panelsNow(r).Format("2006-01")}
	pending, err := h.panelsOrdersToReview(ctx, panelsScopeOf(r))
	if err != nil {
		return err
	}
	d.ToApprove = len(pending)
	counts := map[string]int{}
	if d.Capped, err = h.panelsEachSub(ctx, org, subscription.SubscriptionFilter{}, func(s subscription.Subscription) {
		counts[s.Provisioning]++
		d.Subs++
	}); err != nil {
		return err
	}
	for _, s := range subscription.ProvisioningStates {
		d.Prov = append(d.Prov, panelsProvCount{Status: s, Label: nameOf(provisioningStatuses, s).Label, Count: counts[s]})
	}
	rep, err := h.bill.VendorBalance(ctx, org, d.Month)
	if err != nil {
		return err
	}
	d.Due = rep.Lines
	v.Title = "Vendor panel"
	v.Data = d
	return h.render(w, r, v, "panels_vendor")
}

// panelsOrderRow is one order with the names of what it is about.
type panelsOrderRow struct {
	Order    subscription.Order
	Product  string
	Plan     string
	Customer string
}

// panelsVendorOrdersData is the orders page's content.
type panelsVendorOrdersData struct {
	Base    string
	Pending []panelsOrderRow
	listData[panelsOrderRow]
	// Priced shows the orders' amounts: some row carries the customer's
	// price (staff); a vendor, who may not see it, gets no empty columns.
	Priced bool
}

var panelsOrderStatuses = []panelsOption{
	{subscription.OrderRequiresApproval, "Waiting for approval"}, {subscription.OrderApproved, "Approved"},
	{subscription.OrderRejected, "Rejected"}, {subscription.OrderCancelled, "Cancelled"},
}

func (h *handler) panelsOrderRows(ctx context.Context, n *lookups, os []subscription.Order) []panelsOrderRow {
	out := make([]panelsOrderRow, 0, len(os))
	for _, o := range os {
		out = append(out, panelsOrderRow{Order: o, Product: n.productName(ctx, o.ProductID), Plan: n.planName(ctx, o.PlanID), Customer: n.orgName(ctx, o.CustomerOrgID)})
	}
	return out
}

// panelsVendorOrders lists the orders waiting for the vendor's approval,
// each with approve and reject buttons, and the recent orders of its
// products.
func (h *handler) panelsVendorOrders(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx, sc := r.Context(), panelsScopeOf(r)
	names := h.lookups()
	pending, err := h.panelsOrdersToReview(ctx, sc)
	if err != nil {
		return err
	}
	cursor := r.URL.Query().Get("cursor")
	recent, next, err := h.subs.ListOrders(ctx, subscription.OrderFilter{Page: page.Request{Cursor: cursor}})
	if err != nil {
		return err
	}
	recent = slices.DeleteFunc(recent, func(o subscription.Order) bool { return !sc.owns(o.VendorOrgID) })
	d := panelsVendorOrdersData{Base: sc.Base, Pending: h.panelsOrderRows(ctx, names, pending)}
	d.Rows = h.panelsOrderRows(ctx, names, recent)
	d.Priced = slices.ContainsFunc(recent, func(o subscription.Order) bool { return o.Subtotal != nil })
	d.Next, d.First = pageLinks(sc.Base+"/orders", r.URL.Query(), cursor, next)
	v.Title = "Orders"
	v.Data = d
	return h.render(w, r, v, "panels_vendor_orders")
}

// panelsApproveOrder approves an order of the vendor's product.
func (h *handler) panelsApproveOrder(w http.ResponseWriter, r *http.Request, v *view) error {
	o, err := h.subs.ApproveOrder(r.Context(), r.PathValue("id"))
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return err
		}
		return h.refused(w, r, err, panelsScopeOf(r).Base+"/orders")
	}
	return h.done(w, r, panelsScopeOf(r).Base+"/orders", fmt.Sprintf("Order %s was approved: the subscription starts.", shortID(o.ID)))
}

// panelsRejectOrder rejects an order of the vendor's product with a reason
// the customer reads.
func (h *handler) panelsRejectOrder(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	o, err := h.subs.RejectOrder(r.Context(), id, r.PostForm.Get("reason"))
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return err
		}
		return h.formFailed(w, r, v, "reject-"+id, err, panelsScopeOf(r).Base+"/orders", h.panelsVendorOrders)
	}
	return h.done(w, r, panelsScopeOf(r).Base+"/orders", fmt.Sprintf("Order %s was rejected; the customer is told why.", shortID(o.ID)))
}

// panelsSubRow is one subscription with the names of what it is about.
type panelsSubRow struct {
	Sub      subscription.Subscription
	Product  string
	Plan     string
	Customer string
	Status   string
	Prov     string
}

func (h *handler) panelsSubRow(ctx context.Context, n *lookups, s subscription.Subscription) panelsSubRow {
	return panelsSubRow{Sub: s, Product: n.productName(ctx, s.ProductID), Plan: n.planName(ctx, s.PlanID), Customer: n.orgName(ctx, s.CustomerOrgID),
		Status: nameOf(subscriptionStatuses, s.Status).Label, Prov: nameOf(provisioningStatuses, s.Provisioning).Label}
}

// panelsVendorSubsData is the subscriptions page's content.
type panelsVendorSubsData struct {
	Base string
	listData[panelsSubRow]
	Status       string
	Provisioning string
	Statuses     []panelsOption
	Provs        []panelsOption
}

// panelsVendorSubs lists the subscriptions of the vendor's products,
// filtered by status and provisioning status.
func (h *handler) panelsVendorSubs(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx, sc, q := r.Context(), panelsScopeOf(r), r.URL.Query()
	d := panelsVendorSubsData{Base: sc.Base, Status: q.Get("status"), Provisioning: q.Get("provisioning"), Statuses: panelsSubStatuses, Provs: panelsProvOptions()}
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
				d.Rows = append(d.Rows, h.panelsSubRow(ctx, names, s))
			}
		}
		next, scanned = n, scanned+len(subs)
		if d.Provisioning == "" || next == "" || len(d.Rows) >= page.DefaultLimit || scanned >= panelsScanLimit {
			break
		}
		f.Page.Cursor = next
	}
	d.Next, d.First = pageLinks(sc.Base+"/subscriptions", q, cursor, next)
	v.Title = "Subscriptions"
	v.Data = d
	return h.render(w, r, v, "panels_vendor_subs")
}

// panelsVendorSubData is a subscription's page content.
type panelsVendorSubData struct {
	Base string
	panelsSubRow
	Transitions []subscription.Transition
	// CanDeploy and CanFail show the callback forms the machine allows.
	CanDeploy bool
	CanFail   bool
	// Endpoints and Credentials are the current details as the form
	// edits them.
	Endpoints   string
	Credentials string
}

// panelsVendorSubscription returns a subscription of the vendor's product;
// any other is not found.
func (h *handler) panelsVendorSubscription(r *http.Request) (subscription.Subscription, error) {
	s, err := h.subs.GetSubscription(r.Context(), r.PathValue("id"))
	if err != nil {
		if errs.KindOf(err) == errs.KindInvalid {
			return s, errs.NotFound("subscription_not_found", "no such subscription")
		}
		return s, err
	}
	if !panelsScopeOf(r).owns(s.VendorOrgID) {
		return s, errs.NotFound("subscription_not_found", "no such subscription")
	}
	return s, nil
}

// panelsVendorSub shows a subscription of the vendor's product, its
// provisioning history and the provisioning callback forms.
func (h *handler) panelsVendorSub(w http.ResponseWriter, r *http.Request, v *view) error {
	s, err := h.panelsVendorSubscription(r)
	if err != nil {
		return err
	}
	trs, err := h.subs.Transitions(r.Context(), s.ID)
	if err != nil {
		return err
	}
	d := panelsVendorSubData{Base: panelsScopeOf(r).Base, panelsSubRow: h.panelsSubRow(r.Context(), h.lookups(), s), Transitions: trs}
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
	return h.render(w, r, v, "panels_vendor_sub")
}

// panelsLines splits a textarea into its non-blank lines, trimmed.
func panelsLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// panelsParseEndpoints reads "Name | URL" lines (a bare URL is named after
// its host).
func panelsParseEndpoints(s string) ([]subscription.Endpoint, error) {
	out := []subscription.Endpoint{}
	for i, l := range panelsLines(s) {
		name, link, ok := strings.Cut(l, "|")
		if !ok {
			name, link = "", l
		}
		name, link = strings.TrimSpace(name), strings.TrimSpace(link)
		if name == "" {
			if u, err := url.Parse(link); err == nil && u.Host != "" {
				name = u.Host
			} else {
				return nil, panelsInvalid("endpoints", "invalid_url", fmt.Sprintf("line %d is not “Name | https://…” nor a URL", i+1))
			}
		}
		out = append(out, subscription.Endpoint{Name: name, URL: link})
	}
	return out, nil
}

// panelsParseCredentials reads "key = value" (or "key: value") lines.
func panelsParseCredentials(s string) (map[string]string, error) {
	out := map[string]string{}
	for i, l := range panelsLines(s) {
		k, val, ok := strings.Cut(l, "=")
		if c := strings.Index(l, ":"); c >= 0 && (!ok || c < len(k)) {
			k, val, ok = l[:c], l[c+1:], true
		}
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if !ok || k == "" {
			return nil, panelsInvalid("credentials", "invalid_format", fmt.Sprintf("line %d is not “name = value”", i+1))
		}
		if _, dup := out[k]; dup {
			return nil, panelsInvalid("credentials", "duplicate", fmt.Sprintf("“%s” is given twice", k))
		}
		out[k] = val
	}
	return out, nil
}

// panelsDeployed reports the subscription's service deployed, with the
// endpoints, instructions and credentials its customer will see, as the
// API's provisioning callback does.
func (h *handler) panelsDeployed(w http.ResponseWriter, r *http.Request, v *view) error {
	s, err := h.panelsVendorSubscription(r)
	if err != nil {
		return err
	}
	back := panelsScopeOf(r).Base + "/subscriptions/" + s.ID
	fail := func(err error) error {
		err = panelsFieldErr(err, func(f string) string {
			if strings.HasPrefix(f, "endpoints") {
				return "endpoints"
			}
			return f
		})
		return h.formFailed(w, r, v, "deployed", err, back, h.panelsVendorSub)
	}
	eps, err := panelsParseEndpoints(r.PostForm.Get("endpoints"))
	if err != nil {
		return fail(err)
	}
	creds, err := panelsParseCredentials(r.PostForm.Get("credentials"))
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

// panelsFailed reports that provisioning the subscription's service
// failed.
func (h *handler) panelsFailed(w http.ResponseWriter, r *http.Request, v *view) error {
	s, err := h.panelsVendorSubscription(r)
	if err != nil {
		return err
	}
	back := panelsScopeOf(r).Base + "/subscriptions/" + s.ID
	if _, err := h.subs.SetProvisioning(r.Context(), s.ID, subscription.ProvisioningInput{Status: subscription.ProvFailed}); err != nil {
		return h.refused(w, r, err, back)
	}
	return h.done(w, r, back, "Provisioning was reported failed. Report it deployed once it works.")
}

// panelsReportData is the balance report page's content.
type panelsReportData struct {
	Month  string
	Report billing.BalanceReport
	// Shown is false when the month could not be read.
	Shown bool
}

// panelsVendorReports shows the vendor's balance of a month: licence and
// pay-per-use revenue, less the platform fee and the trial and sandbox
// costs, is the amount due, with CSV and PDF downloads.
func (h *handler) panelsVendorReports(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	d := panelsReportData{Month: strings.TrimSpace(q.Get("month"))}
	if d.Month == "" {
		d.Month = panelsNow(r).Format("2006-01")
	}
	v.Title = "Balance reports"
	rep, err := h.bill.VendorBalance(r.Context(), orgOf(r), d.Month)
	if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
		v.setForm("month", newForm(url.Values{"month": {d.Month}}, e.Fields))
		v.Status = http.StatusUnprocessableEntity
		v.Data = d
		return h.render(w, r, v, "panels_vendor_reports")
	}
	if err != nil {
		return err
	}
	d.Report, d.Shown, d.Month = rep, true, rep.Month
	v.Data = d
	return h.render(w, r, v, "panels_vendor_reports")
}

// panelsVendorReportFile serves a month's balance report as CSV
// (/vendor/reports/2026-11.csv) or PDF (.pdf), as the API does.
func (h *handler) panelsVendorReportFile(w http.ResponseWriter, r *http.Request, v *view) error {
	file := r.PathValue("file")
	m, ext, ok := strings.Cut(file, ".")
	if !ok || (ext != "csv" && ext != "pdf") {
		return errs.NotFound("not_found", "no such report")
	}
	rep, err := h.bill.VendorBalance(r.Context(), orgOf(r), m)
	if err != nil {
		return err
	}
	var body []byte
	ctype := "text/csv; charset=utf-8"
	if ext == "csv" {
		body = rep.CSV()
	} else {
		if body, err = rep.PDF("Balance report " + rep.Month); err != nil {
			return err
		}
		ctype = "application/pdf"
	}
	sendFile(w, r, ctype, "balance-"+rep.Month+"."+ext, body)
	return nil
}
