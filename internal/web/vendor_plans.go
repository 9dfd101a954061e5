package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// The plan form: a plan's billing terms and prices. Its extra resources
// and metrics have forms of their own (vendor_resources.go).

const obPlanForm = "plan"

// obPlanFormData is the plan form.
type obPlanFormData struct {
	Page string
	// Base is the product's page; Bundle tells a bundle's plan, made of
	// product plans (Components) instead of prices.
	Base    string
	Bundle  bool
	Product catalog.Product
	Plan    catalog.Plan
	Editing bool
	Action  string
	Cancel  string
	C       map[string]formControl
	Errors  formErrors
	// Versioning: the product has been published, so a price change makes
	// a new version of the plan.
	Versioning bool
	// Locked says why the plan cannot change (then no form is shown), and
	// Current links to the version that can.
	Locked     string
	Current    string
	Version    string
	Currencies []string
	Components []obComponentRow
	// ComponentsControl carries the errors about the components as a whole.
	ComponentsControl formControl
	CanAddComponent   bool
}

// obComponentRow is one product plan of the bundle plan form.
type obComponentRow struct {
	Index    int
	Plan     formControl
	Discount formControl
}

// Number is the row's position for people, from 1.
func (r obComponentRow) Number() int { return r.Index + 1 }

// obMaxComponents is the service's limit of plans in a bundle plan.
const obMaxComponents = 10

func (h *handler) obNewPlan(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := h.obOwnProduct(r)
	if err != nil {
		return err
	}
	return h.obPlanFormPage(w, r, v, p, catalog.Plan{})
}

func (h *handler) obEditPlan(w http.ResponseWriter, r *http.Request, v *view) error {
	p, pl, err := h.obOwnPlan(r)
	if err != nil {
		return err
	}
	return h.obPlanFormPage(w, r, v, p, pl)
}

// obPlanLock says why plan pl of product p cannot change, "" when it can,
// with a link to the version that can.
func (h *handler) obPlanLock(r *http.Request, p catalog.Product, pl catalog.Plan) (why, current string) {
	switch {
	case p.Status == catalog.Retired:
		return "The product is retired: its plans no longer change.", ""
	case pl.ID != "" && pl.Status == catalog.PlanSuperseded:
		why = fmt.Sprintf("This is version %d of the plan. A price change made a newer version after the product was published; "+
			"this one is kept unchanged for the subscriptions that bought it, so it can no longer be edited.", pl.Version)
		if cur, err := h.cat.CurrentPlan(r.Context(), pl.ID); err == nil {
			current = fmt.Sprintf("%s/plans/%s/edit", obURL(p), cur.ID)
		}
		return why, current
	case pl.ID != "" && pl.Status == catalog.PlanRetired:
		return "This plan is retired: it is no longer sold and can no longer change.", ""
	}
	return "", ""
}

func (h *handler) obPlanFormPage(w http.ResponseWriter, r *http.Request, v *view, p catalog.Product, pl catalog.Plan) error {
	d := obPlanFormData{Page: "plan_form", Base: obURL(p), Bundle: p.Kind == catalog.KindBundle, Product: p, Plan: pl, Editing: pl.ID != "", Cancel: obURL(p),
		Action: obURL(p) + "/plans/new", C: map[string]formControl{}, Versioning: p.PublishedAt != nil}
	d.Locked, d.Current = h.obPlanLock(r, p, pl)
	plans, err := h.cat.ListPlans(r.Context(), p.ID, false)
	if err != nil {
		return err
	}
	if d.Editing {
		d.Action = fmt.Sprintf("%s/plans/%s/edit", obURL(p), pl.ID)
		d.Version = obFingerprint(pl)
	} else {
		pl = catalog.Plan{PricingKind: pricing.PricingRenewableMonths, PeriodCount: 1, MinPeriods: 1, AutoRenew: true,
			Currency: money.MustCurrency("EUR"), Weight: 10 * len(plans)}
		if len(plans) > 0 {
			pl.Currency = plans[0].Currency
		}
	}
	b := newControlForm(v, obPlanForm)
	d.addPlanControls(b, pl, plans)
	if d.Bundle {
		d.addComponentControls(b, pl, h.obBundleable(r))
	}
	d.Errors = b.errors()
	for _, cur := range money.Currencies() {
		d.Currencies = append(d.Currencies, cur.Code())
	}
	v.Title = "New plan of " + p.Name
	if d.Editing {
		v.Title = "Edit plan " + pl.Name
	}
	v.Data = d
	return h.render(w, r, v, "vendor_onboarding")
}

