package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// The forms of a plan's extra resources and pay-per-use metrics, each with
// the scheme editor: the scheme's kind, its scheme-wide prices, and its
// ranges as rows of inputs. "Add a range" and "Remove" are submit buttons
// that show the form again with one row more or less (onboarding.js does
// the same in the browser). A plan's extras and metrics are saved through
// catalog.Service.UpdatePlan with the whole list, the edited item in its
// place, so the service's field errors name it "extras[2].scheme.ranges[1].to";
// they are renamed onto this form's inputs ("scheme.ranges[1].to", with
// the row of the form: blank rows are not sent).

const (
	obResourceForm = "resource"
	obMaxRanges    = pricing.MaxRanges
)

// obRangeFields are the inputs of one range row, in column order.
var obRangeFields = []struct{ name, label, class, mode, placeholder string }{
	{"from", "From", "ob-col-from", "numeric", "1"},
	{"to", "To", "ob-col-to", "numeric", "and more"},
	{"unit_price", "Unit price", "ob-col-unit", "decimal", "0.00"},
	{"flat_price", "Flat price", "ob-col-flat", "decimal", "0.00"},
	{"setup_fee", "Setup fee", "ob-col-setup", "decimal", "0.00"},
	{"step", "Step", "ob-col-step", "numeric", ""},
	{"tag", "Label", "ob-col-tag", "", ""},
}

// obResourceData is the form of an extra resource or a metric.
type obResourceData struct {
	Page    string
	Product catalog.Product
	Plan    catalog.Plan
	Metric  bool
	// Noun is "extra resource" or "metric".
	Noun    string
	Editing bool
	Action  string
	Remove  string
	Cancel  string
	C       map[string]formControl
	Ranges  []obRangeRow
	// RangesControl carries the errors about the ranges as a whole.
	RangesControl formControl
	CanAddRange   bool
	MaxRanges     int
	// Kind is the scheme kind shown, for the editor's columns.
	Kind       string
	Errors     formErrors
	Versioning bool
	Locked     string
	Current    string
	Version    string
	Currency   string
}

// obRangeRow is one range of the editor.
type obRangeRow struct {
	Index int
	Cells []formControl
	// Error is true when a cell has an error, to mark the row.
	Error bool
}

// obResource finds item id (an extra resource or a metric, by kind) of
// plan pl, returning its position, or -1 for a new one.
func obResource(kind string, pl catalog.Plan, id string) (int, error) {
	if id == "" {
		return -1, nil
	}
	n := len(pl.Extras)
	if kind == "metrics" {
		n = len(pl.Metrics)
	}
	for i := range n {
		if (kind == "extras" && pl.Extras[i].ID == id) || (kind == "metrics" && pl.Metrics[i].ID == id) {
			return i, nil
		}
	}
	return -1, errs.NotFound("item_not_found", "no such "+obNoun(kind))
}

func obNoun(kind string) string {
	if kind == "metrics" {
		return "metric"
	}
	return "extra resource"
}

// obResourcePage shows the form of a new extra resource or metric, or of
// the one in the path.
func (h *handler) obResourcePage(kind string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		p, pl, err := h.obOwnPlan(r)
		if err != nil {
			return err
		}
		idx, err := obResource(kind, pl, r.PathValue("itemID"))
		if err != nil {
			return err
		}
		return h.obResourceFormPage(w, r, v, kind, p, pl, idx)
	}
}

