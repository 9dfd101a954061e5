package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// CreditLineInput credits one line of an invoice.
type CreditLineInput struct {
	LineNo int
	// Amount to credit; nil credits what is left of the line.
	Amount *string
}

// CreditNoteInput credits an invoice.
type CreditNoteInput struct {
	// Lines to credit; empty credits every line in full (what is left of
	// it).
	Lines  []CreditLineInput
	Reason string
	// only restricts the full credit (no Lines) to these line numbers.
	only map[int]bool
}

// CreateCreditNote corrects an issued invoice (administrators managing
// customers). The credit note is numbered in its own sequence, refers to
// the invoice and its lines, carries the tax of the credited lines at
// their rates, and never credits more than is left of a line or of the
// invoice. Crediting an unpaid invoice lowers what is due (to nothing:
// the invoice is settled); crediting a paid one leaves the customer in
// credit with the issuer.
//
// Errors: validation_failed (reason, line_no, amount), line_not_found,
// credit_exceeds_line, credit_exceeds_invoice, invoice_not_creditable
// (a draft, a void invoice or a credit note).
func (s *Service) CreateCreditNote(ctx context.Context, invoiceID string, in CreditNoteInput) (Invoice, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Invoice{}, err
	}
	if err := identity.StaffMay(a, identity.CustomerManagement, "issuing credit notes"); err != nil {
		return Invoice{}, err
	}
	v := validate.New()
	v.ID("id", InvoiceKind, invoiceID)
	in.Reason = v.Name("reason", in.Reason, 500)
	for i, l := range in.Lines {
		v.Check(l.LineNo > 0, fmt.Sprintf("lines[%d].line_no", i), "out_of_range", "must be a line number")
	}
	if err := v.Err(); err != nil {
		return Invoice{}, err
	}
	var out Invoice
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		inv, err := s.visibleInvoice(ctx, a, invoiceID, true)
		if err != nil {
			return err
		}
		out, err = s.credit(ctx, inv, in)
		return err
	})
	return out, err
}

// credit issues a credit note against inv (locked).
func (s *Service) credit(ctx context.Context, inv Invoice, in CreditNoteInput) (Invoice, error) {
	if inv.Kind == KindCreditNote || inv.Status == StatusDraft || inv.Status == StatusVoid {
		return Invoice{}, errs.FailedPrecondition("invoice_not_creditable", "a "+inv.Status+" "+inv.Kind+" is not credited")
	}
	cur, err := money.ParseCurrency(inv.Currency)
	if err != nil {
		return Invoice{}, err
	}
	lines, err := s.lines(ctx, inv)
	if err != nil {
		return Invoice{}, err
	}
	credited, err := s.creditedLines(ctx, inv)
	if err != nil {
		return Invoice{}, err
	}
	now := s.db.Now(ctx)
	cn, err := creditNote(inv, in, lines, credited, cur, now)
	if err != nil {
		return Invoice{}, err
	}
	zero := money.NewAmount(0, cur)
	cn.Paid, cn.Credited, cn.AmountDue = zero, zero, zero
	cn.Status, cn.IssuedAt = StatusIssued, &now
	first, err := s.reserve(ctx, cn.IssuerOrgID, KindCreditNote, now.UTC().Year(), 1)
	if err != nil {
		return Invoice{}, err
	}
	cn.Number = formatNumber(KindCreditNote, now.UTC().Year(), first)
	stored, err := encodeLines(cn.Lines)
	if err != nil {
		return Invoice{}, err
	}
	if _, err := s.db.CopyIn(ctx, "invoices", invoiceInsertColumns, [][]any{invoiceRow(cn, nil)}); err != nil {
		return Invoice{}, err
	}
	if _, err := s.db.CopyIn(ctx, "invoice_bodies", bodyColumns, [][]any{{cn.ID, stored}}); err != nil {
		return Invoice{}, err
	}
	// The invoice: what is credited is no longer due.
	newCredited, err := money.AddMinor(inv.Credited.Minor(), cn.Total.Minor()) // ≤ the invoice's total: checked above
	if err != nil {
		return Invoice{}, err
	}
	status, paidAt := inv.Status, inv.PaidAt
	if status == StatusIssued && inv.Total.Minor()-inv.Paid.Minor()-newCredited <= 0 {
		status, paidAt = StatusPaid, &now
	}
	if _, err := s.db.Exec(ctx, `UPDATE invoices SET credited_minor = $2, status = $3, paid_at = $4, updated_at = $5 WHERE id = $1`,
		inv.ID, newCredited, status, paidAt, now); err != nil {
		return Invoice{}, err
	}
	j, err := s.creditJournal(ctx, inv, cn)
	if err != nil {
		return Invoice{}, err
	}
	if err := s.ledger.Post(ctx, j); err != nil {
		return Invoice{}, err
	}
	if status == StatusPaid && inv.Status != StatusPaid {
		if err := s.announcePaid(ctx, inv); err != nil {
			return Invoice{}, err
		}
	}
	return cn, s.rec.Record(ctx, "credit_note.create", "invoice", cn.ID, cn.RecipientOrgID,
		map[string]audit.Change{"credit_of": {To: inv.ID}, "total": {To: cn.Total.String()}, "reason": {To: cn.Reason}}, "credit_note.issued", cn)
}

