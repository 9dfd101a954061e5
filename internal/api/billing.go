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
	Amount     string    `json:"amount,omitempty" maxLength:"30" doc:"In the invoice's currency, e.g. \"20.00\"; absent pays what is due."`
	Reference  string    `json:"reference" maxLength:"100" doc:"The deposit slip's reference."`
	ReceivedOn time.Time `json:"received_on" doc:"When the money arrived."`
	Attachment *struct {
		Name    string `json:"name" maxLength:"200"`
		Content []byte `json:"content" doc:"The deposit slip's scan (PDF, PNG or JPEG, at most 5 MB), base64."`
	} `json:"attachment,omitempty"`
}

// CreditNoteRequest credits an invoice.
type CreditNoteRequest struct {
	Reason string `json:"reason" maxLength:"500"`
	Lines  []struct {
		LineNo int     `json:"line_no" minimum:"1"`
		Amount *string `json:"amount,omitempty" maxLength:"30" doc:"Absent: what is left of the line."`
	} `json:"lines,omitempty" maxItems:"500" doc:"Absent: every line, in full."`
}

// RegisterBilling registers invoices, payments, credit notes, usage,
// vendor lines, taxes, billing settings, reports and failed charges.
func RegisterBilling(a *API, svc *billing.Service) {
	registerInvoices(a, svc)
	registerBillingConfig(a, svc)
	registerUsage(a, svc)
	registerReports(a, svc)
	registerFailedCharges(a, svc)
}

