package web

import (
	"context"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// adminChartMonths is how many months the dashboard charts.
const adminChartMonths = 12

// adminMonthRow is one month of the dashboard's data table.
type adminMonthRow struct {
	Key   string
	Label string
	// Revenue is what was invoiced in the month, one amount per currency
	// of adminHomeData.Currencies.
	Revenue []adminSum
	Active  int
}

// adminSum is a sum of amounts of one currency, added with
// money.AddMinor: a sum beyond what an Amount holds is marked TooLarge
// (shown as "amount too large"), never wrapped.
type adminSum struct {
	Amount   money.Amount
	TooLarge bool
}

// add adds a to s (same currency); once too large, s stays so.
func (s *adminSum) add(a money.Amount) {
	if s.TooLarge {
		return
	}
	v, err := money.AddMinor(s.Amount.Minor(), a.Minor())
	if err != nil {
		s.TooLarge = true
		return
	}
	s.Amount = money.NewAmount(v, a.Currency())
}

// adminChartMax is the largest monthly amount, in minor units, the
// revenue chart draws (its pixel arithmetic multiplies by the plot's
// height): a larger month shows the table only.
const adminChartMax = math.MaxInt64 / 1024

// adminHomeData is the billing dashboard's content.
type adminHomeData struct {
	Months     []adminMonthRow
	Currencies []string
	// Currency is the one charted (the most invoiced).
	Currency      string
	RevenueChart  panelChart
	ActiveChart   panelChart
	Overdue       int
	OverdueDue    []adminSum
	OverdueCapped bool
	// Capped is set when the charts read only the latest documents.
	Capped bool
	// RevenueTooLarge is set when a month of the charted currency is too
	// large to draw (see adminChartMax): the table has the figures.
	RevenueTooLarge bool
	// FailedSteps are the subscriptions whose scheduled lifecycle step
	// failed (for staff managing customers; empty for other staff).
	FailedSteps []subscription.FailedStep
}

// adminHome is the billing dashboard: what was invoiced each month
// and how many subscriptions were live, as charts with their data table,
// and the overdue invoices.
func (h *handler) adminHome(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	d := adminHomeData{}
	first, index := d.addMonths(panelMonth(panelNow(r)))
	revenue, curs, err := h.adminRevenue(ctx, &d, first, index)
	if err != nil {
		return err
	}
	if err := h.adminActive(ctx, &d, first); err != nil {
		return err
	}
	d.addCharts(revenue, curs)
	if err := h.adminOverdue(ctx, &d); err != nil {
		return err
	}
	d.FailedSteps, err = h.subs.FailedSteps(ctx)
	if errs.KindOf(err) == errs.KindForbidden {
		err = nil // staff who do not manage customers
	}
	if err != nil {
		return err
	}
	v.Title = "Billing"
	v.Data = d
	return h.render(w, r, v, "admin_home")
}

// addMonths fills the rows of the adminChartMonths months ending with
// last; it returns the first month and each month's row by "2006-01".
func (d *adminHomeData) addMonths(last time.Time) (first time.Time, index map[string]int) {
	first = last.AddDate(0, -(adminChartMonths - 1), 0)
	index = map[string]int{}
	for i := range adminChartMonths {
		m := first.AddDate(0, i, 0)
		index[m.Format("2006-01")] = i
		d.Months = append(d.Months, adminMonthRow{Key: m.Format("2006-01"), Label: m.Format("Jan 2006")})
	}
	return first, index
}

// adminRevenue sums the invoices issued (and not voided) per month and
// currency into d's months, and picks the currency to chart. It returns the
// sums and the currencies by code.
func (h *handler) adminRevenue(ctx context.Context, d *adminHomeData, first time.Time, index map[string]int) (map[string][]adminSum, map[string]money.Currency, error) {
	revenue := map[string][]adminSum{}
	curs := map[string]money.Currency{}
	f := billing.InvoiceFilter{Kind: billing.KindInvoice, Page: page.Request{Limit: page.MaxLimit}}
	for scanned := 0; ; {
		list, next, err := h.bill.ListInvoices(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		old := false
		for _, inv := range list {
			if inv.CreatedAt.Before(first.AddDate(0, -1, 0)) {
				old = true // drafts may be issued later than made: a month's slack
			}
			if inv.IssuedAt == nil || inv.Status == billing.StatusVoid || inv.Status == billing.StatusDraft {
				continue
			}
			i, ok := index[inv.IssuedAt.UTC().Format("2006-01")]
			if !ok {
				continue
			}
			if revenue[inv.Currency] == nil {
				revenue[inv.Currency] = make([]adminSum, adminChartMonths)
				curs[inv.Currency] = inv.Total.Currency()
				for j := range revenue[inv.Currency] {
					revenue[inv.Currency][j].Amount = money.NewAmount(0, inv.Total.Currency())
				}
			}
			revenue[inv.Currency][i].add(inv.Total)
		}
		scanned += len(list)
		if next == "" || old {
			break
		}
		if scanned >= panelScanLimit*4 {
			d.Capped = true
			break
		}
		f.Page.Cursor = next
	}
	d.Currency = adminMostInvoiced(revenue)
	for c := range revenue {
		d.Currencies = append(d.Currencies, c)
	}
	slices.Sort(d.Currencies)
	for i := range d.Months {
		for _, c := range d.Currencies {
			d.Months[i].Revenue = append(d.Months[i].Revenue, revenue[c][i])
		}
	}
	return revenue, curs, nil
}

// adminActive counts the subscriptions live at the end of each of d's
// months (the current one: now).
func (h *handler) adminActive(ctx context.Context, d *adminHomeData, first time.Time) error {
	capped, err := h.panelEachSub(ctx, "", subscription.SubscriptionFilter{}, func(s subscription.Subscription) {
		switch s.Status {
		case subscription.StatusRequiresApproval, subscription.StatusRejected, subscription.StatusWaitingPayment:
			return
		}
		for i := range d.Months {
			end := first.AddDate(0, i+1, 0)
			if s.StartedAt.Before(end) && (s.EndedAt == nil || !s.EndedAt.Before(end)) {
				d.Months[i].Active++
			}
		}
	})
	if err != nil {
		return err
	}
	d.Capped = d.Capped || capped
	return nil
}

// addCharts draws the revenue of d's currency and the live subscriptions
// of d's months.
func (d *adminHomeData) addCharts(revenue map[string][]adminSum, curs map[string]money.Currency) {
	labels, subs, full := make([]string, len(d.Months)), make([]string, len(d.Months)), make([]string, len(d.Months))
	active := make([]int64, len(d.Months))
	for i, m := range d.Months {
		labels[i], full[i] = m.Label[:3], m.Label
		if i == 0 || strings.HasSuffix(m.Key, "-01") {
			subs[i] = m.Key[:4]
		}
		active[i] = int64(m.Active)
	}
	span := d.Months[0].Label + " to " + d.Months[len(d.Months)-1].Label
	if d.Currency != "" {
		cur := curs[d.Currency]
		bars := make([]int64, len(revenue[d.Currency]))
		for i, s := range revenue[d.Currency] {
			bars[i] = s.Amount.Minor()
			d.RevenueTooLarge = d.RevenueTooLarge || s.TooLarge || bars[i] > adminChartMax
		}
		d.RevenueChart = panelBarChart("revenue", "Revenue invoiced per month in "+d.Currency,
			"Bar chart of the amount invoiced in "+d.Currency+" each month, "+span+". The same figures are in the table below.",
			labels, subs, full, bars,
			func(x int64) string { return money.Format(money.NewAmount(x, cur)) },
			func(x int64) string { return money.FormatNumber(money.NewAmount(x, cur)) })
	}
	d.ActiveChart = panelBarChart("active", "Live subscriptions at each month's end",
		"Bar chart of the subscriptions live at the end of each month, "+span+". The same figures are in the table below.",
		labels, subs, full, active, panelCount, panelCount)
}

// adminOverdue counts the overdue invoices and sums what is due on them
// per currency.
func (h *handler) adminOverdue(ctx context.Context, d *adminHomeData) error {
	dues := map[string]*adminSum{}
	of := billing.InvoiceFilter{Overdue: true, Page: page.Request{Limit: page.MaxLimit}}
	for {
		list, next, err := h.bill.ListInvoices(ctx, of)
		if err != nil {
			return err
		}
		for _, inv := range list {
			d.Overdue++
			if dues[inv.Currency] == nil {
				dues[inv.Currency] = &adminSum{Amount: money.NewAmount(0, inv.AmountDue.Currency())}
			}
			dues[inv.Currency].add(inv.AmountDue)
		}
		if next == "" {
			break
		}
		if d.Overdue >= panelScanLimit {
			d.OverdueCapped = true
			break
		}
		of.Page.Cursor = next
	}
	for _, c := range slices.Sorted(maps.Keys(dues)) {
		d.OverdueDue = append(d.OverdueDue, *dues[c])
	}
	return nil
}

// adminRetryStep puts a subscription whose scheduled lifecycle step
// failed back in the due queue, once its cause is corrected (see
// subscription.Service.RetryStep).
func (h *handler) adminRetryStep(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := h.subs.RetryStep(r.Context(), r.PathValue("id")); err != nil {
		return h.refused(w, r, err, "/admin")
	}
	return h.done(w, r, "/admin", "The subscription's lifecycle will try its step again within a minute.")
}

// adminMostInvoiced is the currency invoiced most over the months (a
// month too large counts as the most; ties go to the first code), summed
// in a money.WideSum, which no twelve months overflow; "" when nothing was.
func adminMostInvoiced(revenue map[string][]adminSum) string {
	best, bestBig, bestSum := "", false, money.WideSum{}
	for _, c := range slices.Sorted(maps.Keys(revenue)) {
		var sum money.WideSum
		big := false
		for _, s := range revenue[c] {
			sum = sum.Add(s.Amount.Minor())
			big = big || s.TooLarge
		}
		if best == "" || (big && !bestBig) || (big == bestBig && sum.AddWide(bestSum.Neg()).Sign() > 0) {
			best, bestBig, bestSum = c, big, sum
		}
	}
	return best
}
