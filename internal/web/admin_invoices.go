package web

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// panelsChartMonths is how many months the dashboard charts.
const panelsChartMonths = 12

// panelsMonthRow is one month of the dashboard's data table.
type panelsMonthRow struct {
	Key   string
	Label string
	// Revenue is what was invoiced in the month, one amount per currency
	// of panelsAdminHomeData.Currencies.
	Revenue []panelsSum
	Active  int
}

// panelsSum is a sum of amounts of one currency, added with
// money.AddMinor: a sum beyond what an Amount holds is marked TooLarge
// (shown as "amount too large"), never wrapped.
type panelsSum struct {
	Amount   money.Amount
	TooLarge bool
}

// add adds a to s (same currency); once too large, s stays so.
func (s *panelsSum) add(a money.Amount) {
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

// panelsChartMax is the largest monthly amount, in minor units, the
// revenue chart draws (its pixel arithmetic multiplies by the plot's
// height): a larger month shows the table only.
const panelsChartMax = math.MaxInt64 / 1024

// panelsAdminHomeData is the billing dashboard's content.
type panelsAdminHomeData struct {
	Months     []panelsMonthRow
	Currencies []string
	// Currency is the one charted (the most invoiced).
	Currency      string
	RevenueChart  panelsChart
	ActiveChart   panelsChart
	Overdue       int
	OverdueDue    []panelsSum
	OverdueCapped bool
	// Capped is set when the charts read only the latest documents.
	Capped bool
	// RevenueTooLarge is set when a month of the charted currency is too
	// large to draw (see panelsChartMax): the table has the figures.
	RevenueTooLarge bool
	// FailedSteps are the subscriptions whose scheduled lifecycle step
	// failed (for staff managing customers; empty for other staff).
	FailedSteps []subscription.FailedStep
}

// panelsAdminHome is the billing dashboard: what was invoiced each month
// and how many subscriptions were live, as charts with their data table,
// and the overdue invoices.
func (h *handler) panelsAdminHome(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	d := panelsAdminHomeData{}
	last := panelsMonth(panelsNow(r))
	first := last.AddDate(0, -(panelsChartMonths - 1), 0)
	index := map[string]int{}
	for i := range panelsChartMonths {
		m := first.AddDate(0, i, 0)
		index[m.Format("2006-01")] = i
		d.Months = append(d.Months, panelsMonthRow{Key: m.Format("2006-01"), Label: m.Format("Jan 2006")})
	}

	// Revenue: invoices issued (and not voided) per month and currency.
	revenue := map[string][]panelsSum{}
	curs := map[string]money.Currency{}
	f := billing.InvoiceFilter{Kind: billing.KindInvoice, Page: page.Request{Limit: page.MaxLimit}}
	for scanned := 0; ; {
		list, next, err := h.bill.ListInvoices(ctx, f)
		if err != nil {
			return err
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
				revenue[inv.Currency] = make([]panelsSum, panelsChartMonths)
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
		if scanned >= panelsScanLimit*4 {
			d.Capped = true
			break
		}
		f.Page.Cursor = next
	}
	d.Currency = panelsMostInvoiced(revenue)
	for c := range revenue {
		d.Currencies = append(d.Currencies, c)
	}
	slices.Sort(d.Currencies)
	for i := range d.Months {
		for _, c := range d.Currencies {
			d.Months[i].Revenue = append(d.Months[i].Revenue, revenue[c][i])
		}
	}

	// Live subscriptions at the end of each month (the current one: now).
	capped, err := h.panelsEachSub(ctx, "", subscription.SubscriptionFilter{}, func(s subscription.Subscription) {
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
			d.RevenueTooLarge = d.RevenueTooLarge || s.TooLarge || bars[i] > panelsChartMax
		}
		d.RevenueChart = panelsBarChart("revenue", "Revenue invoiced per month in "+d.Currency,
			"Bar chart of the amount invoiced in "+d.Currency+" each month, "+span+". The same figures are in the table below.",
			labels, subs, full, bars,
			func(x int64) string { return money.Format(money.NewAmount(x, cur)) },
			func(x int64) string { return money.FormatNumber(money.NewAmount(x, cur)) })
	}
	d.ActiveChart = panelsBarChart("active", "Live subscriptions at each month's end",
		"Bar chart of the subscriptions live at the end of each month, "+span+". The same figures are in the table below.",
		labels, subs, full, active, panelsCount, panelsCount)

	// Overdue invoices.
	dues := map[string]*panelsSum{}
	of := billing.InvoiceFilter{Overdue: true, Page: page.Request{Limit: page.MaxLimit}}
	for {
		list, next, err := h.bill.ListInvoices(ctx, of)
		if err != nil {
			return err
		}
		for _, inv := range list {
			d.Overdue++
			if dues[inv.Currency] == nil {
				dues[inv.Currency] = &panelsSum{Amount: money.NewAmount(0, inv.AmountDue.Currency())}
			}
			dues[inv.Currency].add(inv.AmountDue)
		}
		if next == "" {
			break
		}
		if d.Overdue >= panelsScanLimit {
			d.OverdueCapped = true
			break
		}
		of.Page.Cursor = next
	}
	for _, c := range slices.Sorted(maps.Keys(dues)) {
		d.OverdueDue = append(d.OverdueDue, *dues[c])
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
	return h.render(w, r, v, "panels_admin")
}

// panelsRetryStep puts a subscription whose scheduled lifecycle step
// failed back in the due queue, once its cause is corrected (see
// subscription.Service.RetryStep).
func (h *handler) panelsRetryStep(w http.ResponseWriter, r *http.Request, v *view) error {
	if err := h.subs.RetryStep(r.Context(), r.PathValue("id")); err != nil {
		return h.refused(w, r, err, "/admin")
	}
	return h.done(w, r, "/admin", "The subscription's lifecycle will try its step again within a minute.")
}

// panelsMostInvoiced is the currency invoiced most over the months (a
// month too large counts as the most; ties go to the first code), summed
// in a money.WideSum, which no twelve months overflow; "" when nothing was.
func panelsMostInvoiced(revenue map[string][]panelsSum) string {
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

var panelsInvoiceStatuses = []panelsOption{
	{billing.StatusDraft, "Draft"}, {billing.StatusIssued, "Issued"}, {billing.StatusPaid, "Paid"},
	{billing.StatusVoid, "Void"}, {billing.StatusUncollectible, "Written off"},
}

var panelsKinds = map[string]string{billing.KindInvoice: "Invoice", billing.KindCreditNote: "Credit note", billing.KindProforma: "Pro-forma"}

// panelsInvoiceRow is one document of the list.
type panelsInvoiceRow struct {
	Inv    billing.Invoice
	Kind   string
	Status string
}

// panelsAdminInvoicesData is the invoices page's content.
type panelsAdminInvoicesData struct {
	listData[panelsInvoiceRow]
	Status   string
	Overdue  bool
	Statuses []panelsOption
	// Recipient is the customer the list is narrowed to.
	Recipient identity.Organization
	// Matches are the organizations the search found, when it found
	// several.
	Matches  []identity.Organization
	NoMatch  bool
	Searched bool
}

// panelsAdminInvoices lists every document, newest first, filtered by
// status, overdue and customer (searched by name or email).
func (h *handler) panelsAdminInvoices(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx, q := r.Context(), r.URL.Query()
	d := panelsAdminInvoicesData{Status: q.Get("status"), Overdue: q.Get("overdue") == "1", Statuses: panelsInvoiceStatuses}
	d.Query = strings.TrimSpace(q.Get("q"))
	v.Title = "Invoices"
	f := billing.InvoiceFilter{Status: d.Status, Overdue: d.Overdue, Page: page.Request{Cursor: q.Get("cursor")}}
	if rid := q.Get("recipient"); rid != "" {
		o, err := h.id.GetOrganization(ctx, rid)
		if err != nil {
			return err
		}
		d.Recipient, f.RecipientOrgID = o, o.ID
	} else if d.Query != "" {
		d.Searched = true
		orgs, _, err := h.id.ListOrganizations(ctx, identity.OrganizationFilter{Query: d.Query, Page: page.Request{Limit: 20}})
		if err != nil {
			return err
		}
		switch len(orgs) {
		case 0:
			d.NoMatch = true
		case 1:
			d.Recipient, f.RecipientOrgID = orgs[0], orgs[0].ID
		default:
			d.Matches = orgs
		}
	}
	if !d.NoMatch && d.Matches == nil {
		list, next, err := h.bill.ListInvoices(ctx, f)
		if err != nil {
			return err
		}
		for _, inv := range list {
			d.Rows = append(d.Rows, panelsInvoiceRow{Inv: inv, Kind: panelsKinds[inv.Kind], Status: panelsLabel(panelsInvoiceStatuses, inv.Status)})
		}
		keep := url.Values{}
		for _, k := range []string{"status", "overdue", "q", "recipient"} {
			if val := q.Get(k); val != "" {
				keep.Set(k, val)
			}
		}
		d.Next, d.First = pageLinks("/admin/invoices", keep, q.Get("cursor"), next)
	}
	v.Data = d
	return h.render(w, r, v, "panels_admin_invoices")
}

// panelsCreditRow is an invoice line as the credit note form shows it.
type panelsCreditRow struct {
	Line billing.Line
	// Field is the amount input's name.
	Field string
}

// panelsAdminInvoiceData is an invoice page's content.
type panelsAdminInvoiceData struct {
	Inv         billing.Invoice
	Kind        string
	Status      string
	Payments    []billing.Payment
	CreditNotes []billing.Invoice
	Lines       []panelsCreditRow
	Today       string
	// What may be done now.
	CanPay, CanVoid, CanWriteOff, CanIssue, CanCredit bool
}

// panelsAdminInvoice shows a document with its lines, payments and credit
// notes, and the forms to record a bank transfer, credit, void, write off
// or issue it.
func (h *handler) panelsAdminInvoice(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	inv, err := h.panelsInvoice(r)
	if err != nil {
		return err
	}
	d := panelsAdminInvoiceData{Inv: inv, Kind: panelsKinds[inv.Kind], Status: panelsLabel(panelsInvoiceStatuses, inv.Status),
		Today: panelsNow(r).Format(time.DateOnly)}
	if d.Payments, err = h.bill.ListPayments(ctx, inv.ID); err != nil {
		return err
	}
	if inv.Kind != billing.KindCreditNote {
		cns, _, err := h.bill.ListInvoices(ctx, billing.InvoiceFilter{Kind: billing.KindCreditNote, RecipientOrgID: inv.RecipientOrgID,
			Page: page.Request{Limit: page.MaxLimit}})
		if err != nil {
			return err
		}
		for _, cn := range cns {
			if cn.CreditOf == inv.ID {
				d.CreditNotes = append(d.CreditNotes, cn)
			}
		}
	}
	for _, l := range inv.Lines {
		d.Lines = append(d.Lines, panelsCreditRow{Line: l, Field: "credit_" + strconv.Itoa(l.LineNo)})
	}
	// The forms show to whom the service lets act: administrators managing
	// customers, not supervisors nor a read-only impersonation.
	manage := may(r, identity.CustomerManagement) && !v.ReadOnly()
	issued := inv.Status == billing.StatusIssued
	d.CanPay = manage && (inv.Kind == billing.KindInvoice && issued || v.Form("payment").Submitted)
	d.CanVoid = manage && inv.Kind != billing.KindCreditNote && (issued || inv.Status == billing.StatusDraft) && inv.Paid.IsZero() && inv.Credited.IsZero()
	d.CanWriteOff = manage && inv.Kind != billing.KindCreditNote && issued && inv.AmountDue.IsPositive()
	d.CanIssue = manage && inv.Status == billing.StatusDraft
	d.CanCredit = manage && inv.Kind != billing.KindCreditNote && (issued || inv.Status == billing.StatusPaid || inv.Status == billing.StatusUncollectible)
	v.Title = d.Kind + " " + inv.Number
	v.Data = d
	return h.render(w, r, v, "panels_admin_invoice")
}

// panelsInvoice loads the invoice of the path; a malformed id is not found.
func (h *handler) panelsInvoice(r *http.Request) (billing.Invoice, error) {
	inv, err := h.bill.GetInvoice(r.Context(), r.PathValue("id"))
	if errs.KindOf(err) == errs.KindInvalid {
		return inv, errs.NotFound("invoice_not_found", "no such invoice")
	}
	return inv, err
}

// panelsAdminInvoicePDF serves a document's PDF.
func (h *handler) panelsAdminInvoicePDF(w http.ResponseWriter, r *http.Request, v *view) error {
	inv, err := h.panelsInvoice(r)
	if err != nil {
		return err
	}
	pdf, name, err := h.bill.InvoicePDF(r.Context(), inv.ID)
	if err != nil {
		return err
	}
	sendFile(w, r, "application/pdf", name, pdf)
	return nil
}

// panelsPaymentAttachment serves a payment's deposit slip.
func (h *handler) panelsPaymentAttachment(w http.ResponseWriter, r *http.Request, v *view) error {
	p, data, err := h.bill.PaymentAttachment(r.Context(), r.PathValue("id"))
	if errs.KindOf(err) == errs.KindInvalid {
		return errs.NotFound("payment_not_found", "no such payment")
	}
	if err != nil {
		return err
	}
	sendFile(w, r, p.AttachmentType, p.AttachmentName, data)
	return nil
}

// panelsPaymentCodes shows the refusals of a payment next to its amount.
var panelsPaymentCodes = map[string]string{
	"invoice_void": "amount", "invoice_already_paid": "amount", "invoice_uncollectible": "amount", "invoice_not_issued": "amount",
	"not_payable": "amount", "proforma_declared": "amount",
}

// panelsRecordPayment records a bank transfer against an invoice, with the
// deposit slip's reference and optionally its scan, as the API's POST
// /invoices/{id}/payments does.
func (h *handler) panelsRecordPayment(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	back := "/admin/invoices/" + id
	fail := func(err error) error {
		if errs.KindOf(err) == errs.KindNotFound {
			return err
		}
		err = panelsCodeField(err, panelsPaymentCodes)
		err = panelsFieldErr(err, func(f string) string {
			if f == "attachment_name" {
				return "attachment"
			}
			return f
		})
		return h.formFailed(w, r, v, "payment", err, back, h.panelsAdminInvoice)
	}
	in := billing.PaymentInput{Amount: strings.TrimSpace(r.PostForm.Get("amount")), Reference: r.PostForm.Get("reference")}
	if s := strings.TrimSpace(r.PostForm.Get("received_on")); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return fail(panelsInvalid("received_on", "invalid_date", "is not a date (YYYY-MM-DD)"))
		}
		in.ReceivedOn = t
	}
	if r.MultipartForm != nil {
		file, hdr, err := r.FormFile("attachment")
		switch {
		case err == http.ErrMissingFile:
		case err != nil:
			return fail(panelsInvalid("attachment", "unreadable", "could not be read"))
		default:
			defer file.Close()
			if hdr.Size > billing.MaxAttachment {
				return fail(panelsInvalid("attachment", "too_large", "must be at most 5 MB"))
			}
			data, err := io.ReadAll(io.LimitReader(file, billing.MaxAttachment+1))
			if err != nil {
				return fail(panelsInvalid("attachment", "unreadable", "could not be read"))
			}
			if len(data) > 0 {
				in.Attachment, in.AttachmentName = data, path.Base(strings.ReplaceAll(hdr.Filename, "\\", "/"))
			}
		}
	}
	p, err := h.bill.RecordPayment(r.Context(), id, in)
	if err != nil {
		return fail(err)
	}
	return h.done(w, r, back, fmt.Sprintf("A payment of %s was recorded.", money.Format(p.Amount)))
}

// panelsReasonAction runs an administrator's action with a reason (void,
// write off) on an invoice.
func (h *handler) panelsReasonAction(w http.ResponseWriter, r *http.Request, v *view, form string,
	act func(ctx context.Context, id, reason string) (billing.Invoice, error), message string) error {
	id := r.PathValue("id")
	back := "/admin/invoices/" + id
	if _, err := act(r.Context(), id, r.PostForm.Get("reason")); err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return err
		}
		return h.formFailed(w, r, v, form, err, back, h.panelsAdminInvoice)
	}
	return h.done(w, r, back, message)
}

