package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

var adminInvoiceStatuses = []panelOption{
	{billing.StatusDraft, "Draft"}, {billing.StatusIssued, "Issued"}, {billing.StatusPaid, "Paid"},
	{billing.StatusVoid, "Void"}, {billing.StatusUncollectible, "Written off"},
}

var adminInvoiceKinds = map[string]string{billing.KindInvoice: "Invoice", billing.KindCreditNote: "Credit note", billing.KindProforma: "Pro-forma"}

// adminInvoiceRow is one document of the list.
type adminInvoiceRow struct {
	Inv    billing.Invoice
	Kind   string
	Status string
}

// adminInvoicesData is the invoices page's content.
type adminInvoicesData struct {
	listData[adminInvoiceRow]
	Status   string
	Overdue  bool
	Statuses []panelOption
	// Recipient is the customer the list is narrowed to.
	Recipient identity.Organization
	// Matches are the organizations the search found, when it found
	// several.
	Matches  []identity.Organization
	NoMatch  bool
	Searched bool
}

// adminInvoices lists every document, newest first, filtered by
// status, overdue and customer (searched by name or email).
func (h *handler) adminInvoices(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx, q := r.Context(), r.URL.Query()
	d := adminInvoicesData{Status: q.Get("status"), Overdue: q.Get("overdue") == "1", Statuses: adminInvoiceStatuses}
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
			d.Rows = append(d.Rows, adminInvoiceRow{Inv: inv, Kind: adminInvoiceKinds[inv.Kind], Status: panelLabel(adminInvoiceStatuses, inv.Status)})
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
	return h.render(w, r, v, "admin_invoices")
}

// adminCreditRow is an invoice line as the credit note form shows it.
type adminCreditRow struct {
	Line billing.Line
	// Field is the amount input's name.
	Field string
}

// adminInvoiceData is an invoice page's content.
type adminInvoiceData struct {
	Inv         billing.Invoice
	Kind        string
	Status      string
	Payments    []billing.Payment
	CreditNotes []billing.Invoice
	Lines       []adminCreditRow
	Today       string
	// What may be done now.
	CanPay, CanVoid, CanWriteOff, CanIssue, CanCredit bool
}

// adminInvoice shows a document with its lines, payments and credit
// notes, and the forms to record a bank transfer, credit, void, write off
// or issue it.
func (h *handler) adminInvoice(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	inv, err := h.adminInvoiceOf(r)
	if err != nil {
		return err
	}
	d := adminInvoiceData{Inv: inv, Kind: adminInvoiceKinds[inv.Kind], Status: panelLabel(adminInvoiceStatuses, inv.Status),
		Today: panelNow(r).Format(time.DateOnly)}
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
		d.Lines = append(d.Lines, adminCreditRow{Line: l, Field: "credit_" + strconv.Itoa(l.LineNo)})
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
	return h.render(w, r, v, "admin_invoice")
}

// adminInvoiceOf loads the invoice of the path; a malformed id is not found.
func (h *handler) adminInvoiceOf(r *http.Request) (billing.Invoice, error) {
	inv, err := h.bill.GetInvoice(r.Context(), r.PathValue("id"))
	if errs.KindOf(err) == errs.KindInvalid {
		return inv, errs.NotFound("invoice_not_found", "no such invoice")
	}
	return inv, err
}