func (h *handler) obResourceFormPage(w http.ResponseWriter, r *http.Request, v *view, kind string, p catalog.Product, pl catalog.Plan, idx int) error {
	base := fmt.Sprintf("%s/plans/%s/%s", obURL(p), pl.ID, kind)
	d := obResourceData{Page: "resource_form", Product: p, Plan: pl, Metric: kind == "metrics", Noun: obNoun(kind), Editing: idx >= 0,
		Action: base + "/new", Cancel: obURL(p) + "#plan-" + pl.LineageID, C: map[string]formControl{}, MaxRanges: obMaxRanges,
		Versioning: p.PublishedAt != nil, Version: obFingerprint(pl), Currency: pl.Currency.Code()}
	d.Locked, d.Current = h.obPlanLock(r, p, pl)
	if d.Current != "" { // the same item in the current version
		d.Current = strings.TrimSuffix(d.Current, "/edit")
		if id := r.PathValue("itemID"); id != "" {
			d.Current += "/" + kind + "/" + id + "/edit"
		} else {
			d.Current += "/" + kind + "/new"
		}
	}
	b := newControlForm(v, obResourceForm)
	var scheme pricing.Scheme
	blankRows := 0
	if d.Metric {
		scheme = d.addMetricControls(b, base, idx)
	} else {
		scheme, blankRows = d.addExtraControls(b, base, idx)
	}
	d.addSchemeControls(b, scheme, blankRows)
	d.Errors = b.errors()
	v.Title = "New " + d.Noun
	if d.Editing {
		v.Title = "Edit " + d.Noun + " " + d.C["name"].Value
	}
	v.Data = d
	return h.render(w, r, v, "vendor_onboarding")
}

// addMetricControls adds the inputs of the plan's metric idx (a new one
// when idx < 0) and returns its scheme.
func (d *obResourceData) addMetricControls(b *controlForm, base string, idx int) pricing.Scheme {
	c, pl := d.C, d.Plan
	qty := func(x money.Decimal) string {
		if x.IsZero() {
			return ""
		}
		return x.String()
	}
	m := catalog.Metric{Aggregation: "sum", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit}}
	if idx >= 0 {
		m = pl.Metrics[idx]
		d.Action, d.Remove = fmt.Sprintf("%s/%s/edit", base, m.ID), fmt.Sprintf("%s/%s/remove", base, m.ID)
	}
	c["name"] = b.text("name", "Name", m.Name).req().max(80).hint("What is measured, as customers read it on invoices, such as Storage.")
	c["key"] = b.text("key", "Key", m.Key).req().max(64).
		hint("The name your system reports usage under: lower-case letters, digits and _, starting with a letter, such as storage_gb.")
	c["unit"] = b.text("unit", "Unit", m.Unit).max(30).hint("Such as GB or API call.")
	aggs := make([]formOption, len(catalog.Aggregations))
	for i, a := range catalog.Aggregations {
		aggs[i] = formOption{Value: a, Label: obAggregations[a]}
	}
	c["aggregation"] = b.selectOne("aggregation", "Aggregation", m.Aggregation, aggs).req().
		hint("How the values reported during a billing period make its usage.")
	c["included"] = b.decimal("included", "Included quantity", qty(m.Included)).ph("0").
		hint("Free usage per billing period, subtracted before pricing.")
	return m.Scheme
}

// addExtraControls adds the inputs of the plan's extra resource idx (a new
// one when idx < 0) and returns its scheme and how many empty ranges it
// starts with.
func (d *obResourceData) addExtraControls(b *controlForm, base string, idx int) (pricing.Scheme, int) {
	c, pl := d.C, d.Plan
	x := catalog.Extra{Billing: string(pricing.Prepaid), Scheme: pricing.Scheme{Kind: pricing.SchemeTiered}}
	blankRows := 2 // a new extra starts with two empty ranges to fill in
	if idx >= 0 {
		x, blankRows = pl.Extras[idx], 0
		d.Action, d.Remove = fmt.Sprintf("%s/%s/edit", base, x.ID), fmt.Sprintf("%s/%s/remove", base, x.ID)
	}
	c["name"] = b.text("name", "Name", x.Name).req().max(80).hint("Such as Additional users or Storage.")
	c["unit"] = b.text("unit", "Unit", x.Unit).max(30).hint("Such as user or GB.")
	c["billing"] = b.selectOne("billing", "Billing", x.Billing, []formOption{
		{Value: string(pricing.Prepaid), Label: "In advance, each period, for the quantity ordered"},
		{Value: string(pricing.Postpaid), Label: "In arrears, at the end of each period, for the quantity used"},
	}).req()
	c["required"] = b.checkbox("required", "Always included: every order buys at least the minimum quantity", x.Required)
	return x.Scheme, blankRows
}

