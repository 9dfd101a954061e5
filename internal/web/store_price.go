package web

import (
	"context"
	"fmt"
	"strconv"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Prices on the storefront are what the viewer would pay: every price comes
// from channel.Quote, the code path of POST /api/v1/quotes and of orders. A
// customer gets its own price list's price; visitors and other roles the
// marketplace's public (sell-out) price.

// storePrice is a plan's headline price: per period for plans that renew,
// once for the others.
type storePrice struct {
	Amount money.Amount
	// Per is the billing period ("month", "3 months"); empty for a price
	// paid once.
	Per string
	// IaaS is the infrastructure the per-period Amount includes (nil when
	// none): pages say "incl." so that it does not read as an extra.
	IaaS      *money.Amount
	Free      bool
	Contact   bool
	Available bool
	// Reason says why an unavailable plan cannot be bought here.
	Reason string
}

// storeQuotePlan prices plan at its defaults (minimum duration, required
// extras at their minimum) for the viewer of ctx. A plan the viewer cannot
// buy (contact only, not in its price list) comes back with an unavailable
// price and no error.
func (h *handler) storeQuotePlan(ctx context.Context, plan catalog.Plan) (channel.Quote, storePrice, error) {
	q, err := h.ch.Quote(ctx, channel.QuoteInput{PlanID: plan.ID})
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Kind == errs.KindInternal {
			return q, storePrice{}, err
		}
		if e.Code == pricing.CodeContactOnly {
			return q, storePrice{Contact: true, Reason: "Contact the vendor for an offer."}, nil
		}
		return q, storePrice{Reason: "Not available in your price list."}, nil
	}
	return q, storeHeadline(q), nil
}

// storePlanPrice is storeQuotePlan's headline price only.
func (h *handler) storePlanPrice(ctx context.Context, plan catalog.Plan) (storePrice, error) {
	_, p, err := h.storeQuotePlan(ctx, plan)
	return p, err
}

// storeHeadline is a quote's headline price.
func storeHeadline(q channel.Quote) storePrice {
	p := storePrice{Available: true}
	t := q.Plan.Terms()
	if t.Renewable() {
		p.Amount, p.Per = q.RecurringPerPeriod, storePeriodLabel(t.PeriodCount, t.PeriodUnit)
		p.IaaS = storeIaaSOf(q.Lines)
	} else {
		p.Amount = q.Total
	}
	p.Free = p.Amount.IsZero() && q.FirstInvoice.IsZero()
	return p
}

// storeIaaSOf is the infrastructure line of a quote's lines, nil when it
// has none.
func storeIaaSOf(lines []pricing.QuoteLine) *money.Amount {
	for _, l := range lines {
		if l.Kind == pricing.LineIaaS && l.Amount.IsPositive() {
			a := l.Amount
			return &a
		}
	}
	return nil
}

// storeLowest is the lowest available price of prices (the "from" price),
// or the first one when none is available. Prices in another currency than
// the first available one are not compared.
func storeLowest(prices []storePrice) storePrice {
	var best *storePrice
	for i := range prices {
		p := &prices[i]
		if !p.Available {
			continue
		}
		if best == nil {
			best = p
			continue
		}
		if c, err := p.Amount.Cmp(best.Amount); err == nil && c < 0 {
			best = p
		}
	}
	if best != nil {
		return *best
	}
	for _, p := range prices {
		if p.Contact {
			return p
		}
	}
	if len(prices) > 0 {
		return prices[0]
	}
	return storePrice{Reason: "No plan on sale yet."}
}

