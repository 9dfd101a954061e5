package billing

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// Payment methods.
const (
	// MethodBankTransfer is a transfer an administrator recorded with the
	// deposit slip's reference.
	MethodBankTransfer = "bank_transfer"
	// MethodDeclared is a self-billing seller declaring its pro-forma paid.
	MethodDeclared = "declared"
)

// MaxAttachment is the largest deposit slip accepted, in bytes.
const MaxAttachment = 5 << 20

// Payment is money received against an invoice.
type Payment struct {
	ID         string       `json:"id"`
	InvoiceID  string       `json:"invoice_id"`
	Method     string       `json:"method"`
	Amount     money.Amount `json:"amount"`
	Reference  string       `json:"reference"`
	ReceivedOn time.Time    `json:"received_on"`
	// AttachmentName is the deposit slip's file name, if one was attached.
	AttachmentName string    `json:"attachment_name,omitempty"`
	AttachmentType string    `json:"attachment_type,omitempty"`
	RecordedBy     string    `json:"recorded_by"`
	CreatedAt      time.Time `json:"created_at"`
}

// PaymentInput records a payment.
type PaymentInput struct {
	// Amount in the invoice's currency; empty pays what is due.
	Amount     string
	Reference  string
	ReceivedOn time.Time
	// Attachment is an optional scan of the deposit slip (PDF, PNG or JPEG).
	AttachmentName string
	Attachment     []byte
}

const paymentColumns = `id, invoice_id, method, amount_minor, currency, reference, received_on, attachment_name, attachment_type, recorded_by, created_at`

func scanPayment(sc db.Scanner) (Payment, error) {
	var p Payment
	var minor int64
	var cur string
	err := sc.Scan(&p.ID, &p.InvoiceID, &p.Method, &minor, &cur, &p.Reference, &p.ReceivedOn, &p.AttachmentName, &p.AttachmentType, &p.RecordedBy, &p.CreatedAt)
	if err != nil {
		return p, err
	}
	c, err := money.ParseCurrency(cur)
	p.Amount = money.NewAmount(minor, c)
	return p, err
}

// payable refuses a document that takes no payment now.
func payable(inv Invoice) error {
	switch {
	case inv.Kind == KindCreditNote:
		return errs.FailedPrecondition("not_payable", "a credit note is not paid")
	case inv.Status == StatusDraft:
		return errs.FailedPrecondition("invoice_not_issued", "the invoice is a draft")
	case inv.Status == StatusPaid:
		return errs.Conflict("invoice_already_paid", "the invoice is paid")
	case inv.Status == StatusVoid:
		return errs.Conflict("invoice_void", "the invoice is void")
	case inv.Status == StatusUncollectible:
		return errs.Conflict("invoice_uncollectible", "the invoice was written off")
	}
	return nil
}

// RecordPayment records a bank transfer against an issued invoice
// (administrators managing customers), with the deposit slip's reference
// and optionally its scan. Partial payments are allowed; paying more than
// is due is not. Paying an invoice in full pays the orders it charged: a
// subscription waiting for its first payment moves to provisioning, a
// manual renewal renews.
//
// Errors: validation_failed (amount, reference, received_on, attachment),
// overpayment, invoice_already_paid, invoice_void, invoice_uncollectible,
// invoice_not_issued, not_payable, proforma_declared (a pro-forma is
// declared paid by its issuer).
func (s *Service) RecordPayment(ctx context.Context, invoiceID string, in PaymentInput) (Payment, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Payment{}, err
	}
	if err := identity.StaffMay(a, identity.CustomerManagement, "recording payments"); err != nil {
		return Payment{}, err
	}
	v := validate.New()
	v.ID("id", InvoiceKind, invoiceID)
	in.Reference = v.Name("reference", in.Reference, 100)
	if in.ReceivedOn.IsZero() {
		v.Add("received_on", "required", "is required")
	}
	attType := ""
	if len(in.Attachment) > 0 {
		if len(in.Attachment) > MaxAttachment {
			v.Add("attachment", "too_large", "at most 5 MB")
		}
		attType = http.DetectContentType(in.Attachment)
		if i := strings.Index(attType, ";"); i > 0 {
			attType = attType[:i]
		}
		if attType != "application/pdf" && attType != "image/png" && attType != "image/jpeg" {
			v.Add("attachment", "unsupported_type", "a PDF, PNG or JPEG scan")
		}
		in.AttachmentName = v.Name("attachment_name", in.AttachmentName, 200)
	}
	if err := v.Err(); err != nil {
		return Payment{}, err
	}
	var out Payment
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		inv, err := s.visibleInvoice(ctx, a, invoiceID, true)
		if err != nil {
			return err
		}
		if err := payable(inv); err != nil {
			return err
		}
		if inv.Kind == KindProforma {
			return errs.FailedPrecondition("proforma_declared", "a pro-forma is declared paid by its issuer")
		}
		if in.ReceivedOn.After(s.db.Now(ctx).Add(24 * time.Hour)) {
			return errs.Invalid("validation_failed", "received_on: in the future", errs.Field("received_on", "in_future", "must not be in the future"))
		}
		amount, err := paymentAmount(inv, in.Amount)
		if err != nil {
			return err
		}
		out = Payment{ID: ids.New(PaymentKind), InvoiceID: inv.ID, Method: MethodBankTransfer, Amount: amount, Reference: in.Reference,
			ReceivedOn: in.ReceivedOn.UTC(), AttachmentName: in.AttachmentName, AttachmentType: attType, RecordedBy: a.UserID}
		return s.pay(ctx, inv, &out, in.Attachment)
	})
	return out, err
}