func (h *handler) panelsVoid(w http.ResponseWriter, r *http.Request, v *view) error {
	return h.panelsReasonAction(w, r, v, "void", h.bill.Void, "The invoice was voided.")
}

func (h *handler) panelsWriteOff(w http.ResponseWriter, r *http.Request, v *view) error {
	return h.panelsReasonAction(w, r, v, "writeoff", h.bill.MarkUncollectible, "The invoice was written off.")
}

// panelsIssue issues a draft.
func (h *handler) panelsIssue(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	inv, err := h.bill.Issue(r.Context(), id)
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return err
		}
		return h.refused(w, r, err, "/admin/invoices/"+id)
	}
	return h.done(w, r, "/admin/invoices/"+id, "The invoice was issued as "+inv.Number+".")
}

// panelsCreditNote credits lines of an invoice (the amounts entered), or
// all of it, never more than is left to credit.
func (h *handler) panelsCreditNote(w http.ResponseWriter, r *http.Request, v *view) error {
	inv, err := h.panelsInvoice(r)
	if err != nil {
		return err
	}
	back := "/admin/invoices/" + inv.ID
	in := billing.CreditNoteInput{Reason: r.PostForm.Get("reason")}
	var fields []string // the input of each line of in.Lines
	if r.PostForm.Get("all") != "1" {
		for _, l := range inv.Lines {
			name := "credit_" + strconv.Itoa(l.LineNo)
			if s := strings.TrimSpace(r.PostForm.Get(name)); s != "" {
				in.Lines = append(in.Lines, billing.CreditLineInput{LineNo: l.LineNo, Amount: &s})
				fields = append(fields, name)
			}
		}
		if len(in.Lines) == 0 {
			err := panelsInvalid("credit_lines", "required", "enter an amount for at least one line, or credit the whole invoice")
			return h.formFailed(w, r, v, "credit", err, back, h.panelsAdminInvoice)
		}
	}
	cn, err := h.bill.CreateCreditNote(r.Context(), inv.ID, in)
	if err != nil {
		err = panelsCodeField(err, map[string]string{"nothing_to_credit": "credit_lines", "invoice_not_creditable": "credit_lines"})
		err = panelsFieldErr(err, func(f string) string {
			if f == "lines" {
				return "credit_lines"
			}
			var i int
			if _, e := fmt.Sscanf(f, "lines[%d]", &i); e == nil && i >= 0 && i < len(fields) {
				return fields[i]
			}
			return f
		})
		return h.formFailed(w, r, v, "credit", err, back, h.panelsAdminInvoice)
	}
	return h.done(w, r, back, fmt.Sprintf("Credit note %s of %s was issued.", cn.Number, money.Format(cn.Total)))
}

