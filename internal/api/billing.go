package api

import (
	"context"
	"encoding/base64"
	"mime"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// InvoiceIDPath is the path parameter of one invoice or credit note.
type InvoiceIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"Invoice, pro-forma or credit note id (inv_...)."`
}

type invoiceBody struct {
	Body billing.Invoice
}

// fileBody is a downloaded file.
type fileBody struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	NoSniff            string `header:"X-Content-Type-Options"`
	Body               []byte
}

// attachment answers a download named name. The name is encoded by
// mime.FormatMediaType (quoted, or RFC 2231 for non-ASCII and control
// characters), so a name chosen by a user (a deposit slip's) cannot break
// out of the header; nosniff keeps browsers to the declared type.
func attachment(contentType, name string, data []byte) *fileBody {
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if cd == "" {
		cd = "attachment"
	}
	return &fileBody{ContentType: contentType, ContentDisposition: cd, NoSniff: "nosniff", Body: data}
}

// paymentBodyBytes is the body limit of recording a payment: the largest
// deposit slip, base64-encoded, and room for the other fields.
var paymentBodyBytes = int64(base64.StdEncoding.EncodedLen(billing.MaxAttachment) + 64<<10)

// PaymentRequest records a bank transfer.
type PaymentRequest struct {
	Amount     string             `json:"amount,omitempty" maxLength:"30" doc:"In the invoice's currency, e.g. \"20.00\"; absent pays what is due."`
	Reference  string             `json:"reference" maxLength:"100" doc:"The deposit slip's reference."`
	ReceivedOn time.Time          `json:"received_on" doc:"When the money arrived."`
	Attachment *AttachmentRequest `json:"attachment,omitempty"`
}

// AttachmentRequest is a payment's deposit slip.
type AttachmentRequest struct {
	Name    string `json:"name" maxLength:"200"`
	Content []byte `json:"content" doc:"The deposit slip's scan (PDF, PNG or JPEG, at most 5 MB), base64."`
}

// CreditNoteRequest credits an invoice.
type CreditNoteRequest struct {
	Reason string              `json:"reason" maxLength:"500"`
	Lines  []CreditLineRequest `json:"lines,omitempty" maxItems:"500" doc:"Absent: every line, in full."`
}

// CreditLineRequest credits one line of an invoice.
type CreditLineRequest struct {
	LineNo int     `json:"line_no" minimum:"1"`
	Amount *string `json:"amount,omitempty" maxLength:"30" doc:"Absent: what is left of the line."`
}

// RegisterBilling registers invoices, payments, credit notes, usage,
// vendor lines, taxes, billing settings, reports and failed charges.
func RegisterBilling(a *API, svc *billing.Service) {
	h := billingHandlers{svc}
	registerInvoices(a, h)
	registerPayments(a, h)
	registerBillingConfig(a, h)
	registerUsage(a, h)
	registerReports(a, h)
	registerFailedCharges(a, h)
}

// billingHandlers serve the billing resources.
type billingHandlers struct {
	svc *billing.Service
}

// DeclarePaidRequest declares a pro-forma paid.
type DeclarePaidRequest struct {
	Reference string `json:"reference,omitempty" maxLength:"100"`
}

type invoicePage struct {
	Body Page[billing.Invoice]
}

type paymentBody struct {
	Body billing.Payment
}

type paymentPage struct {
	Body Page[billing.Payment]
}

type upcomingBody struct {
	Body billing.Upcoming
}

type listInvoicesInput struct {
	PageParams
	RecipientOrgID string `query:"recipient_org_id" maxLength:"64"`
	IssuerOrgID    string `query:"issuer_org_id" maxLength:"64"`
	Kind           string `query:"kind" enum:"invoice,credit_note,proforma"`
	Status         string `query:"status" enum:"draft,issued,paid,void,uncollectible"`
	SubscriptionID string `query:"subscription_id" maxLength:"64"`
	Overdue        bool   `query:"overdue"`
}

type recordPaymentInput struct {
	InvoiceIDPath
	Body PaymentRequest
}

type paymentIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"Payment id (pay_...)."`
}

type declarePaidInput struct {
	InvoiceIDPath
	Body DeclarePaidRequest
}

type createCreditNoteInput struct {
	InvoiceIDPath
	Body CreditNoteRequest
}