// creditNote is the credit note of in against inv (totalled, not yet
// numbered), whose lines are lines, of which credited is already credited
// by line number: each line asked for, up to what is left of it, or every
// line's rest when in names none. The error is the request's fault.
func creditNote(inv Invoice, in CreditNoteInput, lines []Line, credited map[int]int64, cur money.Currency, now time.Time) (Invoice, error) {
	var err error
	byNo := map[int]Line{}
	for _, l := range lines {
		byNo[l.LineNo] = l
	}
	cn := Invoice{ID: ids.New(InvoiceKind), Kind: KindCreditNote, IssuerOrgID: inv.IssuerOrgID, RecipientOrgID: inv.RecipientOrgID,
		Currency: inv.Currency, Issuer: inv.Issuer, Recipient: inv.Recipient, CreditOf: inv.ID, Reason: in.Reason,
		ReverseCharge: inv.ReverseCharge, CreatedAt: now, UpdatedAt: now}
	add := func(l Line, amount money.Amount) {
		no, price := l.LineNo, amount.Decimal()
		x := l.exact
		if amount != l.Amount {
			x = amount.Decimal() // a partial credit: its own amount is the base
		}
		cn.Lines = append(cn.Lines, Line{LineNo: len(cn.Lines) + 1, ChargeID: l.ChargeID, SubscriptionID: l.SubscriptionID, Kind: l.Kind,
			Description: l.Description, Quantity: one, UnitPrice: &price, Amount: amount, TaxRate: l.TaxRate, TaxName: l.TaxName,
			PeriodStart: l.PeriodStart, PeriodEnd: l.PeriodEnd, CreditsLine: &no, exact: x})
	}
	left := func(l Line) money.Amount { return money.NewAmount(l.Amount.Minor()-credited[l.LineNo], cur) }
	if len(in.Lines) == 0 {
		for _, l := range lines {
			if in.only != nil && !in.only[l.LineNo] {
				continue
			}
			if rest := left(l); !rest.IsZero() {
				add(l, rest)
			}
		}
	}
	for i, req := range in.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		l, ok := byNo[req.LineNo]
		if !ok {
			return Invoice{}, errs.Invalid("line_not_found", "the invoice has no line "+fmt.Sprint(req.LineNo),
				errs.Field(field+".line_no", "line_not_found", "no such line"))
		}
		rest := left(l)
		amount := rest
		if req.Amount != nil {
			if amount, err = money.ParseAmount(*req.Amount, cur); err != nil {
				return Invoice{}, errs.Invalid("validation_failed", field+".amount: "+err.Error(), errs.Field(field+".amount", "invalid_amount", err.Error()))
			}
			if err := money.CheckAmount(amount.Decimal()); err != nil {
				return Invoice{}, errs.Invalid("validation_failed", field+".amount: "+err.Error(), errs.Field(field+".amount", "too_large", err.Error()))
			}
		}
		if !amount.IsPositive() || !l.Amount.IsPositive() {
			return Invoice{}, errs.Invalid("validation_failed", field+".amount: nothing to credit",
				errs.Field(field+".amount", "out_of_range", "credit a positive amount of a charged line"))
		}
		if c, _ := amount.Cmp(rest); c > 0 {
			return Invoice{}, errs.Invalid("credit_exceeds_line", "line "+fmt.Sprint(l.LineNo)+" has "+rest.String()+" left to credit",
				errs.Field(field+".amount", "credit_exceeds_line", "at most "+rest.String()))
		}
		add(l, amount)
	}
	if len(cn.Lines) == 0 {
		return Invoice{}, errs.FailedPrecondition("nothing_to_credit", "the invoice is fully credited")
	}
	if err := cn.total(cur); err != nil {
		return Invoice{}, err
	}
	room := inv.Total.Minor() - inv.Credited.Minor()
	if cn.Total.Minor() > room {
		return Invoice{}, errs.Invalid("credit_exceeds_invoice", fmt.Sprintf("the invoice has %s left to credit", money.NewAmount(room, cur)),
			errs.Field("lines", "credit_exceeds_invoice", "credit less"))
	}
	if !cn.Total.IsPositive() {
		return Invoice{}, errs.Invalid("validation_failed", "the credit note would total nothing", errs.Field("lines", "out_of_range", "credit a positive total"))
	}
	return cn, nil
}

