package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// customerInvoiceRow is an invoice, pro-forma or credit note as the
// dashboard lists it.
type customerInvoiceRow struct {
	Inv billing.Invoice
}

// Kind names the document's kind.
func (r customerInvoiceRow) Kind() string {
	switch r.Inv.Kind {
	case billing.KindCreditNote:
		return "Credit note"
	case billing.KindProforma:
		return "Pro-forma"
	}
	return "Invoice"
}

// Credit reports whether the document is a credit note.
func (r customerInvoiceRow) Credit() bool { return r.Inv.Kind == billing.KindCreditNote }

// Overdue reports whether an issued invoice is past its due date.
func (r customerInvoiceRow) Overdue() bool {
	return r.Inv.Kind != billing.KindCreditNote && r.Inv.Status == billing.StatusIssued && r.Inv.OverdueAt != nil
}

// Unpaid reports whether something is left to pay on it.
func (r customerInvoiceRow) Unpaid() bool {
	return r.Inv.Kind != billing.KindCreditNote && r.Inv.Status == billing.StatusIssued && r.Inv.AmountDue.IsPositive()
}

// Status is the document's status, overdue included.
func (r customerInvoiceRow) Status() customerBadge {
	inv := r.Inv
	switch {
	case inv.Status == billing.StatusDraft:
		return customerBadge{"Draft", "muted"}
	case inv.Status == billing.StatusVoid:
		return customerBadge{"Void", "muted"}
	case inv.Status == billing.StatusUncollectible:
		return customerBadge{"Written off", "muted"}
	case inv.Status == billing.StatusPaid:
		return customerBadge{"Paid", "ok"}
	case r.Credit():
		return customerBadge{"Issued", ""}
	case r.Overdue():
		return customerBadge{"Overdue", "danger"}
	case inv.Paid.IsPositive():
		return customerBadge{"Partly paid", "warn"}
	case !inv.AmountDue.IsPositive():
		return customerBadge{"Settled", "ok"}
	}
	return customerBadge{"Unpaid", "warn"}
}

// Title is the document's name: its kind and number.
func (r customerInvoiceRow) Title() string {
	if r.Inv.Number == "" {
		return r.Kind()
	}
	return r.Kind() + " " + r.Inv.Number
}

// customerInvoiceFilters are the status filter's choices ("unpaid" and
// "overdue" are issued invoices with something due).
var customerInvoiceFilters = [][2]string{
	{"", "All statuses"},
	{"unpaid", "Unpaid"},
	{"overdue", "Overdue"},
	{billing.StatusPaid, "Paid"},
	{billing.StatusVoid, "Void"},
	{billing.StatusUncollectible, "Written off"},
}

// customerKindFilters are the kind filter's choices.
var customerKindFilters = [][2]string{
	{"", "All documents"},
	{billing.KindInvoice, "Invoices"},
	{billing.KindCreditNote, "Credit notes"},
	{billing.KindProforma, "Pro-formas"},
}

func customerChoice(choices [][2]string, v string) string {
	for _, c := range choices {
		if c[0] == v {
			return v
		}
	}
	return ""
}

// customerInvoicesData is the invoices page's content.
type customerInvoicesData struct {
	customerList[customerInvoiceRow]
	Kind         string
	Kinds        []customerFilter
	Subscription string
	SubTitle     string
}

// customerInvoices lists the organization's invoices and credit notes,
// newest first, by status and kind (and by subscription, from its page).
// Drafts are not shown: they are not documents until issued.
func (h *handler) customerInvoices(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := customerInvoicesData{}
	d.Status, d.Kind = customerChoice(customerInvoiceFilters, q.Get("status")), customerChoice(customerKindFilters, q.Get("kind"))
	d.Filters, d.Kinds = customerFilters(d.Status, customerInvoiceFilters...), customerFilters(d.Kind, customerKindFilters...)
	f := billing.InvoiceFilter{RecipientOrgID: orgOf(r), Kind: d.Kind, Page: page.Request{Cursor: q.Get("cursor")}}
	switch d.Status {
	case "unpaid":
		f.Status = billing.StatusIssued
	case "overdue":
		f.Overdue = true
	default:
		f.Status = d.Status
	}
	if id := q.Get("subscription"); id != "" {
		sub, err := h.customerSubOf(r, id)
		if err != nil {
			return err
		}
		it, err := h.lookups().item(ctx, sub.ProductID, sub.PlanID)
		if err != nil {
			return err
		}
		f.SubscriptionID, d.Subscription, d.SubTitle = sub.ID, sub.ID, it.Product+" "+it.Plan
	}
	d.Filtered = d.Status != "" || d.Kind != "" || d.Subscription != ""
	list, next, err := h.bill.ListInvoices(ctx, f)
	if err != nil {
		return err
	}
	for _, inv := range list {
		row := customerInvoiceRow{Inv: inv}
		if inv.Status == billing.StatusDraft || (d.Status == "unpaid" && !row.Unpaid()) {
			continue
		}
		d.Rows = append(d.Rows, row)
	}
	d.Next, d.First = customerPageLinks("/my/invoices", q, next)
	v.Title = "Your invoices"
	v.Data = d
	return h.render(w, r, v, "customer_invoices")
}

