package web

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// The change page: GET /my/subscriptions/{id}/change?plan_id=...&quantities.<extra id>=...
// shows the price of a change of plan or quantities before it is made;
// POST to the same path makes it with subscription.Service.ChangePlan. The
// inputs are named after the service's fields (plan_id, quantities.<extra
// id>), so its field errors land next to them.

// customerChangeForm is the name of the change form.
const customerChangeForm = "change"

// customerPlanOption is one plan the subscription may move to.
type customerPlanOption struct {
	Value    string
	Label    string
	Selected bool
}

// customerQtyInput is the quantity input of one extra resource.
type customerQtyInput struct {
	Name  string
	Label string
	Unit  string
	Value string
	Error string
	Hint  string
}

// ID is the input's id.
func (q customerQtyInput) ID() string {
	return "change-" + strings.NewReplacer(".", "-", "_", "-").Replace(q.Name)
}

// DescribedBy lists the ids of the hint and error, for aria-describedby.
func (q customerQtyInput) DescribedBy() string {
	var ids []string
	if q.Hint != "" {
		ids = append(ids, q.ID()+"-hint")
	}
	if q.Error != "" {
		ids = append(ids, q.ID()+"-error")
	}
	return strings.Join(ids, " ")
}

// customerHidden is a hidden input of the confirmation form.
type customerHidden struct {
	Name  string
	Value string
}

// customerChangePreview is what a change would do, priced as ChangePlan
// prices it.
type customerChangePreview struct {
	Direction string // upgrade or downgrade
	// Effective is "now" or "next_period".
	Effective   string
	EffectiveAt *time.Time
	// Trial changes take effect at once and stay free until the trial ends.
	Trial     bool
	FromPlan  string
	ToPlan    string
	OldCharge money.Amount
	NewCharge money.Amount
	// Proration is set for a change charged at once.
	Proration *subscription.Proration
}

// NewLabel names the configuration changed to.
func (p customerChangePreview) NewLabel() string {
	if p.FromPlan == p.ToPlan {
		return p.ToPlan + " with the new quantities"
	}
	return p.ToPlan
}

// customerChangeData is the change page's content.
type customerChangeData struct {
	customerSub
	// Blocked says why the subscription cannot change at all (the form is
	// shown without its button).
	Blocked string
	Plans   []customerPlanOption
	PlanErr string
	Extras  []customerQtyInput
	// Others are errors with no input of their own on the page.
	Others []string
	// Errors is set when the change asked for was refused.
	Errors  bool
	Preview *customerChangePreview
	Hidden  []customerHidden
}

// customerChangeMessages reword the service's refusals of a change for
// the page (they complete the plan input's label).
var customerChangeMessages = map[string]string{
	"not_found":                   "does not exist",
	"plan_not_found":              "does not exist",
	"change_not_allowed":          "is not one this subscription can move to: choose one of its upgrades or downgrades",
	"nothing_to_change":           "and quantities are those you have now: choose another plan or other quantities",
	"bundle_change_not_supported": "of a bundle cannot change: order another bundle plan instead",
}

// customerChangeFields turns a refusal of a change into errors on the
// page's inputs: field errors as they are, and the refusals about the
// subscription as a whole (a bundle, one not active) on the plan input.
// It returns nil for other refusals (forbidden, read-only...).
func customerChangeFields(err error) []errs.FieldError {
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.KindInternal || e.Kind == errs.KindUnauthenticated {
		return nil
	}
	if len(e.Fields) > 0 {
		return e.Fields
	}
	switch e.Code {
	case "bundle_change_not_supported", "subscription_not_active", "plan_not_found", "plan_not_available", "plan_not_offered":
		return []errs.FieldError{errs.Field("plan_id", e.Code, e.Message)}
	}
	return nil
}

// customerChangeMessage is how a field error reads next to its input.
func customerChangeMessage(fe errs.FieldError) string {
	if m, ok := customerChangeMessages[fe.Code]; ok && fe.Field == "plan_id" {
		return m
	}
	if fe.Code == "subscription_not_active" {
		return "cannot change: " + fe.Message
	}
	return fe.Message
}