// creditedLines is how much of each line of an invoice credit notes
// already credited.
func (s *Service) creditedLines(ctx context.Context, inv Invoice) (map[int]int64, error) {
	cur, err := money.ParseCurrency(inv.Currency)
	if err != nil {
		return nil, err
	}
	notes, err := db.Select(ctx, s.db, func(sc db.Scanner) (string, error) {
		var raw string
		return raw, sc.Scan(&raw)
	}, `SELECT b.lines FROM invoices i JOIN invoice_bodies b ON b.invoice_id = i.id WHERE i.credit_of = $1 AND i.kind = 'credit_note'`, inv.ID)
	if err != nil {
		return nil, err
	}
	out := map[int]int64{}
	for _, raw := range notes {
		lines, err := decodeLines(raw, cur)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if l.CreditsLine != nil {
				if out[*l.CreditsLine], err = money.AddMinor(out[*l.CreditsLine], l.Amount.Minor()); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// creditJournal reverses the share of inv's journal that cn credits: the
// payer's debt to the issuer exactly, the claims along the channel and the
// fees in proportion (pairs rounded alike, so the journal balances).
func (s *Service) creditJournal(ctx context.Context, inv, cn Invoice) (ledger.Journal, error) {
	cur, _ := money.ParseCurrency(inv.Currency)
	j := ledger.Journal{Kind: "credit_note", RefType: "invoice", RefID: cn.ID, Currency: cur, Memo: cn.Number}
	kinds, err := s.lineLedgerKinds(ctx, cn.Lines)
	if err != nil {
		return j, err
	}
	owed := map[string]int64{}
	for i, l := range cn.Lines {
		if owed[kinds[i]], err = money.AddMinor(owed[kinds[i]], l.Amount.Minor()); err != nil {
			return j, err
		}
	}
	for _, k := range []string{ledger.KindLicence, ledger.KindUsage, ledger.KindIaaS, ledger.KindVendorCost} {
		j.Owes(inv.RecipientOrgID, inv.IssuerOrgID, k, -owed[k])
	}
	j.Owes(inv.RecipientOrgID, inv.IssuerOrgID, ledger.KindTax, -cn.Tax.Minor())
	if inv.Total.IsZero() {
		return j, nil
	}
	js, err := s.ledger.Journals(ctx, "invoice", inv.ID)
	if err != nil {
		return j, err
	}
	ratio, err := cn.Total.Decimal().Div(inv.Total.Decimal(), 12)
	if err != nil {
		return j, err
	}
	for _, orig := range js {
		if orig.Kind != KindInvoice && orig.Kind != KindProforma {
			continue
		}
		// Each claim is two lines, +a on the creditor and -a on the
		// debtor: the positive one names both parties.
		for _, creditor := range orig.Lines {
			if creditor.Amount <= 0 {
				continue
			}
			debtor := creditor.CounterpartyID
			if (debtor == inv.RecipientOrgID && creditor.OrgID == inv.IssuerOrgID) || (debtor == inv.IssuerOrgID && creditor.OrgID == inv.RecipientOrgID) {
				continue // the payer's debt, reversed exactly above
			}
			part, err := money.Round(money.NewAmount(creditor.Amount, cur).Decimal().Mul(ratio), cur)
			if err != nil {
				return j, err
			}
			j.Owes(debtor, creditor.OrgID, creditor.Kind, -part.Minor())
		}
	}
	return j, nil
}

// lineLedgerKinds maps document lines to ledger kinds, using their
// charges' kinds (usage is billed in arrears).
func (s *Service) lineLedgerKinds(ctx context.Context, lines []Line) ([]string, error) {
	kinds := map[string]string{}
	for _, l := range lines {
		if l.ChargeID == "" || kinds[l.ChargeID] != "" {
			continue
		}
		var k string
		if err := s.db.QueryRow(ctx, `SELECT kind FROM charges WHERE id = $1`, l.ChargeID).Scan(&k); err != nil {
			return nil, err
		}
		kinds[l.ChargeID] = k
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = ledgerKind(lineKind(l.Kind), kinds[l.ChargeID])
	}
	return out, nil
}

// Void cancels an issued invoice nobody paid or credited (administrators
// managing customers): it is kept, marked void, and its journal reversed.
// Its charges are not invoiced again. Errors: invoice_not_voidable.
func (s *Service) Void(ctx context.Context, id, reason string) (Invoice, error) {
	return s.staffAction(ctx, id, reason, "voiding invoices", func(ctx context.Context, inv Invoice, reason string) (Invoice, error) {
		if inv.Kind == KindCreditNote || (inv.Status != StatusIssued && inv.Status != StatusDraft) || !inv.Paid.IsZero() || !inv.Credited.IsZero() {
			return inv, errs.FailedPrecondition("invoice_not_voidable", "only an issued invoice without payments or credit notes is voided")
		}
		return s.void(ctx, inv, reason)
	})
}

// staffAction runs an administrator's action with a reason on an invoice
// (administrators managing customers): the invoice locked in one
// transaction.
func (s *Service) staffAction(ctx context.Context, id, reason, what string, act func(ctx context.Context, inv Invoice, reason string) (Invoice, error)) (Invoice, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Invoice{}, err
	}
	if err := identity.StaffMay(a, identity.CustomerManagement, what); err != nil {
		return Invoice{}, err
	}
	v := validate.New()
	v.ID("id", InvoiceKind, id)
	reason = v.Name("reason", reason, 500)
	if err := v.Err(); err != nil {
		return Invoice{}, err
	}
	var out Invoice
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		inv, err := s.visibleInvoice(ctx, a, id, true)
		if err != nil {
			return err
		}
		out, err = act(ctx, inv, reason)
		return err
	})
	return out, err
}