// customerInvoiceOf loads document id received by the signed-in customer's
// organization; anyone else's, and drafts, are not found.
func (h *handler) customerInvoiceOf(r *http.Request, id string) (billing.Invoice, error) {
	inv, err := h.bill.GetInvoice(r.Context(), id)
	if errs.KindOf(err) == errs.KindInvalid {
		return inv, customerNotFound
	}
	if err != nil {
		return inv, err
	}
	if inv.RecipientOrgID != orgOf(r) || inv.Status == billing.StatusDraft {
		return billing.Invoice{}, customerNotFound
	}
	return inv, nil
}

// customerInvoiceData is the invoice page's content.
type customerInvoiceData struct {
	customerInvoiceRow
	Payments []billing.Payment
	// CreditNotes are the credit notes of an invoice; CreditOf the invoice
	// a credit note credits.
	CreditNotes []customerInvoiceRow
	CreditOf    *customerInvoiceRow
	// Instructions say how to pay what is due, line by line.
	Instructions []string
	Note         string
	// Subscriptions link the lines to their subscriptions.
	Subscriptions map[string]string
}

// PaymentMethod names a payment's method.
func (customerInvoiceData) PaymentMethod(p billing.Payment) string {
	switch p.Method {
	case billing.MethodBankTransfer:
		return "Bank transfer"
	case billing.MethodDeclared:
		return "Declared paid by the seller"
	}
	return p.Method
}

// CreditedLine is the invoice line a credit note's line credits.
func (customerInvoiceData) CreditedLine(l billing.Line) string {
	if l.CreditsLine == nil {
		return ""
	}
	return strconv.Itoa(*l.CreditsLine)
}

// customerInvoice shows a document: issuer and recipient, lines with their
// periods, taxes, totals, payments, the credit notes linked, and for what
// is left to pay the payment instructions.
func (h *handler) customerInvoice(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	inv, err := h.customerInvoiceOf(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := customerInvoiceData{customerInvoiceRow: customerInvoiceRow{Inv: inv}, Subscriptions: map[string]string{}}
	if d.Payments, err = h.bill.ListPayments(ctx, inv.ID); err != nil {
		return err
	}
	if d.Credit() && inv.CreditOf != "" {
		if of, err := h.customerInvoiceOf(r, inv.CreditOf); err == nil {
			d.CreditOf = &customerInvoiceRow{Inv: of}
		} else if errs.KindOf(err) != errs.KindNotFound {
			return err
		}
	}
	if !d.Credit() {
		cursor := ""
		for {
			cns, next, err := h.bill.ListInvoices(ctx, billing.InvoiceFilter{RecipientOrgID: orgOf(r), Kind: billing.KindCreditNote,
				Page: page.Request{Limit: page.MaxLimit, Cursor: cursor}})
			if err != nil {
				return err
			}
			for _, cn := range cns {
				if cn.CreditOf == inv.ID && cn.Status != billing.StatusDraft {
					d.CreditNotes = append(d.CreditNotes, customerInvoiceRow{Inv: cn})
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	if d.Unpaid() {
		// As the PDF prints them (billing.Service.InvoicePDF): the
		// marketplace's bank details and the invoice number as reference.
		// A pro-forma is paid to its issuer, as agreed with it.
		if inv.Kind == billing.KindProforma {
			d.Note = inv.Issuer.Name + " bills this sale itself: pay it as agreed with " + inv.Issuer.Name + "."
		} else {
			set, err := h.bill.Settings(ctx)
			if err != nil {
				return err
			}
			for _, l := range strings.Split(strings.TrimSpace(set.PaymentInstructions), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					d.Instructions = append(d.Instructions, l)
				}
			}
			if inv.Number != "" {
				d.Instructions = append(d.Instructions, "Reference: "+inv.Number)
			}
		}
	}
	names := h.lookups()
	for _, l := range inv.Lines {
		if l.SubscriptionID == "" || d.Subscriptions[l.SubscriptionID] != "" {
			continue
		}
		sub, err := h.customerSubOf(r, l.SubscriptionID)
		if errs.KindOf(err) == errs.KindNotFound {
			continue
		}
		if err != nil {
			return err
		}
		it, err := names.item(ctx, sub.ProductID, sub.PlanID)
		if err != nil {
			return err
		}
		d.Subscriptions[sub.ID] = it.Product + " " + it.Plan
	}
	v.Title = d.Title()
	v.Data = d
	return h.render(w, r, v, "customer_invoice")
}

// customerInvoicePDF downloads a document as PDF, named after its number.
func (h *handler) customerInvoicePDF(w http.ResponseWriter, r *http.Request, v *view) error {
	inv, err := h.customerInvoiceOf(r, r.PathValue("id"))
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
