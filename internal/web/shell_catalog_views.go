package web

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// What the onboarding pages show of products, plans and schemes, worked
// out in Go so the templates stay simple.

// reviewStatus is a product status as a badge.
type reviewStatus struct {
	Label string
	Class string // the badge's class
}

// productStatusOf labels a product's status. A draft back from review
// with a reason is "rejected".
func productStatusOf(p catalog.Product) reviewStatus {
	switch {
	case p.Status == catalog.Draft && p.ReviewReason != "":
		return reviewStatus{"Rejected", "ob-badge-danger"}
	case p.Status == catalog.Draft:
		return reviewStatus{"Draft", "badge-muted"}
	case p.Status == catalog.InReview:
		return reviewStatus{"In review", "ob-badge-warn"}
	case p.Status == catalog.Published:
		return reviewStatus{"Published", "badge-ok"}
	case p.Status == catalog.Retired:
		return reviewStatus{"Retired", "badge-muted"}
	}
	return reviewStatus{p.Status, "badge-muted"}
}

// vendorStatusOf labels a vendor's onboarding status.
func vendorStatusOf(s string) reviewStatus {
	switch s {
	case catalog.VendorPending:
		return reviewStatus{"Awaiting review", "ob-badge-warn"}
	case catalog.VendorApproved:
		return reviewStatus{"Approved", "badge-ok"}
	case catalog.VendorRejected:
		return reviewStatus{"Rejected", "ob-badge-danger"}
	}
	return reviewStatus{s, "badge-muted"}
}

var schemeNames = map[pricing.SchemeKind]string{
	pricing.SchemePerUnit: "Per unit", pricing.SchemeTiered: "Tiered", pricing.SchemeVolume: "Volume",
	pricing.SchemeStairstep: "Stairstep", pricing.SchemePackage: "Package",
}

// periodText says "month", "3 months", "hour"...
func periodText(unit string, count int) string {
	if count <= 1 {
		return unit
	}
	return fmt.Sprintf("%d %ss", count, unit)
}

// planView is a plan as the onboarding pages show it.
type planView struct {
	Plan catalog.Plan
	// Price is the licence price in words ("EUR 20.00 per month").
	Price string
	// Facts are the other terms, one short sentence each.
	Facts   []string
	Extras  []itemView
	Metrics []itemView
	// Components are a bundle plan's product plans.
	Components []componentView
}

// componentView is one product plan of a bundle plan.
type componentView struct {
	Name     string
	Price    string
	Discount string
}

// planView is planViewOf with a bundle plan's components and price, which
// come from the current versions of its component plans.
func (h *handler) planView(ctx context.Context, pl catalog.Plan) planView {
	v := planViewOf(pl)
	if len(pl.Components) == 0 {
		return v
	}
	var parts []pricing.BundleComponent
	for _, c := range pl.Components {
		cv := componentView{Name: shortID(c.PlanLineageID), Discount: money.FormatDecimal(c.DiscountPercent) + " % off"}
		if cp, err := h.cat.CurrentPlan(ctx, c.PlanLineageID); err == nil {
			cv.Name, cv.Price = cp.Name, planViewOf(cp).Price
			if prod, err := h.cat.GetProduct(ctx, cp.ProductID); err == nil {
				cv.Name = prod.Name + " · " + cp.Name
			}
			parts = append(parts, pricing.BundleComponent{PlanID: cp.ID, Name: cp.Name, Prices: cp.Prices(), DiscountPercent: c.DiscountPercent})
		}
		v.Components = append(v.Components, cv)
	}
	if len(parts) == len(pl.Components) {
		if bp, err := pricing.PriceBundle(parts); err == nil {
			per := periodText(pl.PeriodUnit, pl.PeriodCount)
			v.Price = money.FormatPrice(bp.Recurring, bp.Currency) + " per " + per
			if !bp.Recurring.Equal(bp.ListRecurring) {
				v.Price += " instead of " + money.FormatPrice(bp.ListRecurring, bp.Currency)
			}
			v.Facts = slices.DeleteFunc(v.Facts, func(f string) bool { return strings.HasPrefix(f, "Setup fee") })
			if !bp.Setup.IsZero() {
				v.Facts = append([]string{"Setup fees " + money.FormatPrice(bp.Setup, bp.Currency)}, v.Facts...)
			}
		}
	} else {
		v.Price = "The sum of its plans' prices, less their discounts"
	}
	return v
}

// itemView is an extra resource or metric with its scheme.
type itemView struct {
	ID      string
	Name    string
	Unit    string
	Details []string
	Scheme  schemeView
}