// customerChangePage shows the change form and, once submitted, the price
// of the change with a button to confirm it. Nothing changes here.
func (h *handler) customerChangePage(w http.ResponseWriter, r *http.Request, v *view) error {
	sub, err := h.customerSubOf(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	submitted := q.Has("plan_id") || slices.ContainsFunc(slices.Collect(maps.Keys(q)), func(k string) bool { return strings.HasPrefix(k, "quantities.") })
	return h.customerRenderChange(w, r, v, sub, q, submitted, nil)
}

// customerChange makes the change previewed (ChangePlan); a refusal shows
// on the change page and nothing changes.
func (h *handler) customerChange(w http.ResponseWriter, r *http.Request, v *view) error {
	sub, err := h.customerSubOf(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	current, target, err := h.customerChangePlans(ctx, sub, r.PostForm.Get("plan_id"))
	fields := customerChangeFields(err)
	if err != nil && fields == nil {
		return err
	}
	in, inputErrs := customerChangeInput(r.PostForm, sub, current, target)
	if fields = append(fields, inputErrs...); len(fields) == 0 {
		o, cerr := h.subs.ChangePlan(ctx, sub.ID, in)
		if cerr == nil {
			return h.done(w, r, "/my/subscriptions/"+sub.ID, customerChangeDone(o, target, sub))
		}
		if fields = customerChangeFields(cerr); fields == nil {
			return h.refused(w, r, cerr, "/my/subscriptions/"+sub.ID)
		}
	}
	return h.customerRenderChange(w, r, v, sub, r.PostForm, false, fields)
}

// customerChangeDone says what the change did, from the change order.
func customerChangeDone(o subscription.Order, target catalog.Plan, sub subscription.Subscription) string {
	var d struct {
		Effective string                  `json:"effective"`
		Proration *subscription.Proration `json:"proration"`
	}
	_ = json.Unmarshal(o.Detail, &d)
	name := target.Name
	switch {
	case d.Effective == "next_period" && sub.CurrentPeriodEnd != nil:
		return fmt.Sprintf("Your change to %s is scheduled for %s, when the current period ends.", name, format(sub.CurrentPeriodEnd, "2 Jan 2006"))
	case d.Proration != nil && d.Proration.Due.IsPositive():
		return fmt.Sprintf("Your subscription now runs %s. %s (before tax) for the rest of the period will be invoiced.", name, money.Format(d.Proration.Due))
	}
	return fmt.Sprintf("Your subscription now runs %s.", name)
}

// customerChangePlans loads the subscription's plan and the plan asked for
// (the current one when planID is empty). An unknown plan is a field error,
// with target the current plan so its inputs still show.
func (h *handler) customerChangePlans(ctx context.Context, sub subscription.Subscription, planID string) (current, target catalog.Plan, err error) {
	current, err = h.cat.GetPlan(ctx, sub.PlanID)
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			err = errs.FailedPrecondition("plan_not_available", "this product is no longer listed")
		}
		return current, current, err
	}
	planID = strings.TrimSpace(planID)
	if planID == "" {
		return current, current, nil
	}
	if err := validate.CheckID("plan_id", catalog.PlanKind, planID); err != nil {
		return current, current, errs.Invalid("validation_failed", "plan_id: no such plan", errs.Field("plan_id", "not_found", "no such plan"))
	}
	target, err = h.cat.CurrentPlan(ctx, planID)
	if k := errs.KindOf(err); k == errs.KindNotFound || k == errs.KindInvalid {
		return current, current, errs.Invalid("validation_failed", "plan_id: no such plan", errs.Field("plan_id", "not_found", "no such plan"))
	}
	return current, target, err
}

