package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// The vendor's coupons: the list, with a button to disable one, and the
// form that creates one for some or all of its plans.

const obCouponForm = "coupon"

// obCouponsData is the coupon list.
type obCouponsData struct {
	Page  string
	Rows  []obCouponRow
	Next  string
	First string
}

type obCouponRow struct {
	Coupon catalog.Coupon
	Value  string
	Scope  string
	Uses   string
	Valid  string
	Plans  string
	Active bool
}

var obCouponKinds = []formOption{
	{Value: string(pricing.CouponDiscountPercent), Label: "Percentage off"},
	{Value: string(pricing.CouponDiscountAmount), Label: "Fixed amount off each period"},
	{Value: string(pricing.CouponFixedPrice), Label: "Fixed licence price (a private deal)"},
	{Value: string(pricing.CouponExtendedTrial), Label: "Longer free trial"},
}

var obCouponScopes = []formOption{
	{Value: string(pricing.ScopeLicence), Label: "The licence"},
	{Value: string(pricing.ScopeLicenceExtras), Label: "The licence and the prepaid extra resources"},
	{Value: string(pricing.ScopeTotal), Label: "Everything: setup fees and infrastructure included"},
}

func obOptionLabel(opts []formOption, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

// obCoupons lists the organization's coupons, newest first.
func (h *handler) obCoupons(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	cursor := q.Get("cursor")
	list, next, err := h.cat.ListCoupons(r.Context(), page.Request{Cursor: cursor})
	if errs.KindOf(err) == errs.KindInvalid {
		list, next, err = h.cat.ListCoupons(r.Context(), page.Request{})
	}
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, o := range h.obOwnPlanOptions(r) {
		names[o.Value] = o.Label
	}
	d := obCouponsData{Page: "coupons"}
	for _, c := range list {
		row := obCouponRow{Coupon: c, Scope: obOptionLabel(obCouponScopes, string(c.Scope)), Active: c.Status == "active"}
		switch c.Kind {
		case pricing.CouponDiscountPercent:
			row.Value = money.FormatDecimal(c.Percent) + " % off"
		case pricing.CouponDiscountAmount:
			if c.Amount != nil {
				row.Value = money.Format(*c.Amount) + " off each period"
			}
		case pricing.CouponFixedPrice:
			cur, _ := money.ParseCurrency(c.Currency)
			row.Value = "Licence at " + money.FormatPrice(c.FixedPrice, cur) + " per period"
			row.Scope = "—"
		case pricing.CouponExtendedTrial:
			row.Value = fmt.Sprintf("%d-day trial", c.TrialDays)
			if c.Budget != nil {
				row.Value += fmt.Sprintf(" (budget %s, %s used)", money.Format(*c.Budget), money.Format(*c.BudgetUsed))
			}
			row.Scope = "—"
		}
		row.Uses = strconv.Itoa(c.Redemptions)
		if c.MaxRedemptions != nil {
			row.Uses += " of " + strconv.Itoa(*c.MaxRedemptions)
		}
		switch {
		case c.ValidFrom != nil && c.ValidUntil != nil:
			row.Valid = format(c.ValidFrom, "2 Jan 2006") + " – " + format(c.ValidUntil.Add(-time.Nanosecond), "2 Jan 2006")
		case c.ValidFrom != nil:
			row.Valid = "From " + format(c.ValidFrom, "2 Jan 2006")
		case c.ValidUntil != nil:
			row.Valid = "Through " + format(c.ValidUntil.Add(-time.Nanosecond), "2 Jan 2006")
		default:
			row.Valid = "No end"
		}
		if len(c.Plans) == 0 {
			row.Plans = "All your plans"
		} else {
			ps := make([]string, len(c.Plans))
			for i, l := range c.Plans {
				if ps[i] = names[l]; ps[i] == "" {
					ps[i] = shortID(l)
				}
			}
			row.Plans = strings.Join(ps, ", ")
		}
		d.Rows = append(d.Rows, row)
	}
	d.Next, d.First = pageLinks("/vendor/coupons", q, cursor, next)
	v.Title = "Coupons"
	v.Data = d
	return h.render(w, r, v, "vendor_onboarding")
}

// obOwnPlanOptions lists the active plans of the organization's own
// products, as check boxes.
func (h *handler) obOwnPlanOptions(r *http.Request) []formOption {
	var out []formOption
	prods, _, err := h.cat.SearchProducts(r.Context(), catalog.ProductFilter{VendorID: currentUser(r).Actor.OrgID, Page: page.Request{Limit: page.MaxLimit}})
	if err != nil {
		return nil
	}
	for _, p := range prods {
		if p.Status == catalog.Retired {
			continue
		}
		plans, err := h.cat.ListPlans(r.Context(), p.ID, false)
		if err != nil {
			continue
		}
		for _, pl := range plans {
			out = append(out, formOption{Value: pl.LineageID, Label: p.Name + " · " + pl.Name})
		}
	}
	return out
}

// obCouponFormData is the coupon form.
type obCouponFormData struct {
	Page       string
	C          map[string]formControl
	Errors     formErrors
	Currencies []string
}

func (h *handler) obNewCoupon(w http.ResponseWriter, r *http.Request, v *view) error {
	b := newControlForm(v, obCouponForm)
	d := obCouponFormData{Page: "coupon_form", C: map[string]formControl{}}
	c := d.C
	c["code"] = b.text("code", "Code", "").max(40).hint("3 to 40 letters, digits, - or _. Leave empty to have one made up.")
	c["kind"] = b.selectOne("kind", "Kind", string(pricing.CouponDiscountPercent), obCouponKinds).req()
	c["percent"] = b.decimal("percent", "Percentage off", "").ph("10").hint("Percentage coupons: more than 0, at most 100.").class("ob-for ob-for-discount_percent")
	c["amount"] = b.decimal("amount", "Amount off", "").ph("0.00").hint("Amount coupons: taken off each billing period.").class("ob-for ob-for-discount_amount")
	c["fixed_price"] = b.decimal("fixed_price", "Fixed licence price", "").ph("0.00").hint("Fixed-price coupons: the licence price per billing period.").
		class("ob-for ob-for-fixed_price")
	c["currency"] = b.text("currency", "Currency", "EUR").max(3).list("ob-currencies").hint("Of the amount, the fixed price or the budget.").
		class("ob-for ob-for-discount_amount ob-for-fixed_price ob-for-extended_trial")
	c["trial_days"] = b.number("trial_days", "Trial length", "").hint("Trial coupons: in days, 1 to 365.").class("ob-for ob-for-extended_trial")
	c["budget"] = b.decimal("budget", "Trial budget", "").ph("0.00").
		hint("Trial coupons, optional: each use draws the trial's infrastructure cost; the coupon stops when it is spent.").class("ob-for ob-for-extended_trial")
	c["scope"] = b.selectOne("scope", "Discount applies to", string(pricing.ScopeLicence), obCouponScopes).hint("Percentage and amount coupons.").
		class("ob-for ob-for-discount_percent ob-for-discount_amount")
	c["usage"] = b.selectOne("usage", "Use", catalog.Reusable, []formOption{
		{Value: catalog.Reusable, Label: "Reusable, by any number of customers"}, {Value: catalog.OneTime, Label: "Once, by whoever has the code"},
	}).req()
	c["max_redemptions"] = b.number("max_redemptions", "Maximum uses", "").hint("Reusable coupons, optional.")
	c["target_email"] = b.text("target_email", "Only for", "").typ("email").hint("Optional: the email of the one customer user who may use it.")
	c["valid_from"] = b.text("valid_from", "Valid from", "").typ("date").hint("Optional, from the start of that day (UTC).")
	c["valid_until"] = b.text("valid_until", "Valid through", "").typ("date").hint("Optional, to the end of that day (UTC).")
	if opts := h.obOwnPlanOptions(r); len(opts) > 0 {
		c["plans"] = b.checkboxes("plans", "Plans", nil, opts).hint("Leave all unchecked for every plan of yours.")
	}
	d.Errors = b.errors()
	for _, cur := range money.Currencies() {
		d.Currencies = append(d.Currencies, cur.Code())
	}
	v.Title = "New coupon"
	v.Data = d
	return h.render(w, r, v, "vendor_onboarding")
}

func (h *handler) obCreateCoupon(w http.ResponseWriter, r *http.Request, v *view) error {
	p := newObParser(r.PostForm)
	in := catalog.CouponInput{Code: p.str("code"), Kind: p.str("kind"), Scope: p.str("scope"), Currency: p.str("currency"),
		Usage: p.str("usage"), TargetEmail: strings.TrimSpace(p.str("target_email")), Plans: obNonBlank(r.PostForm["plans"])}
	switch pricing.CouponKind(in.Kind) {
	case pricing.CouponDiscountPercent:
		in.Percent = p.decimal("percent")
	case pricing.CouponDiscountAmount:
		in.Amount = p.decimal("amount")
	case pricing.CouponFixedPrice:
		in.FixedPrice = p.decimal("fixed_price")
	case pricing.CouponExtendedTrial:
		in.TrialDays = p.int("trial_days")
		in.Budget = p.optDecimal("budget")
	}
	if in.Usage != catalog.OneTime && strings.TrimSpace(p.str("max_redemptions")) != "" {
		in.MaxRedemptions = p.intPtr("max_redemptions")
	}
	day := func(name string, next bool) *time.Time {
		s := strings.TrimSpace(p.str(name))
		if s == "" {
			return nil
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			p.fail(name, "invalid_date", "is not a date (YYYY-MM-DD)")
			return nil
		}
		if next {
			t = t.AddDate(0, 0, 1)
		}
		return &t
	}
	in.ValidFrom, in.ValidUntil = day("valid_from", false), day("valid_until", true)
	err := p.err()
	if err == nil {
		var c catalog.Coupon
		if c, err = h.cat.CreateCoupon(r.Context(), in); err == nil {
			return h.done(w, r, "/vendor/coupons", fmt.Sprintf("The coupon %s was created.", c.Code))
		}
	}
	err = obRename(err, func(fe errs.FieldError) errs.FieldError {
		if g, _, _, ok := obSplitIndex(fe.Field); ok && g == "plans" {
			fe.Field = "plans"
		}
		return fe
	})
	return h.formFailed(w, r, v, obCouponForm, err, "/vendor/coupons", h.obNewCoupon)
}

func (h *handler) obDisableCoupon(w http.ResponseWriter, r *http.Request, v *view) error {
	c, err := h.cat.DisableCoupon(r.Context(), r.PathValue("id"))
	if err != nil {
		return h.refused(w, r, err, "/vendor/coupons")
	}
	return h.done(w, r, "/vendor/coupons", fmt.Sprintf("The coupon %s was disabled; uses already made stand.", c.Code))
}