// addSchemeControls adds the scheme editor: the kind, the per-unit and
// package prices, and a row of inputs per range (blankRows at least, the
// posted rows when the form was submitted).
func (d *obResourceData) addSchemeControls(b *controlForm, scheme pricing.Scheme, blankRows int) {
	c := d.C
	dec := func(x money.Decimal) string { return priceText(x, d.Plan.Currency) }
	c["scheme.kind"] = b.selectOne("scheme.kind", "Pricing scheme", string(scheme.Kind), schemeKinds).req().
		hint("Per unit: every unit at one price. Tiered: each range's units at that range's price (15 users over 1–9 and 10+ pay 9 at the first price and 6 at the second). " +
			"Volume: every unit at the price of the range the quantity falls in. Stairstep: the flat price of that range. Package: a price per started package of units.")
	d.Kind = c["scheme.kind"].Value
	c["scheme.unit_price"] = b.decimal("scheme.unit_price", "Price per unit", dec(scheme.UnitPrice)).ph("0.00").class("ob-only-per-unit").
		hint("Per unit schemes only.")
	size := ""
	if scheme.PackageSize > 0 {
		size = fmt.Sprint(scheme.PackageSize)
	}
	c["scheme.package_size"] = b.number("scheme.package_size", "Units per package", size).class("ob-only-package").hint("Package schemes only.")
	c["scheme.package_price"] = b.decimal("scheme.package_price", "Price per package", dec(scheme.PackagePrice)).ph("0.00").
		class("ob-only-package").hint("Package schemes only: each started package costs this.")
	d.RangesControl = b.add(formControl{Name: "scheme.ranges", Label: "Ranges", Type: "group"})
	rows := max(len(scheme.Ranges), blankRows)
	if b.f.Submitted {
		rows = obRowCount(b.f.Values, "scheme.ranges", obMaxRanges)
	}
	for i := range rows {
		var rg pricing.Range
		if i < len(scheme.Ranges) {
			rg = scheme.Ranges[i]
		}
		def := map[string]string{"unit_price": dec(rg.UnitPrice), "flat_price": dec(rg.FlatPrice), "setup_fee": dec(rg.SetupFee), "tag": rg.Tag}
		if i < len(scheme.Ranges) {
			def["from"] = rg.From.String()
		}
		if rg.To != nil {
			def["to"] = rg.To.String()
		}
		if rg.Step != nil {
			def["step"] = rg.Step.String()
		}
		row := obRangeRow{Index: i}
		for _, f := range obRangeFields {
			name := fmt.Sprintf("scheme.ranges[%d].%s", i, f.name)
			cell := b.add(formControl{Name: name, Label: fmt.Sprintf("Range %d: %s", i+1, strings.ToLower(f.label)), Short: f.label,
				Type: "text", Inputmode: f.mode, Placeholder: f.placeholder, Value: b.f.Value(name, def[f.name]), Class: f.class, HideLabel: true})
			row.Error = row.Error || cell.Error != ""
			row.Cells = append(row.Cells, cell)
		}
		d.Ranges = append(d.Ranges, row)
	}
	d.CanAddRange = rows < obMaxRanges
}

// obAggregations name the metric aggregations.
var obAggregations = map[string]string{
	"sum": "Sum of the values reported", "count": "Number of values reported", "unique_count": "Number of distinct values reported",
	"max": "Highest value reported", "latest": "Last value reported", "average": "Average of the values reported",
}