// customerChangeInput reads the change asked for: the plan, and the
// quantity of each extra resource of the target plan (an empty input buys
// none; an input missing keeps the current quantity). The quantities are
// always given, so a plan whose extras differ is priced with its own.
func customerChangeInput(values url.Values, sub subscription.Subscription, current, target catalog.Plan) (subscription.ChangeInput, []errs.FieldError) {
	in := subscription.ChangeInput{PlanID: strings.TrimSpace(values.Get("plan_id")), Quantities: map[string]money.Decimal{}}
	if target.ID == current.ID && target.ID != "" {
		in.PlanID = ""
	}
	var fields []errs.FieldError
	for _, x := range target.Extras {
		name := "quantities." + x.ID
		if !values.Has(name) {
			if q, ok := sub.Quantities[x.ID]; ok {
				in.Quantities[x.ID] = q
			}
			continue
		}
		s := strings.TrimSpace(values.Get(name))
		if s == "" {
			continue
		}
		q, err := money.ParseDecimal(s)
		if err != nil {
			fields = append(fields, errs.Field(name, "invalid_quantity", "is not a number"))
			continue
		}
		in.Quantities[x.ID] = q
	}
	return in, fields
}

// customerRenderChange renders the change page for the values given, with
// the errors of a refused confirmation, or the preview when asked.
func (h *handler) customerRenderChange(w http.ResponseWriter, r *http.Request, v *view, sub subscription.Subscription, values url.Values,
	preview bool, fields []errs.FieldError) error {
	ctx := r.Context()
	it, err := h.lookups().item(ctx, sub.ProductID, sub.PlanID)
	if err != nil {
		return err
	}
	d := customerChangeData{customerSub: customerSub{Sub: sub, Item: it}}
	v.Title = "Change " + it.Product + " " + it.Plan
	v.Data = &d
	current, target, perr := h.customerChangePlans(ctx, sub, values.Get("plan_id"))
	if perr != nil && current.ID == "" { // the subscription's own plan is gone
		e, ok := errs.As(perr)
		if !ok || e.Kind != errs.KindFailedPrecondition {
			return perr
		}
		d.Blocked = sentence(e.Message)
	}
	switch {
	case d.Blocked != "":
	case sub.Status != subscription.StatusActive && sub.Status != subscription.StatusTrialing:
		d.Blocked = "Only an active subscription or a running trial can change."
		d.PlanErr = "cannot change while the subscription is " + strings.ToLower(d.Status().Label)
	case len(current.Components) > 0:
		d.Blocked = "A bundle's plan cannot change."
		d.PlanErr = customerChangeMessages["bundle_change_not_supported"]
	}
	if d.Blocked != "" {
		if current.ID != "" {
			d.Plans = []customerPlanOption{{Value: "", Label: current.Name + " (your plan)", Selected: true}}
		}
		if preview || len(fields) > 0 {
			v.Status = http.StatusUnprocessableEntity
		}
		return h.render(w, r, v, "customer_change")
	}
	if perr != nil {
		fields = append(fields, customerChangeFields(perr)...)
	}
	in, inputErrs := customerChangeInput(values, sub, current, target)
	fields = append(fields, inputErrs...)
	if preview && len(fields) == 0 {
		p, err := h.customerPreviewChange(ctx, sub, current, target, in)
		if err != nil {
			if fields = customerChangeFields(err); fields == nil {
				return err
			}
		}
		d.Preview = p
	}
	h.customerChangeInputs(ctx, &d, sub, current, target, in, values, preview || len(fields) > 0, fields)
	if len(fields) > 0 {
		v.Status = http.StatusUnprocessableEntity
		d.Preview, d.Errors = nil, true
	}
	return h.render(w, r, v, "customer_change")
}