// storePeriodLabel names a length of n units: "month", "3 months",
// "24 hours".
func storePeriodLabel(n int, unit string) string {
	if n <= 1 {
		return unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// storeDuration names n periods of terms: "12 months", "48 hours".
func storeDuration(t pricing.Terms, n int) string {
	total := n * max(t.PeriodCount, 1)
	if total == 1 {
		return "1 " + t.PeriodUnit
	}
	return strconv.Itoa(total) + " " + t.PeriodUnit + "s"
}

// storeBilling says how a plan is billed, for people.
func storeBilling(p catalog.Plan) string {
	t := p.Terms()
	switch t.Kind {
	case pricing.PricingRenewableMonths, pricing.PricingRenewableHours:
		return "Every " + storePeriodLabel(t.PeriodCount, t.PeriodUnit) + ", renewed " + map[bool]string{true: "automatically", false: "on request"}[p.AutoRenew]
	case pricing.PricingShort:
		return "Once, for " + storeDuration(t, 1) + " (not renewed)"
	case pricing.PricingEverlasting:
		return "Once, never expires"
	case pricing.PricingFree:
		if t.Renewable() {
			return "Free, extras every " + storePeriodLabel(t.PeriodCount, t.PeriodUnit)
		}
		return "Free"
	case pricing.PricingContactOnly:
		return "On request"
	}
	return string(t.Kind)
}

// storeMinTerm is a plan's minimum order duration, "" when it is one
// period.
func storeMinTerm(p catalog.Plan) string {
	t := p.Terms()
	if !t.Renewable() {
		return ""
	}
	n := max(t.MinPeriods, 1)
	if len(t.AllowedPeriods) > 0 {
		n = t.AllowedPeriods[0]
		for _, a := range t.AllowedPeriods {
			n = min(n, a)
		}
	}
	return storeDuration(t, n)
}

// storeSchemeText describes a price scheme line by line at the viewer's
// price: "1–9: EUR 5.00 per user", "10 and more: EUR 3.00 per user".
func storeSchemeText(s pricing.Scheme, cur money.Currency, unit string) []string {
	if unit == "" {
		unit = "unit"
	}
	price := func(d money.Decimal) string { return money.FormatPrice(d, cur) }
	// A flat price or a fee is billed once per range: shown as the
	// invoice bills it (rounded once by its rule), not as a unit price.
	flat := func(d money.Decimal) string {
		a, err := money.LineAmount(d, money.DecimalFromInt(1), cur)
		if err != nil {
			return price(d)
		}
		return money.Format(a)
	}
	bounds := func(r pricing.Range) string {
		if r.To == nil {
			return money.FormatDecimal(r.From) + " and more"
		}
		if r.To.Equal(r.From) {
			return money.FormatDecimal(r.From)
		}
		return money.FormatDecimal(r.From) + "–" + money.FormatDecimal(*r.To)
	}
	extra := func(r pricing.Range) string {
		s := ""
		if !r.FlatPrice.IsZero() && r.FlatPrice.IsPositive() {
			s += " + " + flat(r.FlatPrice) + " flat"
		}
		if !r.SetupFee.IsZero() {
			s += " + " + flat(r.SetupFee) + " setup"
		}
		return s
	}
	var out []string
	switch s.Kind {
	case pricing.SchemePerUnit:
		out = append(out, price(s.UnitPrice)+" per "+unit)
	case pricing.SchemePackage:
		out = append(out, fmt.Sprintf("%s per %d %ss", flat(s.PackagePrice), s.PackageSize, unit))
	case pricing.SchemeTiered:
		out = append(out, "Tiered: each range's units at its price")
		for _, r := range s.Ranges {
			out = append(out, bounds(r)+": "+price(r.UnitPrice)+" per "+unit+extra(r))
		}
	case pricing.SchemeVolume:
		out = append(out, "Volume: every unit at the price of the range reached")
		for _, r := range s.Ranges {
			out = append(out, bounds(r)+": "+price(r.UnitPrice)+" per "+unit+extra(r))
		}
	case pricing.SchemeStairstep:
		out = append(out, "Stairstep: a flat price per range")
		for _, r := range s.Ranges {
			line := bounds(r) + ": " + flat(r.FlatPrice)
			if !r.SetupFee.IsZero() {
				line += " + " + flat(r.SetupFee) + " setup"
			}
			out = append(out, line)
		}
	}
	if (s.Kind == pricing.SchemePerUnit || s.Kind == pricing.SchemePackage) && len(s.Ranges) == 1 {
		r := s.Ranges[0]
		out = append(out, "From "+bounds(r)+" "+unit+"s")
		if !r.SetupFee.IsZero() {
			out = append(out, "+ "+flat(r.SetupFee)+" setup")
		}
	}
	return out
}

// storeCompare is a product's plans side by side.
type storeCompare struct {
	Plans []storePlanColumn
	// Extras and Metrics have a row per extra resource or metric (by name
	// or key across plans), with one cell per plan.
	Extras  []storeCompareRow
	Metrics []storeCompareRow
	// Bundle tells the plans are bundles: their components are listed.
	Bundle bool
	// AnyTrial, AnySetup, AnyIaaS, AnyMinTerm show the rows only when some
	// plan has them.
	AnyTrial, AnySetup, AnyIaaS, AnyMinTerm, AnyDescription bool
}

// storePlanColumn is one plan of the compare table.
type storePlanColumn struct {
	Plan    catalog.Plan
	Price   storePrice
	Billing string
	MinTerm string
	// Licence, Setup and IaaS are the quote's lines at the defaults.
	Licence, Setup, IaaS *money.Amount
	// FirstInvoice is what the first invoice comes to at the defaults.
	FirstInvoice *money.Amount
	Components   []string
}

// storeCompareRow is one row of the compare table.
type storeCompareRow struct {
	Label string
	Cells [][]string
}

// storeComparePlans prices a product's plans for the viewer and lines
// them up.
func (h *handler) storeComparePlans(ctx context.Context, plans []catalog.Plan) (storeCompare, error) {
	var c storeCompare
	extras, metrics := newStoreCompareCells(), newStoreCompareCells()
	for i, pl := range plans {
		q, price, err := h.storeQuotePlan(ctx, pl)
		if err != nil {
			return c, err
		}
		col := storePlanColumn{Plan: pl, Price: price, Billing: storeBilling(pl), MinTerm: storeMinTerm(pl)}
		c.AnyTrial = c.AnyTrial || pl.TrialDays > 0
		c.AnyMinTerm = c.AnyMinTerm || (col.MinTerm != "" && col.MinTerm != storeDuration(pl.Terms(), 1))
		c.AnyDescription = c.AnyDescription || pl.Description != ""
		if price.Available {
			fi := q.FirstInvoice
			col.FirstInvoice = &fi
			c.addLines(&col, q.Lines)
			storeBuyerPrices(q, i, extras, metrics)
		}
		c.Plans = append(c.Plans, col)
	}
	c.Extras, c.Metrics = extras.rows(len(plans)), metrics.rows(len(plans))
	return c, nil
}

// addLines sets the amounts of col from the lines of its plan's quote,
// and which rows the comparison needs.
func (c *storeCompare) addLines(col *storePlanColumn, lines []pricing.QuoteLine) {
	for _, l := range lines {
		a := l.Amount
		switch l.Kind {
		case pricing.LineLicence:
			col.Licence = &a
		case pricing.LineSetupFee:
			col.Setup, c.AnySetup = &a, true
		case pricing.LineIaaS:
			col.IaaS, c.AnyIaaS = &a, true
		case pricing.LineBundleComponent:
			col.Components, c.Bundle = append(col.Components, l.Description), true
		}
	}
}

// storeBuyerPrices adds plan i's cells of the extra resources and metrics:
// the buyer's unit prices, what the last level of its channel sells at (a
// bundle's components price themselves).
func storeBuyerPrices(q channel.Quote, i int, extras, metrics *storeCompareCells) {
	if len(q.Levels) != 1 || len(q.Levels[0]) == 0 {
		return
	}
	buys := q.Levels[0][len(q.Levels[0])-1].Sells
	for _, x := range buys.Extras {
		cell := storeSchemeText(x.Scheme, buys.Currency, x.Unit)
		note := "Prepaid with each period"
		if x.Billing == pricing.Postpaid {
			note = "Billed on use, after each period"
		}
		if x.Required {
			note = "Required · " + note
		}
		extras.set("x:"+x.Name+"/"+x.Unit, x.Name, i, append(cell, note))
	}
	for _, m := range buys.Metrics {
		var cell []string
		if !m.Included.IsZero() {
			cell = append(cell, money.FormatDecimal(m.Included)+" "+m.Unit+" included per period, then:")
		}
		metrics.set("m:"+m.Key, m.Name, i, append(cell, storeSchemeText(m.Scheme, buys.Currency, m.Unit)...))
	}
}

// storeCompareCells collects the rows of the comparison (one per extra
// resource or metric, in the order first met) and their cells by plan.
type storeCompareCells struct {
	keys   []string
	labels map[string]string
	cells  map[string]map[int][]string
}

func newStoreCompareCells() *storeCompareCells {
	return &storeCompareCells{labels: map[string]string{}, cells: map[string]map[int][]string{}}
}

// set puts cell in row key (labelled label on first use) for plan i.
func (t *storeCompareCells) set(key, label string, i int, cell []string) {
	if _, ok := t.cells[key]; !ok {
		t.cells[key] = map[int][]string{}
		t.keys = append(t.keys, key)
		t.labels[key] = label
	}
	t.cells[key][i] = cell
}

// rows are the collected rows with a cell for each of n plans.
func (t *storeCompareCells) rows(n int) []storeCompareRow {
	out := make([]storeCompareRow, 0, len(t.keys))
	for _, k := range t.keys {
		r := storeCompareRow{Label: t.labels[k], Cells: make([][]string, n)}
		for i := range n {
			r.Cells[i] = t.cells[k][i]
		}
		out = append(out, r)
	}
	return out
}