// paymentAmount parses a payment of inv: positive, at most what is due.
func paymentAmount(inv Invoice, raw string) (money.Amount, error) {
	cur := inv.AmountDue.Currency()
	if strings.TrimSpace(raw) == "" {
		return inv.AmountDue, nil
	}
	amount, err := money.ParseAmount(strings.TrimSpace(raw), cur)
	if err != nil {
		return amount, errs.Invalid("validation_failed", "amount: "+err.Error(), errs.Field("amount", "invalid_amount", err.Error()))
	}
	if !amount.IsPositive() {
		return amount, errs.Invalid("validation_failed", "amount: must be positive", errs.Field("amount", "out_of_range", "must be greater than 0"))
	}
	if err := money.CheckAmount(amount.Decimal()); err != nil {
		return amount, errs.Invalid("validation_failed", "amount: "+err.Error(), errs.Field("amount", "too_large", err.Error()))
	}
	if c, _ := amount.Cmp(inv.AmountDue); c > 0 {
		return amount, errs.Invalid("overpayment", "the payment exceeds the amount due of "+inv.AmountDue.String()+" "+cur.Code(),
			errs.Field("amount", "overpayment", "at most "+inv.AmountDue.String()))
	}
	return amount, nil
}

// DeclarePaid is a self-billing seller (the pro-forma's issuer) declaring
// that its customer paid it: the orders it charged are paid and the
// subscription moves on. Staff may declare for it. Errors: not_issuer
// (someone else's pro-forma), not_proforma, and the payable errors.
func (s *Service) DeclarePaid(ctx context.Context, invoiceID, reference string) (Payment, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Payment{}, err
	}
	v := validate.New()
	v.ID("id", InvoiceKind, invoiceID)
	reference = strings.TrimSpace(reference)
	v.Text("reference", reference, 100)
	if err := v.Err(); err != nil {
		return Payment{}, err
	}
	var out Payment
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		inv, err := s.visibleInvoice(ctx, a, invoiceID, true)
		if err != nil {
			return err
		}
		staff := identity.IsStaff(a) && identity.May(a, identity.CustomerManagement)
		if !staff && (a.OrgID != inv.IssuerOrgID || !identity.May(a, identity.FinancialReports)) {
			return errs.Forbidden("not_issuer", "only the pro-forma's issuer declares it paid")
		}
		if inv.Kind != KindProforma {
			return errs.FailedPrecondition("not_proforma", "only a pro-forma is declared paid; invoices take payments")
		}
		if err := payable(inv); err != nil {
			return err
		}
		now := s.db.Now(ctx)
		out = Payment{ID: ids.New(PaymentKind), InvoiceID: inv.ID, Method: MethodDeclared, Amount: inv.AmountDue, Reference: reference,
			ReceivedOn: now, RecordedBy: a.UserID}
		return s.pay(ctx, inv, &out, nil)
	})
	return out, err
}