func planViewOf(p catalog.Plan) planView {
	cur := p.Currency
	price := func(d money.Decimal) string { return money.FormatPrice(d, cur) }
	v := planView{Plan: p}
	per := periodText(p.PeriodUnit, p.PeriodCount)
	switch p.PricingKind {
	case pricing.PricingRenewableMonths, pricing.PricingRenewableHours:
		v.Price = price(p.RecurringPrice) + " per " + per
	case pricing.PricingShort:
		v.Price = price(p.RecurringPrice) + " for one " + per + ", not renewed"
	case pricing.PricingEverlasting:
		v.Price = price(p.RecurringPrice) + " once"
	case pricing.PricingFree:
		v.Price = "Free"
	case pricing.PricingContactOnly:
		v.Price = "Price on request"
	default:
		v.Price = price(p.RecurringPrice)
	}
	if !p.SetupFee.IsZero() {
		v.Facts = append(v.Facts, "Setup fee "+price(p.SetupFee))
	}
	if !p.IaaSCost.IsZero() {
		v.Facts = append(v.Facts, "Infrastructure cost "+price(p.IaaSCost)+" per "+per)
	}
	if p.MinPeriods > 1 {
		v.Facts = append(v.Facts, fmt.Sprintf("Minimum commitment %d billing periods (%d %ss)", p.MinPeriods, p.MinPeriods*p.PeriodCount, p.PeriodUnit))
	}
	if len(p.AllowedPeriods) > 0 {
		ns := make([]string, len(p.AllowedPeriods))
		for i, n := range p.AllowedPeriods {
			ns[i] = strconv.Itoa(n)
		}
		v.Facts = append(v.Facts, "Order durations: "+strings.Join(ns, ", ")+" billing periods")
	}
	if p.TrialDays > 0 {
		t := fmt.Sprintf("%d-day free trial", p.TrialDays)
		if p.TrialCardRequired {
			t += ", card required"
		}
		v.Facts = append(v.Facts, t)
	}
	switch p.PricingKind {
	case pricing.PricingRenewableMonths, pricing.PricingRenewableHours:
		if p.AutoRenew {
			v.Facts = append(v.Facts, "Renews automatically")
		} else {
			v.Facts = append(v.Facts, "Renewed by hand")
		}
	}
	if p.SelfBilled {
		v.Facts = append(v.Facts, "Billed by the vendor")
	}
	for _, x := range p.Extras {
		it := itemView{ID: x.ID, Name: x.Name, Unit: x.Unit, Scheme: schemeViewOf(x.Scheme, cur, x.Unit)}
		if x.Billing == string(pricing.Postpaid) {
			it.Details = append(it.Details, "Billed in arrears on the quantity used")
		} else {
			it.Details = append(it.Details, "Billed in advance each period")
		}
		if x.Required {
			it.Details = append(it.Details, "Always included")
		}
		v.Extras = append(v.Extras, it)
	}
	for _, m := range p.Metrics {
		it := itemView{ID: m.ID, Name: m.Name, Unit: m.Unit, Scheme: schemeViewOf(m.Scheme, cur, m.Unit)}
		it.Details = append(it.Details, "Key "+m.Key, "Usage aggregated by "+strings.ReplaceAll(m.Aggregation, "_", " "))
		if !m.Included.IsZero() {
			it.Details = append(it.Details, money.FormatDecimal(m.Included)+" "+unitsOf(m.Unit)+" included per period")
		}
		v.Metrics = append(v.Metrics, it)
	}
	return v
}

func unitsOf(unit string) string {
	if unit == "" {
		return "units"
	}
	return unit
}

// schemeView is a pricing scheme as a table of ranges.
type schemeView struct {
	Kind string
	// Summary is the scheme in one sentence ("EUR 0.10 per GB").
	Summary string
	Ranges  []rangeView
	// Which range columns have anything to show.
	HasUnit, HasFlat, HasSetup, HasStep, HasTag bool
}

type rangeView struct {
	Units, UnitPrice, FlatPrice, SetupFee, Step, Tag string
}

func schemeViewOf(s pricing.Scheme, cur money.Currency, unit string) schemeView {
	price := func(d money.Decimal) string { return money.FormatPrice(d, cur) }
	v := schemeView{Kind: schemeNames[s.Kind]}
	if v.Kind == "" {
		v.Kind = string(s.Kind)
	}
	u := unit
	if u == "" {
		u = "unit"
	}
	switch s.Kind {
	case pricing.SchemePerUnit:
		v.Summary = price(s.UnitPrice) + " per " + u
	case pricing.SchemePackage:
		v.Summary = fmt.Sprintf("%s per started package of %d %s", price(s.PackagePrice), s.PackageSize, unitsOf(unit))
	case pricing.SchemeTiered:
		v.Summary = "Each range's units at that range's price"
	case pricing.SchemeVolume:
		v.Summary = "Every unit at the price of the range the quantity falls in"
	case pricing.SchemeStairstep:
		v.Summary = "The flat price of the range the quantity falls in"
	}
	for _, r := range s.Ranges {
		rv := rangeView{Tag: r.Tag}
		switch {
		case r.To == nil:
			rv.Units = money.FormatDecimal(r.From) + " and more"
		case r.To.Equal(r.From):
			rv.Units = money.FormatDecimal(r.From)
		default:
			rv.Units = money.FormatDecimal(r.From) + "–" + money.FormatDecimal(*r.To)
		}
		if !r.UnitPrice.IsZero() || s.Kind == pricing.SchemeTiered || s.Kind == pricing.SchemeVolume {
			rv.UnitPrice, v.HasUnit = price(r.UnitPrice), true
		}
		if !r.FlatPrice.IsZero() || s.Kind == pricing.SchemeStairstep {
			rv.FlatPrice, v.HasFlat = price(r.FlatPrice), true
		}
		if !r.SetupFee.IsZero() {
			rv.SetupFee, v.HasSetup = price(r.SetupFee), true
		}
		if r.Step != nil {
			rv.Step, v.HasStep = money.FormatDecimal(*r.Step), true
		}
		if r.Tag != "" {
			v.HasTag = true
		}
		v.Ranges = append(v.Ranges, rv)
	}
	return v
}

// priceText writes a price for an input: plain digits (no grouping, which
// the parser refuses), with at least the currency's decimals ("20.00",
// "0.0125"); zero is blank.
func priceText(d money.Decimal, cur money.Currency) string {
	if d.IsZero() {
		return ""
	}
	s := d.String()
	places := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		places = len(s) - i - 1
	}
	if m := cur.MinorUnits(); places < m {
		return d.StringFixed(int32(m))
	}
	return s
}

var errProductNotFound = errs.NotFound("product_not_found", "no such product")
