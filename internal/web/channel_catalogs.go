package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// channelChargeTypes are the charge types a markup applies to, in the
// order the forms show them; Key is the service's field name.
var channelChargeTypes = []struct{ Key, Label string }{
	{"recurring", "Licence (recurring)"},
	{"one_off", "Setup fees (one-off)"},
	{"extras", "Extra resources"},
	{"usage", "Pay per use"},
	{"iaas", "Infrastructure"},
}

// channelMarkupOf returns the markup of one charge type, nil for none.
func channelMarkupOf(m *pricing.ChargeMarkups, key string) *pricing.Markup {
	if m == nil {
		return nil
	}
	switch key {
	case "recurring":
		return m.Recurring
	case "one_off":
		return m.OneOff
	case "extras":
		return m.Extras
	case "usage":
		return m.Usage
	case "iaas":
		return m.IaaS
	}
	return nil
}

// channelMarkupRow is one charge type of a markup editor: a kind select
// and a value input, with their errors.
type channelMarkupRow struct {
	Form       string
	Prefix     string // "markups."
	Key        string
	Label      string
	Kind       string
	Value      string
	KindError  string
	ValueError string
}

// KindName and ValueName are the inputs' names, the service's field paths.
func (m channelMarkupRow) KindName() string  { return m.Prefix + m.Key + ".kind" }
func (m channelMarkupRow) ValueName() string { return m.Prefix + m.Key + ".value" }

// ID is the prefix of the inputs' ids, unique on the page.
func (m channelMarkupRow) ID() string { return m.Form + "-" + strings.ReplaceAll(m.Key, "_", "-") }

// channelMarkupRows fills a markup editor from a refused submission or,
// when the form was not submitted, from the markups in place.
func channelMarkupRows(f *Form, prefix string, current *pricing.ChargeMarkups) []channelMarkupRow {
	rows := make([]channelMarkupRow, 0, len(channelChargeTypes))
	for _, ct := range channelChargeTypes {
		row := channelMarkupRow{Form: f.Name, Prefix: prefix, Key: ct.Key, Label: ct.Label}
		kind, value := "", ""
		if m := channelMarkupOf(current, ct.Key); m != nil {
			kind, value = string(m.Kind), m.Value.String()
		}
		row.Kind, row.Value = f.Value(row.KindName(), kind), f.Value(row.ValueName(), value)
		row.KindError, row.ValueError = f.Error(row.KindName()), f.Error(row.ValueName())
		rows = append(rows, row)
	}
	return rows
}

// channelParseMarkups reads a markup editor. A charge type left blank has
// no markup (pass-through); any set reports whether one was given. Input
// the service could not be handed (a value that is no number, a value
// without a kind) comes back as field errors.
func channelParseMarkups(form url.Values, prefix string) (m pricing.ChargeMarkups, given bool, fields []errs.FieldError) {
	for _, ct := range channelChargeTypes {
		kindName, valueName := prefix+ct.Key+".kind", prefix+ct.Key+".value"
		kind, value := strings.TrimSpace(form.Get(kindName)), strings.TrimSpace(form.Get(valueName))
		if kind == "" && value == "" {
			continue
		}
		if kind == "" {
			fields = append(fields, errs.Field(kindName, "required", "needs a kind: percent or fixed"))
			continue
		}
		if value == "" {
			fields = append(fields, errs.Field(valueName, "required", "is required"))
			continue
		}
		d, err := money.ParseDecimal(value)
		if err != nil {
			fields = append(fields, errs.Field(valueName, "invalid_number", "is not a number such as 12.5 or -3"))
			continue
		}
		mk := &pricing.Markup{Kind: pricing.MarkupKind(kind), Value: d}
		switch ct.Key {
		case "recurring":
			m.Recurring = mk
		case "one_off":
			m.OneOff = mk
		case "extras":
			m.Extras = mk
		case "usage":
			m.Usage = mk
		case "iaas":
			m.IaaS = mk
		}
		given = true
	}
	return m, given, fields
}

// channelInvalid is a refusal of the form's own reading of its input.
func channelInvalid(fields []errs.FieldError) error {
	return errs.Invalid("validation_failed", "some fields are invalid", fields...)
}