func registerInvoices(a *API, svc *billing.Service) {
	tags := []string{"Invoices"}
	Register(a, huma.Operation{
		OperationID: "list-invoices", Method: http.MethodGet, Path: "/invoices", Tags: tags, Summary: "List invoices",
		Description: "Newest first: the documents the caller's organization issued or received (every one for staff).",
	}, func(ctx context.Context, in *struct {
		PageParams
		RecipientOrgID string `query:"recipient_org_id" maxLength:"64"`
		IssuerOrgID    string `query:"issuer_org_id" maxLength:"64"`
		Kind           string `query:"kind" enum:"invoice,credit_note,proforma"`
		Status         string `query:"status" enum:"draft,issued,paid,void,uncollectible"`
		SubscriptionID string `query:"subscription_id" maxLength:"64"`
		Overdue        bool   `query:"overdue"`
	}) (*struct{ Body Page[billing.Invoice] }, error) {
		list, next, err := svc.ListInvoices(ctx, billing.InvoiceFilter{RecipientOrgID: in.RecipientOrgID, IssuerOrgID: in.IssuerOrgID, Kind: in.Kind,
			Status: in.Status, SubscriptionID: in.SubscriptionID, Overdue: in.Overdue, Page: page.Request{Limit: in.Limit, Cursor: in.Cursor}})
		if err != nil {
			return nil, err
		}
		return &struct{ Body Page[billing.Invoice] }{Page[billing.Invoice]{Data: page.NonNil(list), NextCursor: next}}, nil
	})
	Register(a, huma.Operation{
		OperationID: "get-invoice", Method: http.MethodGet, Path: "/invoices/{id}", Tags: tags, Summary: "Get an invoice with its lines",
	}, func(ctx context.Context, in *InvoiceIDPath) (*invoiceBody, error) {
		inv, err := svc.GetInvoice(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &invoiceBody{inv}, nil
	})
	Register(a, huma.Operation{
		OperationID: "get-invoice-pdf", Method: http.MethodGet, Path: "/invoices/{id}/pdf", Tags: tags, Summary: "Download an invoice as PDF",
		Responses: map[string]*huma.Response{"200": {Description: "The PDF", Content: map[string]*huma.MediaType{"application/pdf": {}}}},
	}, func(ctx context.Context, in *InvoiceIDPath) (*fileBody, error) {
		pdf, name, err := svc.InvoicePDF(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return attachment("application/pdf", name, pdf), nil
	})
	Register(a, huma.Operation{
		OperationID: "record-payment", Method: http.MethodPost, Path: "/invoices/{id}/payments", Tags: tags,
		Summary: "Record a bank transfer",
		Description: "Administrators record a payment with the deposit slip's reference (and its scan). Partial payments are allowed, " +
			"overpayment is not. An invoice paid in full pays the orders it charged: a new subscription moves to provisioning. " +
			"The body may carry the scan of up to 5 MB (base64): this operation takes bodies up to 7 MB, every other one 1 MB.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: paymentBodyBytes,
	}, func(ctx context.Context, in *struct {
		InvoiceIDPath
		Body PaymentRequest
	}) (*struct{ Body billing.Payment }, error) {
		pin := billing.PaymentInput{Amount: in.Body.Amount, Reference: in.Body.Reference, ReceivedOn: in.Body.ReceivedOn}
		if at := in.Body.Attachment; at != nil {
			pin.AttachmentName, pin.Attachment = at.Name, at.Content
		}
		p, err := svc.RecordPayment(ctx, in.ID, pin)
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.Payment }{p}, nil
	})
	Register(a, huma.Operation{
		OperationID: "list-payments", Method: http.MethodGet, Path: "/invoices/{id}/payments", Tags: tags, Summary: "List an invoice's payments",
	}, func(ctx context.Context, in *InvoiceIDPath) (*struct{ Body Page[billing.Payment] }, error) {
		ps, err := svc.ListPayments(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body Page[billing.Payment] }{Page[billing.Payment]{Data: page.NonNil(ps)}}, nil
	})
	Register(a, huma.Operation{
		OperationID: "get-payment-attachment", Method: http.MethodGet, Path: "/payments/{id}/attachment", Tags: tags,
		Summary:   "Download a payment's deposit slip",
		Responses: map[string]*huma.Response{"200": {Description: "The scan", Content: map[string]*huma.MediaType{"application/octet-stream": {}}}},
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64" doc:"Payment id (pay_...)."`
	}) (*fileBody, error) {
		p, data, err := svc.PaymentAttachment(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return attachment(p.AttachmentType, p.AttachmentName, data), nil
	})
	Register(a, huma.Operation{
		OperationID: "declare-invoice-paid", Method: http.MethodPost, Path: "/invoices/{id}/declare-paid", Tags: tags,
		Summary:     "Declare a pro-forma paid",
		Description: "The self-billing seller that issued a pro-forma declares its customer paid it; the subscription moves on.",
	}, func(ctx context.Context, in *struct {
		InvoiceIDPath
		Body struct {
			Reference string `json:"reference,omitempty" maxLength:"100"`
		}
	}) (*struct{ Body billing.Payment }, error) {
		p, err := svc.DeclarePaid(ctx, in.ID, in.Body.Reference)
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.Payment }{p}, nil
	})
	Register(a, huma.Operation{
		OperationID: "create-credit-note", Method: http.MethodPost, Path: "/invoices/{id}/credit-notes", Tags: tags,
		Summary: "Credit an invoice",
		Description: "Issues a numbered credit note for lines of the invoice (all of them by default), never more than is left to credit. " +
			"It lowers what is due, or leaves a paid invoice's customer in credit.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct {
		InvoiceIDPath
		Body CreditNoteRequest
	}) (*invoiceBody, error) {
		cin := billing.CreditNoteInput{Reason: in.Body.Reason}
		for _, l := range in.Body.Lines {
			cin.Lines = append(cin.Lines, billing.CreditLineInput{LineNo: l.LineNo, Amount: l.Amount})
		}
		cn, err := svc.CreateCreditNote(ctx, in.ID, cin)
		if err != nil {
			return nil, err
		}
		return &invoiceBody{cn}, nil
	})
	for _, op := range []struct {
		id, path, summary string
		do                func(ctx context.Context, id, reason string) (billing.Invoice, error)
	}{
		{"void-invoice", "/invoices/{id}/void", "Void an unpaid invoice", svc.Void},
		{"mark-invoice-uncollectible", "/invoices/{id}/uncollectible", "Write an invoice off", svc.MarkUncollectible},
	} {
		Register(a, huma.Operation{OperationID: op.id, Method: http.MethodPost, Path: op.path, Tags: tags, Summary: op.summary},
			func(ctx context.Context, in *struct {
				InvoiceIDPath
				Body ReasonRequest
			}) (*invoiceBody, error) {
				inv, err := op.do(ctx, in.ID, in.Body.Reason)
				if err != nil {
					return nil, err
				}
				return &invoiceBody{inv}, nil
			})
	}
	Register(a, huma.Operation{
		OperationID: "issue-invoice", Method: http.MethodPost, Path: "/invoices/{id}/issue", Tags: tags, Summary: "Issue a draft",
	}, func(ctx context.Context, in *InvoiceIDPath) (*invoiceBody, error) {
		inv, err := svc.Issue(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &invoiceBody{inv}, nil
	})
	Register(a, huma.Operation{
		OperationID: "get-upcoming-invoice", Method: http.MethodGet, Path: "/customers/{id}/upcoming-invoice", Tags: tags,
		Summary:     "Preview the next invoice",
		Description: "A dry run of the next billing run for this payer, built by the same code from the same charges: what it shows is what will be invoiced.",
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64" doc:"The paying organization (org_...)."`
	}) (*struct{ Body billing.Upcoming }, error) {
		up, err := svc.UpcomingInvoice(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.Upcoming }{up}, nil
	})
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