// panelsFeeRow is a vendor with its platform fee.
type panelsFeeRow struct {
	Vendor identity.Organization
	Fee    billing.VendorFee
}

// panelsTaxRatesData is the tax rates page's content.
type panelsTaxRatesData struct {
	Rates []billing.TaxRate
	// DefaultFee is the marketplace's platform fee.
	DefaultFee money.Decimal
	Fees       []panelsFeeRow
	MoreFees   bool
	DefaultCat string
	CanEdit    bool
}

// panelsTaxRates lists the tax rates with a form to add one, and the
// vendors' platform fees.
func (h *handler) panelsTaxRates(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	rates, err := h.bill.ListTaxRates(ctx)
	if err != nil {
		return err
	}
	set, err := h.bill.Settings(ctx)
	if err != nil {
		return err
	}
	d := panelsTaxRatesData{Rates: rates, DefaultFee: set.PlatformFeePercent, DefaultCat: catalog.DefaultTaxCategory,
		CanEdit: may(r, identity.WholesalePricing) && !v.ReadOnly()}
	vendors, next, err := h.id.ListOrganizations(ctx, identity.OrganizationFilter{Kind: identity.VendorOrg, Page: page.Request{Limit: page.MaxLimit}})
	if err != nil {
		return err
	}
	d.MoreFees = next != ""
	for _, o := range vendors {
		fee, err := h.bill.GetVendorFee(ctx, o.ID)
		if err != nil {
			return err
		}
		d.Fees = append(d.Fees, panelsFeeRow{Vendor: o, Fee: fee})
	}
	v.Title = "Tax rates and fees"
	v.Data = d
	return h.render(w, r, v, "panels_admin_taxes")
}