func (s *Service) void(ctx context.Context, inv Invoice, reason string) (Invoice, error) {
	now := s.db.Now(ctx)
	if _, err := s.db.Exec(ctx, `UPDATE invoices SET status = 'void', voided_at = $2, reason = $3, pending_journal = NULL, updated_at = $2 WHERE id = $1`,
		inv.ID, now, reason); err != nil {
		return inv, err
	}
	if inv.Status != StatusDraft {
		js, err := s.ledger.Journals(ctx, "invoice", inv.ID)
		if err != nil {
			return inv, err
		}
		for _, j := range js {
			if err := s.ledger.Post(ctx, j.Reversed("void", "invoice", inv.ID, "void", now)); err != nil {
				return inv, err
			}
		}
	}
	before := inv.Status
	inv.Status, inv.VoidedAt, inv.Reason, inv.UpdatedAt = StatusVoid, &now, reason, now
	return inv, s.rec.Record(ctx, "invoice.void", "invoice", inv.ID, inv.RecipientOrgID,
		map[string]audit.Change{"status": {From: before, To: StatusVoid}, "reason": {To: reason}}, "invoice.voided", map[string]string{"invoice_id": inv.ID})
}

// MarkUncollectible writes off what is left to pay on an issued invoice
// (administrators managing customers); the issuer bears the loss.
// Errors: invoice_not_collectible.
func (s *Service) MarkUncollectible(ctx context.Context, id, reason string) (Invoice, error) {
	return s.staffAction(ctx, id, reason, "writing invoices off", func(ctx context.Context, inv Invoice, reason string) (Invoice, error) {
		if inv.Kind == KindCreditNote || inv.Status != StatusIssued || !inv.AmountDue.IsPositive() {
			return inv, errs.FailedPrecondition("invoice_not_collectible", "only an issued invoice with an amount due is written off")
		}
		now := s.db.Now(ctx)
		if _, err := s.db.Exec(ctx, `UPDATE invoices SET status = 'uncollectible', reason = $2, updated_at = $3 WHERE id = $1`, inv.ID, reason, now); err != nil {
			return inv, err
		}
		cur, _ := money.ParseCurrency(inv.Currency)
		j := ledger.Journal{Kind: "write_off", RefType: "invoice", RefID: inv.ID, Currency: cur, Memo: reason}
		j.Owes(inv.RecipientOrgID, inv.IssuerOrgID, ledger.KindWriteOff, -inv.AmountDue.Minor())
		if err := s.ledger.Post(ctx, j); err != nil {
			return inv, err
		}
		before := inv.Status
		inv.Status, inv.Reason, inv.UpdatedAt = StatusUncollectible, reason, now
		return inv, s.rec.Record(ctx, "invoice.uncollectible", "invoice", inv.ID, inv.RecipientOrgID,
			map[string]audit.Change{"status": {From: before, To: StatusUncollectible}, "reason": {To: reason}}, "invoice.uncollectible",
			map[string]string{"invoice_id": inv.ID})
	})
}