// addPlanControls adds the inputs of plan pl's own fields, and its
// upgrades and downgrades among the product's other plans.
func (d *obPlanFormData) addPlanControls(b *controlForm, pl catalog.Plan, plans []catalog.Plan) {
	c := d.C
	dec := func(x money.Decimal) string { return priceText(x, pl.Currency) }
	periodUnit := ""
	if pl.PricingKind == pricing.PricingShort {
		periodUnit = pl.PeriodUnit
	}
	allowed := make([]string, len(pl.AllowedPeriods))
	for i, n := range pl.AllowedPeriods {
		allowed[i] = strconv.Itoa(n)
	}
	c["name"] = b.text("name", "Plan name", pl.Name).req().max(80).hint("Such as Basic, Team or Enterprise.")
	c["description"] = b.textarea("description", "Description", pl.Description, 3).max(2000)
	c["pricing_kind"] = b.selectOne("pricing_kind", "How it is sold", string(pl.PricingKind), pricingKinds).req()
	c["period_count"] = b.number("period_count", "Billing period", strconv.Itoa(pl.PeriodCount)).req().
		hint("In months (hours for hourly plans): 1 bills monthly, 12 yearly.")
	c["period_unit"] = b.selectOne("period_unit", "Period unit of a fixed-term plan", periodUnit, []formOption{
		{Value: "", Label: "Months (default)"}, {Value: pricing.PeriodMonth, Label: "Months"}, {Value: pricing.PeriodHour, Label: "Hours"},
	}).hint("Subscriptions use the unit of their kind.")
	c["min_periods"] = b.number("min_periods", "Minimum commitment", strconv.Itoa(pl.MinPeriods)).req().
		hint("The shortest order, in billing periods.")
	c["allowed_periods"] = b.text("allowed_periods", "Order durations offered", strings.Join(allowed, ", ")).
		hint("In billing periods, separated by commas, each a multiple of the minimum commitment (such as 1, 12, 24). Leave empty to allow any multiple.")
	c["currency"] = b.text("currency", "Currency", pl.Currency.Code()).req().list("ob-currencies").max(3).
		hint("Three-letter code, such as EUR or USD.")
	c["recurring_price"] = b.decimal("recurring_price", "Licence price", dec(pl.RecurringPrice)).ph("0.00").
		hint("Per billing period; the one price of a one-time or fixed-term plan.")
	c["setup_fee"] = b.decimal("setup_fee", "Setup fee", dec(pl.SetupFee)).ph("0.00").hint("Charged once, with the first invoice.")
	c["iaas_cost"] = b.decimal("iaas_cost", "Infrastructure cost", dec(pl.IaaSCost)).ph("0.00").
		hint("Per billing period, charged with the licence.")
	c["trial_days"] = b.number("trial_days", "Free trial", strconv.Itoa(pl.TrialDays)).hint("In days; 0 for no trial.")
	c["trial_card_required"] = b.checkbox("trial_card_required", "A payment card is needed to start the trial", pl.TrialCardRequired)
	c["auto_renew"] = b.checkbox("auto_renew", "Subscriptions renew automatically unless the customer turns it off", pl.AutoRenew)
	c["self_billed"] = b.checkbox("self_billed", "I bill this plan's customers myself", pl.SelfBilled)
	c["weight"] = b.number("weight", "Display order", strconv.Itoa(pl.Weight)).hint("Plans are listed lightest first (-1000 to 1000).")
	c["ribbon"] = b.text("ribbon", "Ribbon", pl.Ribbon).max(40).hint("A short tag shown on the plan, such as Popular.")
	var others []formOption
	for _, o := range plans {
		if o.LineageID != pl.LineageID || pl.LineageID == "" {
			others = append(others, formOption{Value: o.LineageID, Label: o.Name})
		}
	}
	if len(others) > 0 {
		c["upgrades"] = b.checkboxes("upgrades", "Customers may upgrade to", pl.Upgrades, others)
		c["downgrades"] = b.checkboxes("downgrades", "Customers may downgrade to", pl.Downgrades, others)
	}
}

