package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// panelNow is the platform's present as the identity service saw it when
// this browser session began (its clock, not the machine's): it picks the
// default month of reports and charts.
func panelNow(r *http.Request) time.Time {
	if s := currentUser(r); s != nil && !s.Session.CreatedAt.IsZero() {
		return s.Session.CreatedAt.UTC()
	}
	return time.Time{}
}

// panelMonth is the first instant of t's month.
func panelMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// panelFieldErr returns err with its field errors renamed by rename (a
// service field such as "endpoints[2].url" to the page's input
// "endpoints"), or err itself when nothing is renamed.
func panelFieldErr(err error, rename func(field string) string) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = make([]errs.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = rename(f.Field)
		c.Fields[i] = f
	}
	return &c
}

// panelCodeField turns a refusal without field errors into an error next
// to the input named for its code in fields, so it shows on the form.
func panelCodeField(err error, fields map[string]string) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) > 0 {
		return err
	}
	f, ok := fields[e.Code]
	if !ok {
		return err
	}
	return errs.Invalid(e.Code, e.Message, errs.Field(f, e.Code, e.Message))
}

// panelInvalid is a validation error on one input.
func panelInvalid(field, code, message string) error {
	return errs.Invalid("validation_failed", field+": "+message, errs.Field(field, code, message))
}

// panelScanLimit bounds how many rows a page reads to count or chart
// (overviews say "at least" beyond it).
const panelScanLimit = 5000

// panelSubStatuses are the subscription statuses as filter choices.
var panelSubStatuses = panelOptionsOf(subscriptionStatuses)

// panelOptionsOf makes named statuses select choices.
func panelOptionsOf(names []statusName) []panelOption {
	out := make([]panelOption, len(names))
	for i, n := range names {
		out[i] = panelOption{n.Value, n.Label}
	}
	return out
}

// panelOption is one choice of a select.
type panelOption struct {
	Value string
	Label string
}

func panelLabel(opts []panelOption, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

// panelProvOptions are the provisioning statuses as filter choices.
func panelProvOptions() []panelOption { return panelOptionsOf(provisioningStatuses) }

// panelScope is whose operations the orders and subscriptions pages show:
// a vendor's own, under /vendor, or every vendor's to the marketplace's
// staff, under /admin.
type panelScope struct {
	Base   string
	Vendor string
	Staff  bool
}

func panelScopeOf(r *http.Request) panelScope {
	if s := currentUser(r); s != nil && identity.Role(s.Actor.Role).Staff() {
		return panelScope{Base: "/admin", Staff: true}
	}
	return panelScope{Base: "/vendor", Vendor: orgOf(r)}
}

// owns reports whether the scope covers a vendor's business.
func (sc panelScope) owns(vendorOrgID string) bool { return sc.Staff || vendorOrgID == sc.Vendor }

// panelEachSub calls fn with every subscription of the vendor's products
// matching f, newest first, up to panelScanLimit; it reports whether it
// stopped at the limit.
func (h *handler) panelEachSub(ctx context.Context, vendor string, f subscription.SubscriptionFilter, fn func(subscription.Subscription)) (bool, error) {
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
		if seen >= panelScanLimit {
			return true, nil
		}
		f.Page.Cursor = next
	}
}

// panelOrdersToReview lists the orders waiting for the vendor's approval.
func (h *handler) panelOrdersToReview(ctx context.Context, sc panelScope) ([]subscription.Order, error) {
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
		if next == "" || len(out) >= panelScanLimit {
			return out, nil
		}
		f.Page.Cursor = next
	}
}

// requireFunction serves fn only to users whose role holds one of fns;
// others get a 403 page.
func requireFunction(fn pageFunc, fns ...identity.Function) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		for _, f := range fns {
			if may(r, f) {
				return fn(w, r, v)
			}
		}
		return errs.Forbidden("permission_denied", "this page needs the "+strings.ToLower(functionLabels[fns[0]].Label)+" function, which your role does not have")
	}
}