type invoiceReasonInput struct {
	InvoiceIDPath
	Body ReasonRequest
}

type payerIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"The paying organization (org_...)."`
}

func registerInvoices(a *API, h billingHandlers) {
	tags := []string{"Invoices"}
	Register(a, huma.Operation{
		OperationID: "list-invoices", Method: http.MethodGet, Path: "/invoices", Tags: tags, Summary: "List invoices",
		Description: "Newest first: the documents the caller's organization issued or received (every one for staff).",
	}, h.listInvoices)
	Register(a, huma.Operation{
		OperationID: "get-invoice", Method: http.MethodGet, Path: "/invoices/{id}", Tags: tags, Summary: "Get an invoice with its lines",
	}, h.getInvoice)
	Register(a, huma.Operation{
		OperationID: "get-invoice-pdf", Method: http.MethodGet, Path: "/invoices/{id}/pdf", Tags: tags, Summary: "Download an invoice as PDF",
		Responses: map[string]*huma.Response{"200": {Description: "The PDF", Content: map[string]*huma.MediaType{"application/pdf": {}}}},
	}, h.getInvoicePDF)
	Register(a, huma.Operation{
		OperationID: "create-credit-note", Method: http.MethodPost, Path: "/invoices/{id}/credit-notes", Tags: tags,
		Summary: "Credit an invoice",
		Description: "Issues a numbered credit note for lines of the invoice (all of them by default), never more than is left to credit. " +
			"It lowers what is due, or leaves a paid invoice's customer in credit.",
		DefaultStatus: http.StatusCreated,
	}, h.createCreditNote)
	Register(a, huma.Operation{OperationID: "void-invoice", Method: http.MethodPost, Path: "/invoices/{id}/void", Tags: tags,
		Summary: "Void an unpaid invoice"}, h.voidInvoice)
	Register(a, huma.Operation{OperationID: "mark-invoice-uncollectible", Method: http.MethodPost, Path: "/invoices/{id}/uncollectible", Tags: tags,
		Summary: "Write an invoice off"}, h.markInvoiceUncollectible)
	Register(a, huma.Operation{
		OperationID: "issue-invoice", Method: http.MethodPost, Path: "/invoices/{id}/issue", Tags: tags, Summary: "Issue a draft",
	}, h.issueInvoice)
	Register(a, huma.Operation{
		OperationID: "get-upcoming-invoice", Method: http.MethodGet, Path: "/customers/{id}/upcoming-invoice", Tags: tags,
		Summary:     "Preview the next invoice",
		Description: "A dry run of the next billing run for this payer, built by the same code from the same charges: what it shows is what will be invoiced.",
	}, h.getUpcomingInvoice)
}

// registerPayments registers what pays an invoice: recorded bank
// transfers with their deposit slips, and a self-billing seller's word.
func registerPayments(a *API, h billingHandlers) {
	tags := []string{"Invoices"}
	Register(a, huma.Operation{
		OperationID: "record-payment", Method: http.MethodPost, Path: "/invoices/{id}/payments", Tags: tags,
		Summary: "Record a bank transfer",
		Description: "Administrators record a payment with the deposit slip's reference (and its scan). Partial payments are allowed, " +
			"overpayment is not. An invoice paid in full pays the orders it charged: a new subscription moves to provisioning. " +
			"The body may carry the scan of up to 5 MB (base64): this operation takes bodies up to 7 MB, every other one 1 MB.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: paymentBodyBytes,
	}, h.recordPayment)
	Register(a, huma.Operation{
		OperationID: "list-payments", Method: http.MethodGet, Path: "/invoices/{id}/payments", Tags: tags, Summary: "List an invoice's payments",
	}, h.listPayments)
	Register(a, huma.Operation{
		OperationID: "get-payment-attachment", Method: http.MethodGet, Path: "/payments/{id}/attachment", Tags: tags,
		Summary:   "Download a payment's deposit slip",
		Responses: map[string]*huma.Response{"200": {Description: "The scan", Content: map[string]*huma.MediaType{"application/octet-stream": {}}}},
	}, h.getPaymentAttachment)
	Register(a, huma.Operation{
		OperationID: "declare-invoice-paid", Method: http.MethodPost, Path: "/invoices/{id}/declare-paid", Tags: tags,
		Summary:     "Declare a pro-forma paid",
		Description: "The self-billing seller that issued a pro-forma declares its customer paid it; the subscription moves on.",
	}, h.declareInvoicePaid)
}

func (h billingHandlers) listInvoices(ctx context.Context, in *listInvoicesInput) (*invoicePage, error) {
	list, next, err := h.svc.ListInvoices(ctx, billing.InvoiceFilter{RecipientOrgID: in.RecipientOrgID, IssuerOrgID: in.IssuerOrgID, Kind: in.Kind,
		Status: in.Status, SubscriptionID: in.SubscriptionID, Overdue: in.Overdue, Page: page.Request{Limit: in.Limit, Cursor: in.Cursor}})
	if err != nil {
		return nil, err
	}
	return &invoicePage{Page[billing.Invoice]{Data: page.NonNil(list), NextCursor: next}}, nil
}

func (h billingHandlers) getInvoice(ctx context.Context, in *InvoiceIDPath) (*invoiceBody, error) {
	inv, err := h.svc.GetInvoice(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &invoiceBody{inv}, nil
}

func (h billingHandlers) getInvoicePDF(ctx context.Context, in *InvoiceIDPath) (*fileBody, error) {
	pdf, name, err := h.svc.InvoicePDF(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return attachment("application/pdf", name, pdf), nil
}

func (h billingHandlers) recordPayment(ctx context.Context, in *recordPaymentInput) (*paymentBody, error) {
	pin := billing.PaymentInput{Amount: in.Body.Amount, Reference: in.Body.Reference, ReceivedOn: in.Body.ReceivedOn}
	if at := in.Body.Attachment; at != nil {
		pin.AttachmentName, pin.Attachment = at.Name, at.Content
	}
	p, err := h.svc.RecordPayment(ctx, in.ID, pin)
	if err != nil {
		return nil, err
	}
	return &paymentBody{p}, nil
}

func (h billingHandlers) listPayments(ctx context.Context, in *InvoiceIDPath) (*paymentPage, error) {
	ps, err := h.svc.ListPayments(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &paymentPage{Page[billing.Payment]{Data: page.NonNil(ps)}}, nil
}

func (h billingHandlers) getPaymentAttachment(ctx context.Context, in *paymentIDPath) (*fileBody, error) {
	p, data, err := h.svc.PaymentAttachment(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return attachment(p.AttachmentType, p.AttachmentName, data), nil
}

func (h billingHandlers) declareInvoicePaid(ctx context.Context, in *declarePaidInput) (*paymentBody, error) {
	p, err := h.svc.DeclarePaid(ctx, in.ID, in.Body.Reference)
	if err != nil {
		return nil, err
	}
	return &paymentBody{p}, nil
}

func (h billingHandlers) createCreditNote(ctx context.Context, in *createCreditNoteInput) (*invoiceBody, error) {
	cin := billing.CreditNoteInput{Reason: in.Body.Reason}
	for _, l := range in.Body.Lines {
		cin.Lines = append(cin.Lines, billing.CreditLineInput{LineNo: l.LineNo, Amount: l.Amount})
	}
	cn, err := h.svc.CreateCreditNote(ctx, in.ID, cin)
	if err != nil {
		return nil, err
	}
	return &invoiceBody{cn}, nil
}

func (h billingHandlers) voidInvoice(ctx context.Context, in *invoiceReasonInput) (*invoiceBody, error) {
	inv, err := h.svc.Void(ctx, in.ID, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &invoiceBody{inv}, nil
}

func (h billingHandlers) markInvoiceUncollectible(ctx context.Context, in *invoiceReasonInput) (*invoiceBody, error) {
	inv, err := h.svc.MarkUncollectible(ctx, in.ID, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &invoiceBody{inv}, nil
}

func (h billingHandlers) issueInvoice(ctx context.Context, in *InvoiceIDPath) (*invoiceBody, error) {
	inv, err := h.svc.Issue(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &invoiceBody{inv}, nil
}

func (h billingHandlers) getUpcomingInvoice(ctx context.Context, in *payerIDPath) (*upcomingBody, error) {
	up, err := h.svc.UpcomingInvoice(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &upcomingBody{up}, nil
}

// TaxRateRequest creates or changes a tax rate.
type TaxRateRequest struct {
	Country       *string        `json:"country,omitempty" maxLength:"2" doc:"ISO 3166-1 alpha-2 country of the customer."`
	Category      *string        `json:"category,omitempty" maxLength:"40" doc:"Product tax category (default standard)."`
	Rate          *money.Decimal `json:"rate,omitempty" doc:"Percentage, 0 to 100."`
	Name          *string        `json:"name,omitempty" maxLength:"60" doc:"Printed on invoices, e.g. \"VAT IT\"."`
	ReverseCharge *bool          `json:"reverse_charge,omitempty" doc:"Business customers of this country with a tax id, billed from another country, pay no tax here."`
}

func (r TaxRateRequest) input() billing.TaxRateInput {
	return billing.TaxRateInput{Country: r.Country, Category: r.Category, Rate: r.Rate, Name: r.Name, ReverseCharge: r.ReverseCharge}
}

// BillingSettingsRequest changes the billing settings.
type BillingSettingsRequest struct {
	PaymentTermsDays    *int           `json:"payment_terms_days,omitempty" doc:"Days from issue to due date (0-120)."`
	PlatformFeePercent  *money.Decimal `json:"platform_fee_percent,omitempty" doc:"Default fee on vendors' licence and usage revenue (0-100)."`
	AutoIssue           *bool          `json:"auto_issue,omitempty" doc:"Issue invoices as runs make them; false keeps them as drafts to issue by hand."`
	PaymentInstructions *string        `json:"payment_instructions,omitempty" maxLength:"2000" doc:"Printed on invoices with an amount due."`
}

// VendorFeeRequest sets or clears a vendor's platform fee.
type VendorFeeRequest struct {
	Percent *money.Decimal `json:"percent" required:"false" nullable:"true"`
}

type taxRatePage struct {
	Body Page[billing.TaxRate]
}

type taxRateBody struct {
	Body billing.TaxRate
}

type billingSettingsBody struct {
	Body billing.Settings
}

type vendorFeeBody struct {
	Body billing.VendorFee
}

// IDPath is a path id the operation does not describe.
type IDPath struct {
	ID string `path:"id" maxLength:"64"`
}

type createTaxRateInput struct {
	Body TaxRateRequest
}

type updateTaxRateInput struct {
	IDPath
	Body TaxRateRequest
}

type updateBillingSettingsInput struct {
	Body BillingSettingsRequest
}

type setVendorFeeInput struct {
	IDPath
	Body VendorFeeRequest
}

func registerBillingConfig(a *API, h billingHandlers) {
	tags := []string{"Billing settings"}
	Register(a, huma.Operation{
		OperationID: "list-tax-rates", Method: http.MethodGet, Path: "/tax-rates", Tags: tags, Summary: "List the tax rates",
	}, h.listTaxRates)
	Register(a, huma.Operation{
		OperationID: "create-tax-rate", Method: http.MethodPost, Path: "/tax-rates", Tags: tags, Summary: "Add a tax rate",
		DefaultStatus: http.StatusCreated,
	}, h.createTaxRate)
	Register(a, huma.Operation{
		OperationID: "update-tax-rate", Method: http.MethodPatch, Path: "/tax-rates/{id}", Tags: tags, Summary: "Change a tax rate",
	}, h.updateTaxRate)
	Register(a, huma.Operation{
		OperationID: "delete-tax-rate", Method: http.MethodDelete, Path: "/tax-rates/{id}", Tags: tags, Summary: "Remove a tax rate",
		DefaultStatus: http.StatusNoContent,
	}, h.deleteTaxRate)
	Register(a, huma.Operation{
		OperationID: "get-billing-settings", Method: http.MethodGet, Path: "/settings/billing", Tags: tags, Summary: "Read the billing settings",
	}, h.getSettings)
	Register(a, huma.Operation{
		OperationID: "update-billing-settings", Method: http.MethodPatch, Path: "/settings/billing", Tags: tags, Summary: "Change the billing settings",
	}, h.updateSettings)
	Register(a, huma.Operation{
		OperationID: "get-vendor-fee", Method: http.MethodGet, Path: "/vendors/{id}/platform-fee", Tags: tags, Summary: "Read a vendor's platform fee",
	}, h.getVendorFee)
	Register(a, huma.Operation{
		OperationID: "set-vendor-fee", Method: http.MethodPut, Path: "/vendors/{id}/platform-fee", Tags: tags, Summary: "Set a vendor's platform fee",
		Description: "A percentage of the vendor's licence and usage revenue; null gives it the marketplace's default back.",
	}, h.setVendorFee)
}

func (h billingHandlers) listTaxRates(ctx context.Context, _ *noInput) (*taxRatePage, error) {
	rs, err := h.svc.ListTaxRates(ctx)
	if err != nil {
		return nil, err
	}
	return &taxRatePage{Page[billing.TaxRate]{Data: page.NonNil(rs)}}, nil
}

func (h billingHandlers) createTaxRate(ctx context.Context, in *createTaxRateInput) (*taxRateBody, error) {
	r, err := h.svc.CreateTaxRate(ctx, in.Body.input())
	if err != nil {
		return nil, err
	}
	return &taxRateBody{r}, nil
}

func (h billingHandlers) updateTaxRate(ctx context.Context, in *updateTaxRateInput) (*taxRateBody, error) {
	r, err := h.svc.UpdateTaxRate(ctx, in.ID, in.Body.input())
	if err != nil {
		return nil, err
	}
	return &taxRateBody{r}, nil
}

func (h billingHandlers) deleteTaxRate(ctx context.Context, in *IDPath) (*noContent, error) {
	return nil, h.svc.DeleteTaxRate(ctx, in.ID)
}

func (h billingHandlers) getSettings(ctx context.Context, _ *noInput) (*billingSettingsBody, error) {
	s, err := h.svc.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return &billingSettingsBody{s}, nil
}

func (h billingHandlers) updateSettings(ctx context.Context, in *updateBillingSettingsInput) (*billingSettingsBody, error) {
	b := in.Body
	s, err := h.svc.UpdateSettings(ctx, billing.SettingsInput{PaymentTermsDays: b.PaymentTermsDays, PlatformFeePercent: b.PlatformFeePercent,
		AutoIssue: b.AutoIssue, PaymentInstructions: b.PaymentInstructions})
	if err != nil {
		return nil, err
	}
	return &billingSettingsBody{s}, nil
}

func (h billingHandlers) getVendorFee(ctx context.Context, in *IDPath) (*vendorFeeBody, error) {
	f, err := h.svc.GetVendorFee(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &vendorFeeBody{f}, nil
}

func (h billingHandlers) setVendorFee(ctx context.Context, in *setVendorFeeInput) (*vendorFeeBody, error) {
	f, err := h.svc.SetVendorFee(ctx, in.ID, in.Body.Percent)
	if err != nil {
		return nil, err
	}
	return &vendorFeeBody{f}, nil
}

// UsageRequest records the use of a metric or postpaid extra.
type UsageRequest struct {
	Item        string        `json:"item" maxLength:"80" doc:"The metric's key or the postpaid extra's id."`
	Quantity    money.Decimal `json:"quantity" doc:"The period's total use (replaces what was recorded)."`
	PeriodStart *time.Time    `json:"period_start,omitempty" doc:"The period; absent: the current one."`
}

// VendorLineRequest adds a vendor line.
type VendorLineRequest struct {
	Description string        `json:"description" maxLength:"200"`
	Quantity    money.Decimal `json:"quantity"`
	UnitPrice   money.Decimal `json:"unit_price"`
	Recurring   bool          `json:"recurring,omitempty" doc:"Charged every period from the next one until removed; otherwise once, now."`
}

type usageBody struct {
	Body billing.Usage
}

type usagePage struct {
	Body Page[billing.Usage]
}

type vendorLineBody struct {
	Body billing.VendorLine
}

type vendorLinePage struct {
	Body Page[billing.VendorLine]
}

type recordUsageInput struct {
	SubscriptionIDPath
	Body UsageRequest
}

type addVendorLineInput struct {
	SubscriptionIDPath
	Body VendorLineRequest
}

func registerUsage(a *API, h billingHandlers) {
	tags := []string{"Subscriptions"}
	Register(a, huma.Operation{
		OperationID: "record-usage", Method: http.MethodPut, Path: "/subscriptions/{id}/usage", Tags: tags, Summary: "Report usage",
		Description: "The vendor sets a period's use of a metric or postpaid extra until the period is invoiced in arrears.",
	}, h.recordUsage)
	Register(a, huma.Operation{
		OperationID: "list-usage", Method: http.MethodGet, Path: "/subscriptions/{id}/usage", Tags: tags, Summary: "List reported usage",
	}, h.listUsage)
	Register(a, huma.Operation{
		OperationID: "add-vendor-line", Method: http.MethodPost, Path: "/subscriptions/{id}/vendor-lines", Tags: tags,
		Summary: "Add a vendor line", DefaultStatus: http.StatusCreated,
	}, h.addVendorLine)
	Register(a, huma.Operation{
		OperationID: "list-vendor-lines", Method: http.MethodGet, Path: "/subscriptions/{id}/vendor-lines", Tags: tags, Summary: "List vendor lines",
	}, h.listVendorLines)
	Register(a, huma.Operation{
		OperationID: "remove-vendor-line", Method: http.MethodDelete, Path: "/vendor-lines/{id}", Tags: tags, Summary: "Stop a recurring vendor line",
	}, h.removeVendorLine)
}

func (h billingHandlers) recordUsage(ctx context.Context, in *recordUsageInput) (*usageBody, error) {
	uin := billing.UsageInput{Item: in.Body.Item, Quantity: in.Body.Quantity}
	if in.Body.PeriodStart != nil {
		uin.PeriodStart = *in.Body.PeriodStart
	}
	u, err := h.svc.RecordUsage(ctx, in.ID, uin)
	if err != nil {
		return nil, err
	}
	return &usageBody{u}, nil
}

func (h billingHandlers) listUsage(ctx context.Context, in *SubscriptionIDPath) (*usagePage, error) {
	us, err := h.svc.ListUsage(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &usagePage{Page[billing.Usage]{Data: page.NonNil(us)}}, nil
}

func (h billingHandlers) addVendorLine(ctx context.Context, in *addVendorLineInput) (*vendorLineBody, error) {
	b := in.Body
	vl, err := h.svc.AddVendorLine(ctx, in.ID, billing.VendorLineInput{Description: b.Description, Quantity: b.Quantity, UnitPrice: b.UnitPrice, Recurring: b.Recurring})
	if err != nil {
		return nil, err
	}
	return &vendorLineBody{vl}, nil
}

func (h billingHandlers) listVendorLines(ctx context.Context, in *SubscriptionIDPath) (*vendorLinePage, error) {
	vls, err := h.svc.ListVendorLines(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &vendorLinePage{Page[billing.VendorLine]{Data: page.NonNil(vls)}}, nil
}

func (h billingHandlers) removeVendorLine(ctx context.Context, in *IDPath) (*vendorLineBody, error) {
	vl, err := h.svc.RemoveVendorLine(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &vendorLineBody{vl}, nil
}

// MonthQuery picks a report's month.
type MonthQuery struct {
	ID    string `path:"id" maxLength:"64" doc:"Organization id (org_...)."`
	Month string `query:"month" required:"true" maxLength:"7" doc:"e.g. 2026-11"`
}

// statementQuery picks a statement's party and period.
type statementQuery struct {
	ID   string    `path:"id" maxLength:"64" doc:"Organization id (org_...)."`
	From time.Time `query:"from" required:"true" doc:"Start (inclusive), RFC 3339."`
	To   time.Time `query:"to" required:"true" doc:"End (exclusive), RFC 3339."`
}

type balanceReportBody struct {
	Body billing.BalanceReport
}

type proceedsBody struct {
	Body billing.Proceeds
}

type statementBody struct {
	Body billing.Statement
}

func registerReports(a *API, h billingHandlers) {
	tags := []string{"Reports"}
	Register(a, huma.Operation{
		OperationID: "get-balance-report", Method: http.MethodGet, Path: "/vendors/{id}/balance-report", Tags: tags,
		Summary:     "A vendor's monthly balance",
		Description: "Licence revenue + pay-per-use revenue (at the vendor's prices) - platform fee - trial and sandbox costs = amount due. Also as .csv and .pdf.",
	}, h.getBalanceReport)
	Register(a, huma.Operation{
		OperationID: "get-balance-report-csv", Method: http.MethodGet, Path: "/vendors/{id}/balance-report.csv", Tags: tags,
		Summary:   "A vendor's monthly balance as CSV",
		Responses: map[string]*huma.Response{"200": {Description: "CSV", Content: map[string]*huma.MediaType{"text/csv": {}}}},
	}, h.getBalanceReportCSV)
	Register(a, huma.Operation{
		OperationID: "get-balance-report-pdf", Method: http.MethodGet, Path: "/vendors/{id}/balance-report.pdf", Tags: tags,
		Summary:   "A vendor's monthly balance as PDF",
		Responses: map[string]*huma.Response{"200": {Description: "PDF", Content: map[string]*huma.MediaType{"application/pdf": {}}}},
	}, h.getBalanceReportPDF)
	Register(a, huma.Operation{
		OperationID: "get-proceeds", Method: http.MethodGet, Path: "/organizations/{id}/proceeds", Tags: tags,
		Summary: "A distributor's or reseller's monthly margin",
	}, h.getProceeds)
	Register(a, huma.Operation{
		OperationID: "get-proceeds-csv", Method: http.MethodGet, Path: "/organizations/{id}/proceeds.csv", Tags: tags,
		Summary:   "A distributor's or reseller's monthly margin as CSV",
		Responses: map[string]*huma.Response{"200": {Description: "CSV", Content: map[string]*huma.MediaType{"text/csv": {}}}},
	}, h.getProceedsCSV)
	Register(a, huma.Operation{
		OperationID: "get-statement", Method: http.MethodGet, Path: "/organizations/{id}/statement", Tags: tags,
		Summary: "A party's ledger statement", Description: "Opening balance, every line of the period with the running balance, closing balance.",
	}, h.getStatement)
	Register(a, huma.Operation{
		OperationID: "get-statement-csv", Method: http.MethodGet, Path: "/organizations/{id}/statement.csv", Tags: tags,
		Summary:   "A party's ledger statement as CSV",
		Responses: map[string]*huma.Response{"200": {Description: "CSV", Content: map[string]*huma.MediaType{"text/csv": {}}}},
	}, h.getStatementCSV)
}

func (h billingHandlers) getBalanceReport(ctx context.Context, in *MonthQuery) (*balanceReportBody, error) {
	r, err := h.svc.VendorBalance(ctx, in.ID, in.Month)
	if err != nil {
		return nil, err
	}
	return &balanceReportBody{r}, nil
}

func (h billingHandlers) getBalanceReportCSV(ctx context.Context, in *MonthQuery) (*fileBody, error) {
	r, err := h.svc.VendorBalance(ctx, in.ID, in.Month)
	if err != nil {
		return nil, err
	}
	return attachment("text/csv; charset=utf-8", "balance-"+r.Month+".csv", r.CSV()), nil
}

func (h billingHandlers) getBalanceReportPDF(ctx context.Context, in *MonthQuery) (*fileBody, error) {
	r, err := h.svc.VendorBalance(ctx, in.ID, in.Month)
	if err != nil {
		return nil, err
	}
	pdf, err := r.PDF("Balance report " + r.Month)
	if err != nil {
		return nil, err
	}
	return attachment("application/pdf", "balance-"+r.Month+".pdf", pdf), nil
}

func (h billingHandlers) getProceeds(ctx context.Context, in *MonthQuery) (*proceedsBody, error) {
	p, err := h.svc.ChannelProceeds(ctx, in.ID, in.Month)
	if err != nil {
		return nil, err
	}
	return &proceedsBody{p}, nil
}

func (h billingHandlers) getProceedsCSV(ctx context.Context, in *MonthQuery) (*fileBody, error) {
	p, err := h.svc.ChannelProceeds(ctx, in.ID, in.Month)
	if err != nil {
		return nil, err
	}
	return attachment("text/csv; charset=utf-8", "proceeds-"+p.Month+".csv", p.CSV()), nil
}

func (h billingHandlers) getStatement(ctx context.Context, in *statementQuery) (*statementBody, error) {
	st, err := h.svc.PartyStatement(ctx, in.ID, in.From, in.To)
	if err != nil {
		return nil, err
	}
	return &statementBody{st}, nil
}

func (h billingHandlers) getStatementCSV(ctx context.Context, in *statementQuery) (*fileBody, error) {
	st, err := h.svc.PartyStatement(ctx, in.ID, in.From, in.To)
	if err != nil {
		return nil, err
	}
	return attachment("text/csv; charset=utf-8", "statement.csv", st.CSV()), nil
}