// addComponentControls adds a bundle's rows of plans and discounts (at
// least two for a new bundle, the posted rows when the form was
// submitted), choosing among opts.
func (d *obPlanFormData) addComponentControls(b *controlForm, pl catalog.Plan, opts []formOption) {
	d.ComponentsControl = b.add(formControl{Name: "components", Label: "Plans in the bundle", Type: "group"})
	rows := len(pl.Components)
	if !d.Editing {
		rows = 2 // a bundle has at least two plans
	}
	if b.f.Submitted {
		rows = obRowCount(b.f.Values, "components", obMaxComponents)
	}
	for i := range rows {
		var def catalog.Component
		if i < len(pl.Components) {
			def = pl.Components[i]
		}
		disc := ""
		if !def.DiscountPercent.IsZero() {
			disc = def.DiscountPercent.String()
		}
		d.Components = append(d.Components, obComponentRow{Index: i,
			Plan: b.selectOne(fmt.Sprintf("components[%d].plan_id", i), fmt.Sprintf("Plan %d", i+1), def.PlanLineageID, opts).short("Plan"),
			Discount: b.decimal(fmt.Sprintf("components[%d].discount_percent", i), fmt.Sprintf("Discount on plan %d", i+1), disc).
				ph("0").short("Discount").hint("In percent, 0 to 100."),
		})
	}
	d.CanAddComponent = rows < obMaxComponents
}

// obPlanInput reads the plan form, returning the errors of values that are
// not numbers and the function that maps the service's field errors onto
// the inputs.
func obPlanInput(values url.Values, bundle bool) (catalog.PlanInput, func(errs.FieldError) errs.FieldError, error) {
	p := newObParser(values)
	in := catalog.PlanInput{Name: p.ptr("name"), Description: p.ptr("description"), PricingKind: p.ptr("pricing_kind"),
		Currency: p.ptr("currency"), Ribbon: p.ptr("ribbon"),
		PeriodCount: p.intPtr("period_count"), MinPeriods: p.intPtr("min_periods"), TrialDays: p.intPtr("trial_days"), Weight: p.intPtr("weight")}
	var rows []int
	if bundle { // a bundle plan's prices are its components'
		comps := []catalog.ComponentInput{}
		for i := range obRowCount(values, "components", obMaxComponents) {
			id, disc := fmt.Sprintf("components[%d].plan_id", i), fmt.Sprintf("components[%d].discount_percent", i)
			if strings.TrimSpace(values.Get(id)) == "" && strings.TrimSpace(values.Get(disc)) == "" {
				continue
			}
			comps = append(comps, catalog.ComponentInput{PlanID: strings.TrimSpace(values.Get(id)), DiscountPercent: p.decimal(disc)})
			rows = append(rows, i)
		}
		in.Components = &comps
	} else {
		in.RecurringPrice, in.SetupFee, in.IaaSCost = p.decimalPtr("recurring_price"), p.decimalPtr("setup_fee"), p.decimalPtr("iaas_cost")
		self := p.on("self_billed")
		in.SelfBilled = &self
	}
	if u := p.str("period_unit"); u != "" {
		in.PeriodUnit = &u
	}
	allowed := p.ints("allowed_periods")
	in.AllowedPeriods = &allowed
	card, renew := p.on("trial_card_required"), p.on("auto_renew")
	in.TrialCardRequired, in.AutoRenew = &card, &renew
	ups, downs := obNonBlank(values["upgrades"]), obNonBlank(values["downgrades"])
	in.Upgrades, in.Downgrades = &ups, &downs
	rename := func(fe errs.FieldError) errs.FieldError {
		g, k, _, ok := obSplitIndex(fe.Field)
		switch {
		case !ok:
		case g == "allowed_periods" && k < len(allowed):
			fe.Field, fe.Message = g, fmt.Sprintf("(%d) %s", allowed[k], fe.Message)
		case g == "upgrades" || g == "downgrades":
			fe.Field = g
		case g == "components":
			fe = obReindex(fe, "components", rows)
		}
		return fe
	}
	return in, rename, p.err()
}