// panelsTaxInput reads the tax rate form.
func panelsTaxInput(r *http.Request) (billing.TaxRateInput, error) {
	f := r.PostForm
	country, category, name := f.Get("country"), f.Get("category"), f.Get("name")
	rc := f.Get("reverse_charge") == "1"
	in := billing.TaxRateInput{Country: &country, Category: &category, Name: &name, ReverseCharge: &rc}
	if strings.TrimSpace(category) == "" {
		c := catalog.DefaultTaxCategory
		in.Category = &c
	}
	raw := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f.Get("rate")), "%"))
	if raw == "" {
		return in, panelsInvalid("rate", "required", "is required")
	}
	rate, err := money.ParseDecimal(raw)
	if err != nil {
		return in, panelsInvalid("rate", "invalid_number", "is not a number, e.g. 22 or 5.5")
	}
	in.Rate = &rate
	return in, nil
}

// panelsCreateTaxRate adds a tax rate.
func (h *handler) panelsCreateTaxRate(w http.ResponseWriter, r *http.Request, v *view) error {
	fail := func(err error) error {
		err = panelsCodeField(err, map[string]string{"tax_rate_exists": "category"})
		return h.formFailed(w, r, v, "taxrate", err, "/admin/tax-rates", h.panelsTaxRates)
	}
	in, err := panelsTaxInput(r)
	if err != nil {
		return fail(err)
	}
	rate, err := h.bill.CreateTaxRate(r.Context(), in)
	if err != nil {
		return fail(err)
	}
	return h.done(w, r, "/admin/tax-rates", fmt.Sprintf("The tax rate “%s” (%s %%) was added.", rate.Name, money.FormatDecimal(rate.Rate)))
}