// channelCatalogRow is a catalog with its tier and markups in words.
type channelCatalogRow struct {
	channel.PriceCatalog
	TierLabel string
	Summary   string
}

// channelCatalogsData is the catalogs page.
type channelCatalogsData struct {
	Tabs    []channelTab
	Owned   []channelCatalogRow
	Source  *channelCatalogRow
	Tiers   []channelOption
	Markups []channelMarkupRow
}

// channelCatalogsPage lists the party's price catalogs and the one it buys
// from, with the form to create one.
func (h *handler) channelCatalogsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	cats, err := h.ch.ListPriceCatalogs(r.Context())
	if err != nil {
		return err
	}
	d := channelCatalogsData{Tabs: channelTabs(r), Tiers: channelTiers(r), Markups: channelMarkupRows(v.Form("create"), "markups.", nil)}
	for i, c := range cats {
		row := channelCatalogRow{PriceCatalog: cats[i], TierLabel: channelTierLabel(c.Tier), Summary: channelMarkupSummary(c.Markups)}
		switch c.Relation {
		case "owner":
			d.Owned = append(d.Owned, row)
		case "buyer":
			d.Source = &row
		}
	}
	v.Title = "Price catalogs"
	v.Data = d
	return h.render(w, r, v, channelPanel)
}

// channelCreateCatalog creates a price catalog with its default markups.
func (h *handler) channelCreateCatalog(w http.ResponseWriter, r *http.Request, v *view) error {
	f := r.PostForm
	markups, _, fields := channelParseMarkups(f, "markups.")
	if len(fields) > 0 {
		return h.formFailed(w, r, v, "create", channelInvalid(fields), "/channel/catalogs", h.channelCatalogsPage)
	}
	name, def := f.Get("name"), f.Get("is_default") == "on"
	c, err := h.ch.CreatePriceCatalog(r.Context(), channel.PriceCatalogInput{Tier: f.Get("tier"), Name: &name, Markups: &markups, IsDefault: &def})
	if err != nil {
		return h.formFailed(w, r, v, "create", err, "/channel/catalogs", h.channelCatalogsPage)
	}
	return h.done(w, r, "/channel/catalogs/"+c.ID, fmt.Sprintf("The price catalog “%s” was created. Below are the prices it sells at.", c.Name))
}

// channelPriceRow is one plan of a catalog's price table. Its prices are
// the charges as the invoice bills them (channel.ChargeAmounts), never a
// unit price with more decimals than the currency.
type channelPriceRow struct {
	channel.PlanPrice
	// Margin is the licence's sell amount less its buy amount; Percent the
	// licence's unit sell price over its unit buy price ("" when that is
	// zero).
	Margin  money.Amount
	Percent string
}

// channelCatalogData is a catalog's page.
type channelCatalogData struct {
	Tabs    []channelTab
	Catalog channelCatalogRow
	// DefaultOn is the default flag's checkbox value, "on" when checked.
	DefaultOn string
	Owner     bool
	Prices    []channelPriceRow
	Markups   []channelMarkupRow
	Rule      []channelMarkupRow
	Plans     []channelOption
}

// channelCatalogPage shows a catalog with the price of every plan it
// offers: to its owner what it buys and sells at, with the forms to change
// its markups; to a buyer only what it buys at.
func (h *handler) channelCatalogPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	c, err := h.ch.GetPriceCatalog(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	prices, err := h.ch.CatalogPrices(ctx, c.ID)
	if err != nil {
		return err
	}
	d := channelCatalogData{Tabs: channelTabs(r), Owner: c.Relation == "owner",
		Catalog: channelCatalogRow{PriceCatalog: c, TierLabel: channelTierLabel(c.Tier), Summary: channelMarkupSummary(c.Markups)}}
	for _, p := range prices {
		row := channelPriceRow{PlanPrice: p}
		if p.Buys != nil && p.BuysAmounts != nil {
			if row.Margin, err = p.SellsAmounts.Recurring.Sub(p.BuysAmounts.Recurring); err != nil {
				return err
			}
			if !p.Buys.Recurring.IsZero() {
				unit := p.Sells.Recurring.Sub(p.Buys.Recurring)
				if pct, err := unit.Mul(money.DecimalFromInt(100)).Div(p.Buys.Recurring, 2); err == nil {
					row.Percent = pct.String()
				}
			}
		}
		d.Prices = append(d.Prices, row)
		d.Plans = append(d.Plans, channelOption{Value: p.PlanID, Label: p.ProductName + " — " + p.PlanName})
	}
	if c.IsDefault {
		d.DefaultOn = "on"
	}
	d.Markups = channelMarkupRows(v.Form("edit"), "markups.", c.Markups)
	d.Rule = channelMarkupRows(v.Form("rule"), "markups.", nil)
	v.Title = c.Name
	v.Data = d
	return h.render(w, r, v, channelPanel)
}