// Issue issues a draft (administrators managing customers): it gets its
// number and due date, and its journal is posted.
func (s *Service) Issue(ctx context.Context, id string) (Invoice, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Invoice{}, err
	}
	if err := identity.StaffMay(a, identity.CustomerManagement, "issuing invoices"); err != nil {
		return Invoice{}, err
	}
	if err := validate.CheckID("id", InvoiceKind, id); err != nil {
		return Invoice{}, err
	}
	var out Invoice
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		inv, err := s.visibleInvoice(ctx, a, id, true)
		if err != nil {
			return err
		}
		if inv.Status != StatusDraft {
			return errs.FailedPrecondition("invoice_not_draft", "the invoice is "+inv.Status)
		}
		var raw *string
		if err := s.db.QueryRow(ctx, `SELECT pending_journal FROM invoices WHERE id = $1`, id).Scan(&raw); err != nil {
			return err
		}
		set, err := s.settings(ctx)
		if err != nil {
			return err
		}
		now := s.db.Now(ctx)
		docs := []built{{inv: inv}}
		if err := s.number(ctx, docs, now); err != nil {
			return err
		}
		inv = docs[0].inv
		issueFields(&inv, set, now)
		if _, err := s.db.Exec(ctx, `UPDATE invoices SET number = $2, status = $3, issued_at = $4, due_at = $5, paid_at = $6,
			pending_journal = NULL, updated_at = $4 WHERE id = $1`, id, inv.Number, inv.Status, now, inv.DueAt, inv.PaidAt); err != nil {
			return err
		}
		if raw != nil {
			var pj pendingJournal
			if err := json.Unmarshal([]byte(*raw), &pj); err != nil {
				return err
			}
			cur, _ := money.ParseCurrency(inv.Currency)
			if err := s.ledger.Post(ctx, ledger.Journal{Kind: pj.Kind, RefType: "invoice", RefID: inv.ID, Currency: cur, Lines: pj.Lines}); err != nil {
				return err
			}
		}
		if inv.Status == StatusPaid {
			if err := s.announcePaid(ctx, inv); err != nil {
				return err
			}
		}
		out = inv
		return s.rec.Record(ctx, "invoice.issue", "invoice", id, inv.RecipientOrgID,
			map[string]audit.Change{"status": {From: StatusDraft, To: inv.Status}, "number": {To: inv.Number}}, "invoice.issued",
			map[string]string{"invoice_id": id, "number": inv.Number})
	})
	return out, err
}

// creditOrder credits what invoices charged for an order that was then
// cancelled (a renewal left unpaid past the grace period): drafts made
// only of it are voided, issued invoices get a credit note for its lines.
func (s *Service) creditOrder(ctx context.Context, orderID, reason string) error {
	ctx = actor.With(ctx, actor.System)
	ofOrder, err := db.Select(ctx, s.db, func(sc db.Scanner) ([2]string, error) {
		var id string
		var inv *string
		err := sc.Scan(&id, &inv)
		if inv == nil {
			return [2]string{id, ""}, err
		}
		return [2]string{id, *inv}, err
	}, `SELECT c.id, cs.invoice_id FROM `+chargeFrom+` WHERE c.order_id = $1 ORDER BY cs.invoice_id, c.id`, orderID)
	if err != nil {
		return err
	}
	charged := map[string]bool{}
	var invs []string
	for _, c := range ofOrder {
		charged[c[0]] = true
		if c[1] != "" && !slices.Contains(invs, c[1]) {
			invs = append(invs, c[1])
		}
	}
	for _, id := range invs {
		inv, err := s.visibleInvoice(ctx, actor.System, id, true)
		if err != nil {
			return err
		}
		if inv.Kind == KindCreditNote || inv.Status == StatusVoid || inv.Status == StatusUncollectible {
			continue
		}
		lines, err := s.lines(ctx, inv)
		if err != nil {
			return err
		}
		only := map[int]bool{}
		for _, l := range lines {
			if charged[l.ChargeID] {
				only[l.LineNo] = true
			}
		}
		if inv.Status == StatusDraft || (len(only) == len(lines) && inv.Paid.IsZero() && inv.Credited.IsZero()) {
			if _, err := s.void(ctx, inv, reason); err != nil {
				return err
			}
			continue
		}
		if _, err := s.credit(ctx, inv, CreditNoteInput{Reason: reason, only: only}); err != nil && !errs.Is(err, "nothing_to_credit") {
			return err
		}
	}
	return nil
}

func lineKind(k string) pricing.LineKind { return pricing.LineKind(k) }