func obNonBlank(ss []string) []string {
	out := []string{}
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (h *handler) obCreatePlan(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := h.obOwnProduct(r)
	if err != nil {
		return err
	}
	if step, err := obPlanEditStep(w, r, v, h.obNewPlan); step {
		return err
	}
	in, rename, err := obPlanInput(r.PostForm, p.Kind == catalog.KindBundle)
	if err == nil {
		var pl catalog.Plan
		if pl, err = h.cat.CreatePlan(r.Context(), p.ID, in); err == nil {
			return h.done(w, r, obURL(p)+"#plan-"+pl.LineageID,
				fmt.Sprintf("The plan “%s” was added.%s", pl.Name, map[bool]string{true: " Add its extra resources and metrics, if it has any."}[p.Kind == catalog.KindProduct]))
		}
	}
	return h.formFailed(w, r, v, obPlanForm, obRename(err, rename), obURL(p), h.obNewPlan)
}

func (h *handler) obUpdatePlan(w http.ResponseWriter, r *http.Request, v *view) error {
	p, pl, err := h.obOwnPlan(r)
	if err != nil {
		return err
	}
	if why, _ := h.obPlanLock(r, p, pl); why != "" {
		return h.refused(w, r, errs.FailedPrecondition("plan_locked", why), obURL(p))
	}
	if step, err := obPlanEditStep(w, r, v, h.obEditPlan); step {
		return err
	}
	if r.PostForm.Get("version") != obFingerprint(pl) {
		return obRedisplay(w, r, v, obPlanForm, r.PostForm, obStaleMessage, http.StatusConflict, h.obEditPlan)
	}
	in, rename, err := obPlanInput(r.PostForm, p.Kind == catalog.KindBundle)
	if err == nil {
		var out catalog.Plan
		var versioned bool
		if out, versioned, err = h.cat.UpdatePlan(r.Context(), pl.ID, in); err == nil {
			return h.done(w, r, obURL(p)+"#plan-"+out.LineageID, obPlanSaved("The plan “"+out.Name+"” was saved.", out, versioned))
		}
	}
	return h.formFailed(w, r, v, obPlanForm, obRename(err, rename), obURL(p), h.obEditPlan)
}

// obPlanSaved completes the message of a saved plan change: a change of
// its prices after publication made a new version.
func obPlanSaved(msg string, pl catalog.Plan, versioned bool) string {
	if !versioned {
		return msg
	}
	return fmt.Sprintf("%s Its prices changed after publication, so this is now version %d: new orders get it, and running "+
		"subscriptions keep version %d until they renew or change plan.", msg, pl.Version, pl.Version-1)
}

func (h *handler) obRetirePlan(w http.ResponseWriter, r *http.Request, v *view) error {
	p, pl, err := h.obOwnPlan(r)
	if err != nil {
		return err
	}
	if _, err := h.cat.RetirePlan(r.Context(), pl.ID); err != nil {
		return h.refused(w, r, err, obURL(p))
	}
	return h.done(w, r, obURL(p), fmt.Sprintf("The plan “%s” was retired: it is no longer sold. Running subscriptions keep it.", pl.Name))
}

// obPlanEditStep handles the bundle plan form's buttons (add or remove a
// component): the form is shown again with the change and nothing is
// saved. It reports whether the post was such a step.
func obPlanEditStep(w http.ResponseWriter, r *http.Request, v *view, page pageFunc) (bool, error) {
	op, row := obOp(r)
	values := obCloneValues(r.PostForm)
	switch op {
	case "add_component":
		obAddRow(values, "components", ".plan_id", obMaxComponents)
	case "remove_component":
		if row >= 0 {
			obRemoveRow(values, "components", row)
		}
	default:
		return false, nil
	}
	return true, obRedisplay(w, r, v, obPlanForm, values, "", http.StatusOK, page)
}

// obBundleable lists the product plans a bundle may be made of: a vendor's
// own published products' plans; for others, every published product's
// (the service refuses those they may not bundle).
func (h *handler) obBundleable(r *http.Request) []formOption {
	f := catalog.ProductFilter{Kind: catalog.KindProduct, Status: catalog.Published, Page: page.Request{Limit: page.MaxLimit}}
	if a := currentUser(r).Actor; identity.OrgKind(a.OrgKind) == identity.VendorOrg {
		f.VendorID = a.OrgID
	}
	prods, _, err := h.cat.SearchProducts(r.Context(), f)
	if err != nil {
		return nil
	}
	opts := []formOption{{Value: "", Label: "Choose a plan"}}
	for _, p := range prods {
		plans, err := h.cat.ListPlans(r.Context(), p.ID, false)
		if err != nil {
			continue
		}
		for _, pl := range plans {
			opts = append(opts, formOption{Value: pl.LineageID, Label: p.Name + " · " + pl.Name + " (" + planViewOf(pl).Price + ")"})
		}
	}
	return opts
}