// channelUpdateCatalog changes a catalog's name, default flag and default
// markups.
func (h *handler) channelUpdateCatalog(w http.ResponseWriter, r *http.Request, v *view) error {
	id, f := r.PathValue("id"), r.PostForm
	back := "/channel/catalogs/" + id
	markups, _, fields := channelParseMarkups(f, "markups.")
	if len(fields) > 0 {
		return h.formFailed(w, r, v, "edit", channelInvalid(fields), back, h.channelCatalogPage)
	}
	name, def := f.Get("name"), f.Get("is_default") == "on"
	c, err := h.ch.UpdatePriceCatalog(r.Context(), id, channel.PriceCatalogInput{Name: &name, Markups: &markups, IsDefault: &def})
	if err != nil {
		return h.formFailed(w, r, v, "edit", err, back, h.channelCatalogPage)
	}
	return h.done(w, r, back, fmt.Sprintf("The price catalog “%s” was saved. Below are the prices it now sells at.", c.Name))
}

// channelLevelPrefix is the chain level the service prefixes a plan
// rule's pricing errors with.
var channelLevelPrefix = regexp.MustCompile(`^levels\[\d+\]\.`)

// channelSetPlanRule prices one plan of a catalog apart: its own markups
// and/or its own licence and setup prices. With nothing given (or the
// remove button) the plan goes back to the catalog's default markups.
func (h *handler) channelSetPlanRule(w http.ResponseWriter, r *http.Request, v *view) error {
	id, f := r.PathValue("id"), r.PostForm
	back := "/channel/catalogs/" + id
	fail := func(err error) error { return h.formFailed(w, r, v, "rule", err, back, h.channelCatalogPage) }
	var markups *pricing.ChargeMarkups
	var override *pricing.PlanPriceOverride
	if f.Get("action") != "remove" {
		m, given, fields := channelParseMarkups(f, "markups.")
		if given && len(fields) == 0 {
			if err := m.Validate(); err != nil {
				e, _ := errs.As(err)
				for _, fe := range e.Fields {
					fields = append(fields, errs.Field("markups."+fe.Field, fe.Code, fe.Message))
				}
			}
			markups = &m
		}
		var o pricing.PlanPriceOverride
		for _, x := range []struct {
			name string
			dst  **money.Decimal
		}{{"override.recurring", &o.Recurring}, {"override.setup", &o.Setup}} {
			s := strings.TrimSpace(f.Get(x.name))
			if s == "" {
				continue
			}
			d, err := money.ParsePrice(s)
			if err != nil {
				fields = append(fields, errs.Field(x.name, "invalid_price", "is not a price such as 24.90"))
				continue
			}
			*x.dst = &d
		}
		if o.Recurring != nil || o.Setup != nil {
			override = &o
		}
		if strings.TrimSpace(f.Get("plan_id")) == "" {
			fields = append(fields, errs.Field("plan_id", "required", "is required"))
		}
		if len(fields) > 0 {
			return fail(channelInvalid(fields))
		}
	}
	rule, err := h.ch.SetPlanRule(r.Context(), id, f.Get("plan_id"), markups, override)
	if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
		fields := make([]errs.FieldError, len(e.Fields))
		for i, fe := range e.Fields {
			fe.Field = channelLevelPrefix.ReplaceAllString(fe.Field, "")
			fields[i] = fe
		}
		return fail(errs.Invalid(e.Code, e.Message, fields...))
	}
	if err != nil {
		return fail(err)
	}
	msg := "The plan now has its own prices in this catalog."
	if rule.Markups == nil && rule.Override == nil {
		msg = "The plan is priced with the catalog's default markups again."
	}
	return h.done(w, r, back, msg)
}