// obSchemeInput reads the scheme editor. It returns the scheme and, for
// each of its ranges, the form row it came from: blank rows are left out.
// Values that are not numbers are errors of p; when there are any, the
// scheme's own validation is added for the other inputs, so every mistake
// shows at once.
func obSchemeInput(p *obParser) (pricing.Scheme, []int) {
	s := pricing.Scheme{Kind: pricing.SchemeKind(p.str("scheme.kind")), UnitPrice: p.decimal("scheme.unit_price"),
		PackageSize: p.int64("scheme.package_size"), PackagePrice: p.decimal("scheme.package_price")}
	var rows []int
	for i := range obRowCount(p.values, "scheme.ranges", obMaxRanges) {
		field := func(name string) string { return fmt.Sprintf("scheme.ranges[%d].%s", i, name) }
		blank := true
		for _, f := range obRangeFields {
			blank = blank && strings.TrimSpace(p.str(field(f.name))) == ""
		}
		if blank {
			continue
		}
		rg := pricing.Range{To: p.optDecimal(field("to")), UnitPrice: p.decimal(field("unit_price")), FlatPrice: p.decimal(field("flat_price")),
			SetupFee: p.decimal(field("setup_fee")), Step: p.optDecimal(field("step")), Tag: strings.TrimSpace(p.str(field("tag")))}
		if strings.TrimSpace(p.str(field("from"))) == "" {
			p.fail(field("from"), "required", "is required: the range's first unit")
		} else {
			rg.From = p.decimal(field("from"))
		}
		s.Ranges = append(s.Ranges, rg)
		rows = append(rows, i)
	}
	if len(p.fields) > 0 {
		if e, ok := errs.As(s.Validate()); ok {
			for _, fe := range e.Fields {
				fe.Field = "scheme." + fe.Field
				fe = obReindex(fe, "scheme.ranges", rows)
				if !p.has(fe.Field) {
					p.fields = append(p.fields, fe)
				}
			}
		}
	}
	return s, rows
}

// obResourceRename maps the service's errors about item idx of kind onto
// the form's inputs.
func obResourceRename(kind string, idx int, rows []int) func(errs.FieldError) errs.FieldError {
	return func(fe errs.FieldError) errs.FieldError {
		g, k, rest, ok := obSplitIndex(fe.Field)
		if !ok || g != kind || k != idx {
			return fe
		}
		fe.Field = strings.TrimPrefix(rest, ".")
		if fe.Field == "scheme" {
			fe.Field = "scheme.kind"
		}
		return obReindex(fe, "scheme.ranges", rows)
	}
}

// obResourceStep handles the scheme editor's buttons (add or remove a
// range): the form is shown again with the change and nothing is saved.
func obResourceStep(w http.ResponseWriter, r *http.Request, v *view, page pageFunc) (bool, error) {
	op, row := obOp(r)
	values := obCloneValues(r.PostForm)
	switch op {
	case "add_range":
		obAddRow(values, "scheme.ranges", ".from", obMaxRanges)
	case "remove_range":
		if row >= 0 {
			obRemoveRow(values, "scheme.ranges", row)
		}
	default:
		return false, nil
	}
	return true, obRedisplay(w, r, v, obResourceForm, values, "", http.StatusOK, page)
}

// obSaveResource saves the extra resource or metric of the form: the plan
// is updated with its whole list, the item in its place.
func (h *handler) obSaveResource(kind string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		p, pl, err := h.obOwnPlan(r)
		if err != nil {
			return err
		}
		idx, err := obResource(kind, pl, r.PathValue("itemID"))
		if err != nil {
			return err
		}
		page := h.obResourcePage(kind)
		if step, err := obResourceStep(w, r, v, page); step {
			return err
		}
		if why, _ := h.obPlanLock(r, p, pl); why != "" {
			return h.refused(w, r, errs.FailedPrecondition("plan_locked", why), obURL(p))
		}
		if r.PostForm.Get("version") != obFingerprint(pl) {
			return obRedisplay(w, r, v, obResourceForm, r.PostForm, obStaleMessage, http.StatusConflict, page)
		}
		in, pos, rows, err := obResourceInput(kind, pl, idx, r.PostForm)
		if err == nil {
			var out catalog.Plan
			var versioned bool
			if out, versioned, err = h.cat.UpdatePlan(r.Context(), pl.ID, in); err == nil {
				msg := fmt.Sprintf("The %s “%s” was saved.", obNoun(kind), strings.TrimSpace(r.PostForm.Get("name")))
				return h.done(w, r, obURL(p)+"#plan-"+out.LineageID, obPlanSaved(msg, out, versioned))
			}
		}
		return h.formFailed(w, r, v, obResourceForm, obRename(err, obResourceRename(kind, pos, rows)), obURL(p), page)
	}
}