func registerBillingConfig(a *API, svc *billing.Service) {
	tags := []string{"Billing settings"}
	type ratesBody = struct{ Body Page[billing.TaxRate] }
	Register(a, huma.Operation{
		OperationID: "list-tax-rates", Method: http.MethodGet, Path: "/tax-rates", Tags: tags, Summary: "List the tax rates",
	}, func(ctx context.Context, _ *struct{}) (*ratesBody, error) {
		rs, err := svc.ListTaxRates(ctx)
		if err != nil {
			return nil, err
		}
		return &ratesBody{Page[billing.TaxRate]{Data: page.NonNil(rs)}}, nil
	})
	Register(a, huma.Operation{
		OperationID: "create-tax-rate", Method: http.MethodPost, Path: "/tax-rates", Tags: tags, Summary: "Add a tax rate",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct{ Body TaxRateRequest }) (*struct{ Body billing.TaxRate }, error) {
		r, err := svc.CreateTaxRate(ctx, in.Body.input())
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.TaxRate }{r}, nil
	})
	Register(a, huma.Operation{
		OperationID: "update-tax-rate", Method: http.MethodPatch, Path: "/tax-rates/{id}", Tags: tags, Summary: "Change a tax rate",
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"64"`
		Body TaxRateRequest
	}) (*struct{ Body billing.TaxRate }, error) {
		r, err := svc.UpdateTaxRate(ctx, in.ID, in.Body.input())
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.TaxRate }{r}, nil
	})
	Register(a, huma.Operation{
		OperationID: "delete-tax-rate", Method: http.MethodDelete, Path: "/tax-rates/{id}", Tags: tags, Summary: "Remove a tax rate",
		DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64"`
	}) (*struct{}, error) {
		return nil, svc.DeleteTaxRate(ctx, in.ID)
	})
	Register(a, huma.Operation{
		OperationID: "get-billing-settings", Method: http.MethodGet, Path: "/settings/billing", Tags: tags, Summary: "Read the billing settings",
	}, func(ctx context.Context, _ *struct{}) (*struct{ Body billing.Settings }, error) {
		s, err := svc.Settings(ctx)
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.Settings }{s}, nil
	})
	Register(a, huma.Operation{
		OperationID: "update-billing-settings", Method: http.MethodPatch, Path: "/settings/billing", Tags: tags, Summary: "Change the billing settings",
	}, func(ctx context.Context, in *struct{ Body BillingSettingsRequest }) (*struct{ Body billing.Settings }, error) {
		b := in.Body
		s, err := svc.UpdateSettings(ctx, billing.SettingsInput{PaymentTermsDays: b.PaymentTermsDays, PlatformFeePercent: b.PlatformFeePercent,
			AutoIssue: b.AutoIssue, PaymentInstructions: b.PaymentInstructions})
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.Settings }{s}, nil
	})
	Register(a, huma.Operation{
		OperationID: "get-vendor-fee", Method: http.MethodGet, Path: "/vendors/{id}/platform-fee", Tags: tags, Summary: "Read a vendor's platform fee",
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64"`
	}) (*struct{ Body billing.VendorFee }, error) {
		f, err := svc.GetVendorFee(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.VendorFee }{f}, nil
	})
	Register(a, huma.Operation{
		OperationID: "set-vendor-fee", Method: http.MethodPut, Path: "/vendors/{id}/platform-fee", Tags: tags, Summary: "Set a vendor's platform fee",
		Description: "A percentage of the vendor's licence and usage revenue; null gives it the marketplace's default back.",
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"64"`
		Body struct {
			Percent *money.Decimal `json:"percent" required:"false" nullable:"true"`
		}
	}) (*struct{ Body billing.VendorFee }, error) {
		f, err := svc.SetVendorFee(ctx, in.ID, in.Body.Percent)
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.VendorFee }{f}, nil
	})
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

func registerUsage(a *API, svc *billing.Service) {
	tags := []string{"Subscriptions"}
	Register(a, huma.Operation{
		OperationID: "record-usage", Method: http.MethodPut, Path: "/subscriptions/{id}/usage", Tags: tags, Summary: "Report usage",
		Description: "The vendor sets a period's use of a metric or postpaid extra until the period is invoiced in arrears.",
	}, func(ctx context.Context, in *struct {
		SubscriptionIDPath
		Body UsageRequest
	}) (*struct{ Body billing.Usage }, error) {
		uin := billing.UsageInput{Item: in.Body.Item, Quantity: in.Body.Quantity}
		if in.Body.PeriodStart != nil {
			uin.PeriodStart = *in.Body.PeriodStart
		}
		u, err := svc.RecordUsage(ctx, in.ID, uin)
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.Usage }{u}, nil
	})
	Register(a, huma.Operation{
		OperationID: "list-usage", Method: http.MethodGet, Path: "/subscriptions/{id}/usage", Tags: tags, Summary: "List reported usage",
	}, func(ctx context.Context, in *SubscriptionIDPath) (*struct{ Body Page[billing.Usage] }, error) {
		us, err := svc.ListUsage(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body Page[billing.Usage] }{Page[billing.Usage]{Data: page.NonNil(us)}}, nil
	})
	Register(a, huma.Operation{
		OperationID: "add-vendor-line", Method: http.MethodPost, Path: "/subscriptions/{id}/vendor-lines", Tags: tags,
		Summary: "Add a vendor line", DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct {
		SubscriptionIDPath
		Body VendorLineRequest
	}) (*struct{ Body billing.VendorLine }, error) {
		b := in.Body
		vl, err := svc.AddVendorLine(ctx, in.ID, billing.VendorLineInput{Description: b.Description, Quantity: b.Quantity, UnitPrice: b.UnitPrice, Recurring: b.Recurring})
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.VendorLine }{vl}, nil
	})
	Register(a, huma.Operation{
		OperationID: "list-vendor-lines", Method: http.MethodGet, Path: "/subscriptions/{id}/vendor-lines", Tags: tags, Summary: "List vendor lines",
	}, func(ctx context.Context, in *SubscriptionIDPath) (*struct{ Body Page[billing.VendorLine] }, error) {
		vls, err := svc.ListVendorLines(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body Page[billing.VendorLine] }{Page[billing.VendorLine]{Data: page.NonNil(vls)}}, nil
	})
	Register(a, huma.Operation{
		OperationID: "remove-vendor-line", Method: http.MethodDelete, Path: "/vendor-lines/{id}", Tags: tags, Summary: "Stop a recurring vendor line",
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64"`
	}) (*struct{ Body billing.VendorLine }, error) {
		vl, err := svc.RemoveVendorLine(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.VendorLine }{vl}, nil
	})
}