// panelsTaxRateData is a tax rate's edit page content.
type panelsTaxRateData struct {
	Rate    billing.TaxRate
	CanEdit bool
}

// panelsFindTaxRate finds the tax rate of the path.
func (h *handler) panelsFindTaxRate(r *http.Request) (billing.TaxRate, error) {
	rates, err := h.bill.ListTaxRates(r.Context())
	if err != nil {
		return billing.TaxRate{}, err
	}
	for _, rt := range rates {
		if rt.ID == r.PathValue("id") {
			return rt, nil
		}
	}
	return billing.TaxRate{}, errs.NotFound("tax_rate_not_found", "no such tax rate")
}

// panelsTaxRate shows a tax rate's edit form.
func (h *handler) panelsTaxRate(w http.ResponseWriter, r *http.Request, v *view) error {
	rt, err := h.panelsFindTaxRate(r)
	if err != nil {
		return err
	}
	v.Title = "Tax rate " + rt.Name
	v.Data = panelsTaxRateData{Rate: rt, CanEdit: may(r, identity.WholesalePricing) && !v.ReadOnly()}
	return h.render(w, r, v, "panels_admin_tax")
}

// panelsUpdateTaxRate changes a tax rate.
func (h *handler) panelsUpdateTaxRate(w http.ResponseWriter, r *http.Request, v *view) error {
	rt, err := h.panelsFindTaxRate(r)
	if err != nil {
		return err
	}
	back := "/admin/tax-rates/" + rt.ID
	fail := func(err error) error {
		err = panelsCodeField(err, map[string]string{"tax_rate_exists": "category"})
		return h.formFailed(w, r, v, "taxrate", err, back, h.panelsTaxRate)
	}
	in, err := panelsTaxInput(r)
	if err != nil {
		return fail(err)
	}
	if _, err := h.bill.UpdateTaxRate(r.Context(), rt.ID, in); err != nil {
		return fail(err)
	}
	return h.done(w, r, "/admin/tax-rates", "The tax rate was saved. Invoices issued from now on use it.")
}