// obResourceInput builds the plan change that saves the form as item idx
// (-1: a new one, appended) of kind. It returns the item's position in
// the list and the form row of each range.
func obResourceInput(kind string, pl catalog.Plan, idx int, values url.Values) (catalog.PlanInput, int, []int, error) {
	p := newObParser(values)
	scheme, rows := obSchemeInput(p)
	var in catalog.PlanInput
	pos := idx
	if kind == "metrics" {
		m := catalog.MetricInput{Key: p.str("key"), Name: p.str("name"), Unit: p.str("unit"), Aggregation: p.str("aggregation"),
			Scheme: scheme, Included: p.decimal("included")}
		list := obMetricInputs(pl)
		if idx < 0 {
			pos = len(list)
			list = append(list, m)
		} else {
			m.ID = list[idx].ID
			list[idx] = m
		}
		in.Metrics = &list
	} else {
		x := catalog.ExtraInput{Name: p.str("name"), Unit: p.str("unit"), Billing: p.str("billing"), Required: p.on("required"), Scheme: scheme}
		list := obExtraInputs(pl)
		if idx < 0 {
			pos = len(list)
			list = append(list, x)
		} else {
			x.ID = list[idx].ID
			list[idx] = x
		}
		in.Extras = &list
	}
	return in, pos, rows, p.err()
}

// obExtraInputs returns a plan's extra resources as service input, each
// keeping its id.
func obExtraInputs(pl catalog.Plan) []catalog.ExtraInput {
	out := make([]catalog.ExtraInput, len(pl.Extras))
	for i, x := range pl.Extras {
		out[i] = catalog.ExtraInput{ID: x.ID, Name: x.Name, Unit: x.Unit, Scheme: x.Scheme, Required: x.Required, Billing: x.Billing}
	}
	return out
}

// obMetricInputs returns a plan's metrics as service input.
func obMetricInputs(pl catalog.Plan) []catalog.MetricInput {
	out := make([]catalog.MetricInput, len(pl.Metrics))
	for i, m := range pl.Metrics {
		out[i] = catalog.MetricInput{ID: m.ID, Key: m.Key, Name: m.Name, Unit: m.Unit, Aggregation: m.Aggregation, Scheme: m.Scheme, Included: m.Included}
	}
	return out
}

// obRemoveResource removes an extra resource or metric from its plan.
func (h *handler) obRemoveResource(kind string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		p, pl, err := h.obOwnPlan(r)
		if err != nil {
			return err
		}
		idx, err := obResource(kind, pl, r.PathValue("itemID"))
		if err != nil {
			return err
		}
		if why, _ := h.obPlanLock(r, p, pl); why != "" {
			return h.refused(w, r, errs.FailedPrecondition("plan_locked", why), obURL(p))
		}
		var in catalog.PlanInput
		var name string
		if kind == "metrics" {
			list := obMetricInputs(pl)
			name = list[idx].Name
			list = append(list[:idx], list[idx+1:]...)
			in.Metrics = &list
		} else {
			list := obExtraInputs(pl)
			name = list[idx].Name
			list = append(list[:idx], list[idx+1:]...)
			in.Extras = &list
		}
		out, versioned, err := h.cat.UpdatePlan(r.Context(), pl.ID, in)
		if err != nil {
			return h.refused(w, r, err, obURL(p))
		}
		msg := fmt.Sprintf("The %s “%s” was removed from the plan “%s”.", obNoun(kind), name, pl.Name)
		return h.done(w, r, obURL(p)+"#plan-"+out.LineageID, obPlanSaved(msg, out, versioned))
	}
}

// Number is the row's position for people, from 1.
func (r obRangeRow) Number() int { return r.Index + 1 }