// pay records p against inv (locked): the payment row, the invoice's paid
// amount and status, the ledger, and the orders an invoice paid in full
// pays.
func (s *Service) pay(ctx context.Context, inv Invoice, p *Payment, attachment []byte) error {
	now := s.db.Now(ctx)
	p.CreatedAt = now
	var att any
	if len(attachment) > 0 {
		att = attachment
	}
	if _, err := s.db.Exec(ctx, `INSERT INTO payments (`+paymentColumns+`, attachment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		p.ID, p.InvoiceID, p.Method, p.Amount.Minor(), p.Amount.Currency().Code(), p.Reference, p.ReceivedOn, p.AttachmentName,
		p.AttachmentType, p.RecordedBy, now, att); err != nil {
		return err
	}
	paid, err := inv.Paid.Add(p.Amount)
	if err != nil {
		return err
	}
	due, err := inv.AmountDue.Sub(p.Amount)
	if err != nil {
		return err
	}
	status, paidAt := inv.Status, inv.PaidAt
	if !due.IsPositive() {
		status, paidAt = StatusPaid, &now
	}
	if _, err := s.db.Exec(ctx, `UPDATE invoices SET paid_minor = $2, status = $3, paid_at = $4, updated_at = $5 WHERE id = $1`,
		inv.ID, paid.Minor(), status, paidAt, now); err != nil {
		return err
	}
	j := ledger.Journal{Kind: "payment", RefType: "payment", RefID: p.ID, Currency: p.Amount.Currency(), Memo: inv.Number}
	j.Owes(inv.RecipientOrgID, inv.IssuerOrgID, ledger.KindPayment, -p.Amount.Minor())
	if err := s.ledger.Post(ctx, j); err != nil {
		return err
	}
	if err := s.rec.Record(ctx, "invoice.payment", "invoice", inv.ID, inv.RecipientOrgID, map[string]audit.Change{
		"paid": {From: inv.Paid.String(), To: paid.String()}, "status": {From: inv.Status, To: status}}, "payment.recorded", p); err != nil {
		return err
	}
	if status != StatusPaid {
		return nil
	}
	return s.announcePaid(ctx, inv)
}

// InvoicePaid is the data of the invoice.paid event: an invoice settled in
// full (by payments, by credit notes, or at issue for a zero total) and the
// orders whose charges it carried. The subscription domain consumes it: a
// paid order moves its subscription on.
type InvoicePaid struct {
	InvoiceID string   `json:"invoice_id"`
	Number    string   `json:"number"`
	OrderIDs  []string `json:"order_ids"`
}

// announcePaid publishes invoice.paid for inv, settled now, naming the
// orders its lines charged.
func (s *Service) announcePaid(ctx context.Context, inv Invoice) error {
	lines, err := s.lines(ctx, inv)
	if err != nil {
		return err
	}
	var charges []any
	for _, l := range lines {
		if l.ChargeID != "" && !slices.Contains(charges, any(l.ChargeID)) {
			charges = append(charges, l.ChargeID)
		}
	}
	orders := []string{}
	if len(charges) > 0 {
		orders, err = db.Select(ctx, s.db, func(sc db.Scanner) (string, error) {
			var id string
			return id, sc.Scan(&id)
		}, `SELECT DISTINCT order_id FROM charges WHERE id IN (`+db.In(1, len(charges))+`) AND order_id IS NOT NULL ORDER BY order_id`, charges...)
		if err != nil {
			return err
		}
	}
	return s.publishPaid(ctx, inv, orders)
}

// publishPaid publishes invoice.paid for inv with the orders it paid.
func (s *Service) publishPaid(ctx context.Context, inv Invoice, orders []string) error {
	return s.outbox.PublishData(ctx, "invoice.paid", "invoice", inv.ID, inv.RecipientOrgID,
		InvoicePaid{InvoiceID: inv.ID, Number: inv.Number, OrderIDs: page.NonNil(orders)})
}

// ListPayments lists an invoice's payments (to whoever may see it).
func (s *Service) ListPayments(ctx context.Context, invoiceID string) ([]Payment, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := validate.CheckID("id", InvoiceKind, invoiceID); err != nil {
		return nil, err
	}
	if _, err := s.visibleInvoice(ctx, a, invoiceID, false); err != nil {
		return nil, err
	}
	return db.Select(ctx, s.db, scanPayment, `SELECT `+paymentColumns+` FROM payments WHERE invoice_id = $1 ORDER BY created_at, id`, invoiceID)
}

// PaymentAttachment returns a payment's deposit slip (to whoever may see
// its invoice).
func (s *Service) PaymentAttachment(ctx context.Context, paymentID string) (Payment, []byte, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return Payment{}, nil, err
	}
	if err := validate.CheckID("id", PaymentKind, paymentID); err != nil {
		return Payment{}, nil, err
	}
	var p Payment
	var data []byte
	err = s.db.QueryRow(ctx, `SELECT invoice_id, attachment FROM payments WHERE id = $1`, paymentID).Scan(&p.InvoiceID, &data)
	if errors.Is(err, db.ErrNoRows) {
		return p, nil, errs.NotFound("payment_not_found", "no such payment")
	}
	if err != nil {
		return p, nil, err
	}
	if _, err := s.visibleInvoice(ctx, a, p.InvoiceID, false); err != nil {
		return p, nil, errs.NotFound("payment_not_found", "no such payment")
	}
	if len(data) == 0 {
		return p, nil, errs.NotFound("attachment_not_found", "the payment has no attachment")
	}
	p, err = db.Get(ctx, s.db, scanPayment, `SELECT `+paymentColumns+` FROM payments WHERE id = $1`, paymentID)
	return p, data, err
}