// adminInvoicePDF serves a document's PDF.
func (h *handler) adminInvoicePDF(w http.ResponseWriter, r *http.Request, v *view) error {
	inv, err := h.adminInvoiceOf(r)
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

// adminPaymentAttachment serves a payment's deposit slip.
func (h *handler) adminPaymentAttachment(w http.ResponseWriter, r *http.Request, v *view) error {
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

// adminPaymentCodes shows the refusals of a payment next to its amount.
var adminPaymentCodes = map[string]string{
	"invoice_void": "amount", "invoice_already_paid": "amount", "invoice_uncollectible": "amount", "invoice_not_issued": "amount",
	"not_payable": "amount", "proforma_declared": "amount",
}

// adminRecordPayment records a bank transfer against an invoice, with the
// deposit slip's reference and optionally its scan, as the API's POST
// /invoices/{id}/payments does.
func (h *handler) adminRecordPayment(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	back := "/admin/invoices/" + id
	fail := func(err error) error {
		if errs.KindOf(err) == errs.KindNotFound {
			return err
		}
		err = panelCodeField(err, adminPaymentCodes)
		err = panelFieldErr(err, func(f string) string {
			if f == "attachment_name" {
				return "attachment"
			}
			return f
		})
		return h.formFailed(w, r, v, "payment", err, back, h.adminInvoice)
	}
	in := billing.PaymentInput{Amount: strings.TrimSpace(r.PostForm.Get("amount")), Reference: r.PostForm.Get("reference")}
	if s := strings.TrimSpace(r.PostForm.Get("received_on")); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return fail(panelInvalid("received_on", "invalid_date", "is not a date (YYYY-MM-DD)"))
		}
		in.ReceivedOn = t
	}
	if r.MultipartForm != nil {
		file, hdr, err := r.FormFile("attachment")
		switch {
		case err == http.ErrMissingFile:
		case err != nil:
			return fail(panelInvalid("attachment", "unreadable", "could not be read"))
		default:
			defer file.Close()
			if hdr.Size > billing.MaxAttachment {
				return fail(panelInvalid("attachment", "too_large", "must be at most 5 MB"))
			}
			data, err := io.ReadAll(io.LimitReader(file, billing.MaxAttachment+1))
			if err != nil {
				return fail(panelInvalid("attachment", "unreadable", "could not be read"))
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

// adminReasonAction runs an administrator's action with a reason (void,
// write off) on an invoice.
func (h *handler) adminReasonAction(w http.ResponseWriter, r *http.Request, v *view, form string,
	act func(ctx context.Context, id, reason string) (billing.Invoice, error), message string) error {
	id := r.PathValue("id")
	back := "/admin/invoices/" + id
	if _, err := act(r.Context(), id, r.PostForm.Get("reason")); err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return err
		}
		return h.formFailed(w, r, v, form, err, back, h.adminInvoice)
	}
	return h.done(w, r, back, message)
}

func (h *handler) adminVoid(w http.ResponseWriter, r *http.Request, v *view) error {
	return h.adminReasonAction(w, r, v, "void", h.bill.Void, "The invoice was voided.")
}

func (h *handler) adminWriteOff(w http.ResponseWriter, r *http.Request, v *view) error {
	return h.adminReasonAction(w, r, v, "writeoff", h.bill.MarkUncollectible, "The invoice was written off.")
}

// adminIssue issues a draft.
func (h *handler) adminIssue(w http.ResponseWriter, r *http.Request, v *view) error {
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

// adminCreditNote credits lines of an invoice (the amounts entered), or
// all of it, never more than is left to credit.
func (h *handler) adminCreditNote(w http.ResponseWriter, r *http.Request, v *view) error {
	inv, err := h.adminInvoiceOf(r)
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
			err := panelInvalid("credit_lines", "required", "enter an amount for at least one line, or credit the whole invoice")
			return h.formFailed(w, r, v, "credit", err, back, h.adminInvoice)
		}
	}
	cn, err := h.bill.CreateCreditNote(r.Context(), inv.ID, in)
	if err != nil {
		err = panelCodeField(err, map[string]string{"nothing_to_credit": "credit_lines", "invoice_not_creditable": "credit_lines"})
		err = panelFieldErr(err, func(f string) string {
			if f == "lines" {
				return "credit_lines"
			}
			var i int
			if _, e := fmt.Sscanf(f, "lines[%d]", &i); e == nil && i >= 0 && i < len(fields) {
				return fields[i]
			}
			return f
		})
		return h.formFailed(w, r, v, "credit", err, back, h.adminInvoice)
	}
	return h.done(w, r, back, fmt.Sprintf("Credit note %s of %s was issued.", cn.Number, money.Format(cn.Total)))
}