// panelsDeleteTaxRate removes a tax rate.
func (h *handler) panelsDeleteTaxRate(w http.ResponseWriter, r *http.Request, v *view) error {
	rt, err := h.panelsFindTaxRate(r)
	if err != nil {
		return err
	}
	if err := h.bill.DeleteTaxRate(r.Context(), rt.ID); err != nil {
		return h.refused(w, r, err, "/admin/tax-rates")
	}
	return h.done(w, r, "/admin/tax-rates", fmt.Sprintf("The tax rate “%s” was removed.", rt.Name))
}

// panelsSetVendorFee sets a vendor's platform fee (blank: the default).
func (h *handler) panelsSetVendorFee(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	form := "fee-" + id
	var pct *money.Decimal
	if raw := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r.PostForm.Get("percent")), "%")); raw != "" {
		d, err := money.ParseDecimal(raw)
		if err != nil {
			return h.formFailed(w, r, v, form, panelsInvalid("percent", "invalid_number", "is not a number, e.g. 15"), "/admin/tax-rates#fees", h.panelsTaxRates)
		}
		pct = &d
	}
	fee, err := h.bill.SetVendorFee(r.Context(), id, pct)
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return err
		}
		return h.formFailed(w, r, v, form, err, "/admin/tax-rates#fees", h.panelsTaxRates)
	}
	msg := fmt.Sprintf("The vendor's platform fee is now %s %%.", money.FormatDecimal(fee.Percent))
	if fee.Default {
		msg = "The vendor pays the marketplace's default platform fee again."
	}
	return h.done(w, r, "/admin/tax-rates#fees", msg)
}