// MonthQuery picks a report's month.
type MonthQuery struct {
	ID    string `path:"id" maxLength:"64" doc:"Organization id (org_...)."`
	Month string `query:"month" required:"true" maxLength:"7" doc:"e.g. 2026-11"`
}

func registerReports(a *API, svc *billing.Service) {
	tags := []string{"Reports"}
	Register(a, huma.Operation{
		OperationID: "get-balance-report", Method: http.MethodGet, Path: "/vendors/{id}/balance-report", Tags: tags,
		Summary:     "A vendor's monthly balance",
		Description: "Licence revenue + pay-per-use revenue (at the vendor's prices) - platform fee - trial and sandbox costs = amount due. Also as .csv and .pdf.",
	}, func(ctx context.Context, in *MonthQuery) (*struct{ Body billing.BalanceReport }, error) {
		r, err := svc.VendorBalance(ctx, in.ID, in.Month)
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.BalanceReport }{r}, nil
	})
	Register(a, huma.Operation{
		OperationID: "get-balance-report-csv", Method: http.MethodGet, Path: "/vendors/{id}/balance-report.csv", Tags: tags,
		Summary:   "A vendor's monthly balance as CSV",
		Responses: map[string]*huma.Response{"200": {Description: "CSV", Content: map[string]*huma.MediaType{"text/csv": {}}}},
	}, func(ctx context.Context, in *MonthQuery) (*fileBody, error) {
		r, err := svc.VendorBalance(ctx, in.ID, in.Month)
		if err != nil {
			return nil, err
		}
		return attachment("text/csv; charset=utf-8", "balance-"+r.Month+".csv", r.CSV()), nil
	})
	Register(a, huma.Operation{
		OperationID: "get-balance-report-pdf", Method: http.MethodGet, Path: "/vendors/{id}/balance-report.pdf", Tags: tags,
		Summary:   "A vendor's monthly balance as PDF",
		Responses: map[string]*huma.Response{"200": {Description: "PDF", Content: map[string]*huma.MediaType{"application/pdf": {}}}},
	}, func(ctx context.Context, in *MonthQuery) (*fileBody, error) {
		r, err := svc.VendorBalance(ctx, in.ID, in.Month)
		if err != nil {
			return nil, err
		}
		pdf, err := r.PDF("Balance report " + r.Month)
		if err != nil {
			return nil, err
		}
		return attachment("application/pdf", "balance-"+r.Month+".pdf", pdf), nil
	})
	Register(a, huma.Operation{
		OperationID: "get-proceeds", Method: http.MethodGet, Path: "/organizations/{id}/proceeds", Tags: tags,
		Summary: "A distributor's or reseller's monthly margin",
	}, func(ctx context.Context, in *MonthQuery) (*struct{ Body billing.Proceeds }, error) {
		p, err := svc.ChannelProceeds(ctx, in.ID, in.Month)
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.Proceeds }{p}, nil
	})
	Register(a, huma.Operation{
		OperationID: "get-proceeds-csv", Method: http.MethodGet, Path: "/organizations/{id}/proceeds.csv", Tags: tags,
		Summary:   "A distributor's or reseller's monthly margin as CSV",
		Responses: map[string]*huma.Response{"200": {Description: "CSV", Content: map[string]*huma.MediaType{"text/csv": {}}}},
	}, func(ctx context.Context, in *MonthQuery) (*fileBody, error) {
		p, err := svc.ChannelProceeds(ctx, in.ID, in.Month)
		if err != nil {
			return nil, err
		}
		return attachment("text/csv; charset=utf-8", "proceeds-"+p.Month+".csv", p.CSV()), nil
	})
	type statementQuery struct {
		ID   string    `path:"id" maxLength:"64" doc:"Organization id (org_...)."`
		From time.Time `query:"from" required:"true" doc:"Start (inclusive), RFC 3339."`
		To   time.Time `query:"to" required:"true" doc:"End (exclusive), RFC 3339."`
	}
	Register(a, huma.Operation{
		OperationID: "get-statement", Method: http.MethodGet, Path: "/organizations/{id}/statement", Tags: tags,
		Summary: "A party's ledger statement", Description: "Opening balance, every line of the period with the running balance, closing balance.",
	}, func(ctx context.Context, in *statementQuery) (*struct{ Body billing.Statement }, error) {
		st, err := svc.PartyStatement(ctx, in.ID, in.From, in.To)
		if err != nil {
			return nil, err
		}
		return &struct{ Body billing.Statement }{st}, nil
	})
	Register(a, huma.Operation{
		OperationID: "get-statement-csv", Method: http.MethodGet, Path: "/organizations/{id}/statement.csv", Tags: tags,
		Summary:   "A party's ledger statement as CSV",
		Responses: map[string]*huma.Response{"200": {Description: "CSV", Content: map[string]*huma.MediaType{"text/csv": {}}}},
	}, func(ctx context.Context, in *statementQuery) (*fileBody, error) {
		st, err := svc.PartyStatement(ctx, in.ID, in.From, in.To)
		if err != nil {
			return nil, err
		}
		return attachment("text/csv; charset=utf-8", "statement.csv", st.CSV()), nil
	})
}