// customerChangeInputs fills the page's inputs: the plans to choose from,
// the quantity of each extra of the target plan, the errors, and the
// confirmation form's hidden inputs.
func (h *handler) customerChangeInputs(ctx context.Context, d *customerChangeData, sub subscription.Subscription, current, target catalog.Plan, in subscription.ChangeInput,
	values url.Values, submitted bool, fields []errs.FieldError) {
	errOf := map[string]string{}
	for _, fe := range fields {
		msg := customerChangeMessage(fe)
		switch {
		case fe.Field == "plan_id":
			if d.PlanErr == "" {
				d.PlanErr = msg
			}
		case strings.HasPrefix(fe.Field, "quantities.") && slices.ContainsFunc(target.Extras, func(x catalog.Extra) bool { return fe.Field == "quantities."+x.ID }):
			if errOf[fe.Field] == "" {
				errOf[fe.Field] = msg
			}
		default:
			d.Others = append(d.Others, sentence(strings.ReplaceAll(fe.Field, "_", " ")+": "+msg))
		}
	}
	chosen := ""
	if target.ID != current.ID {
		chosen = target.ID
	}
	if submitted && d.PlanErr != "" {
		chosen = strings.TrimSpace(values.Get("plan_id"))
	}
	d.Plans = append(d.Plans, customerPlanOption{Value: "", Label: current.Name + " (your plan)", Selected: chosen == ""})
	for _, group := range []struct {
		lineages []string
		what     string
	}{{current.Upgrades, "upgrade"}, {current.Downgrades, "downgrade"}} {
		for _, lineage := range group.lineages {
			p, err := h.cat.CurrentPlan(ctx, lineage)
			if err != nil {
				continue // no longer sold
			}
			d.Plans = append(d.Plans, customerPlanOption{Value: p.ID, Label: p.Name + " (" + group.what + ")", Selected: chosen == p.ID})
		}
	}
	for _, x := range target.Extras {
		name := "quantities." + x.ID
		value := ""
		if q, ok := in.Quantities[x.ID]; ok {
			value = q.String()
		}
		if submitted && values.Has(name) {
			value = values.Get(name)
		}
		hint := ""
		if x.Billing == string(pricing.Postpaid) {
			hint = "Billed on what you use, after each period."
		}
		label := x.Name
		if x.Unit != "" {
			label += " (" + x.Unit + ")"
		}
		d.Extras = append(d.Extras, customerQtyInput{Name: name, Label: label, Unit: x.Unit, Value: value, Error: errOf[name], Hint: hint})
	}
	if d.Preview != nil {
		d.Hidden = append(d.Hidden, customerHidden{Name: "plan_id", Value: in.PlanID})
		for _, x := range target.Extras {
			val := ""
			if q, ok := in.Quantities[x.ID]; ok {
				val = q.String()
			}
			d.Hidden = append(d.Hidden, customerHidden{Name: "quantities." + x.ID, Value: val})
		}
	}
}

// customerPreviewChange prices the change through the subscription
// service's dry run (the change order ChangePlan would place now, rolled
// back), so the page shows exactly what confirming will charge.
func (h *handler) customerPreviewChange(ctx context.Context, sub subscription.Subscription, current, target catalog.Plan,
	in subscription.ChangeInput) (*customerChangePreview, error) {
	o, err := h.subs.PreviewChange(ctx, sub.ID, in)
	if err != nil {
		return nil, err
	}
	var d struct {
		Direction string                  `json:"direction"`
		Effective string                  `json:"effective"`
		OldCharge money.Amount            `json:"old_period_charge"`
		NewCharge money.Amount            `json:"new_period_charge"`
		Proration *subscription.Proration `json:"proration"`
	}
	if err := json.Unmarshal(o.Detail, &d); err != nil {
		return nil, fmt.Errorf("change preview: %w", err)
	}
	p := &customerChangePreview{Direction: d.Direction, Effective: d.Effective, FromPlan: current.Name, ToPlan: target.Name,
		OldCharge: d.OldCharge, NewCharge: d.NewCharge, Proration: d.Proration, Trial: sub.Status == subscription.StatusTrialing}
	if d.Effective == "next_period" {
		p.EffectiveAt = sub.CurrentPeriodEnd
	}
	return p, nil
}
