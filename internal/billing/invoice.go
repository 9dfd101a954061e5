package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Document kinds.
const (
	KindInvoice    = "invoice"
	KindCreditNote = "credit_note"
	// KindProforma is what a self-billed customer receives: not a tax
	// invoice; its seller bills and collects, then declares it paid.
	KindProforma = "proforma"
)

// Document statuses.
const (
	StatusDraft         = "draft"
	StatusIssued        = "issued"
	StatusPaid          = "paid"
	StatusVoid          = "void"
	StatusUncollectible = "uncollectible"
)

// numberPrefix is the prefix of a kind's numbers.
var numberPrefix = map[string]string{KindInvoice: "INV", KindCreditNote: "CN", KindProforma: "PF"}

// Party is an issuer or a recipient as the document was issued to.
type Party struct {
	OrgID   string `json:"org_id"`
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
	Country string `json:"country,omitempty"`
	TaxID   string `json:"tax_id,omitempty"`
	Email   string `json:"email,omitempty"`
}

// party is Party's internal alias for tax resolution.
type party = Party

// TaxLine is the tax of one rate: computed on the unrounded base of the
// lines taxed at it and rounded once.
type TaxLine struct {
	Name string `json:"name"`
	// Rate is a percentage.
	Rate money.Decimal `json:"rate"`
	Base money.Amount  `json:"base"`
	Tax  money.Amount  `json:"tax"`
}

// Line is one line of a document.
type Line struct {
	LineNo         int           `json:"line_no"`
	ChargeID       string        `json:"charge_id,omitempty"`
	SubscriptionID string        `json:"subscription_id,omitempty"`
	Kind           string        `json:"kind"`
	Description    string        `json:"description"`
	Quantity       money.Decimal `json:"quantity"`
	// UnitPrice is stated when Amount is Quantity × UnitPrice, rounded
	// once; otherwise it is nil and Ranges explain the amount.
	UnitPrice *money.Decimal `json:"unit_price,omitempty" doc:"The price per unit when the amount is quantity × unit price (rounded once). Absent when the amount is not: a tiered, stairstep or package price, a volume price with a flat price; ranges then explain it."`
	Amount    money.Amount   `json:"amount"`
	// Ranges explain an amount that Quantity × UnitPrice does not: their
	// amounts add up to Amount. RangesSummary is them in one line.
	Ranges        []Range `json:"ranges,omitempty" doc:"Present when the amount is not quantity × unit price: one entry per price range charged; their amounts add up to the line's amount."`
	RangesSummary string  `json:"ranges_summary,omitempty" doc:"The ranges in one line, ending with the line's amount, e.g. \"1-9 × 5.00 + 10-15 × 3.00 = 63.00\"."`
	// TaxRate is a percentage; TaxName names it.
	TaxRate     money.Decimal `json:"tax_rate"`
	TaxName     string        `json:"tax_name,omitempty"`
	PeriodStart *time.Time    `json:"period_start,omitempty"`
	PeriodEnd   *time.Time    `json:"period_end,omitempty"`
	// CreditsLine is, on a credit note, the credited invoice line.
	CreditsLine *int `json:"credits_line,omitempty"`
	// exact is the unrounded amount, the tax base.
	exact money.Decimal
	// recurringKey keeps a period's licence from being invoiced twice.
	recurringKey string
	chargeKind   string
	// breakdown is what Ranges are made of (see explain).
	breakdown []pricing.RatingLine
}

// Invoice is an invoice, a pro-forma or a credit note.
type Invoice struct {
	ID             string       `json:"id"`
	Kind           string       `json:"kind"`
	Number         string       `json:"number,omitempty"`
	IssuerOrgID    string       `json:"issuer_org_id"`
	RecipientOrgID string       `json:"recipient_org_id"`
	Status         string       `json:"status"`
	Currency       string       `json:"currency"`
	Subtotal       money.Amount `json:"subtotal"`
	Tax            money.Amount `json:"tax"`
	Total          money.Amount `json:"total"`
	Paid           money.Amount `json:"paid"`
	Credited       money.Amount `json:"credited"`
	// AmountDue is what is left to pay: Total - Paid - Credited.
	AmountDue     money.Amount `json:"amount_due"`
	Taxes         []TaxLine    `json:"taxes"`
	ReverseCharge bool         `json:"reverse_charge"`
	Issuer        Party        `json:"issuer"`
	Recipient     Party        `json:"recipient"`
	// CreditOf is, on a credit note, the credited invoice.
	CreditOf  string     `json:"credit_of,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	IssuedAt  *time.Time `json:"issued_at,omitempty"`
	DueAt     *time.Time `json:"due_at,omitempty"`
	PaidAt    *time.Time `json:"paid_at,omitempty"`
	VoidedAt  *time.Time `json:"voided_at,omitempty"`
	OverdueAt *time.Time `json:"overdue_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	// Lines are loaded with the document, not in lists.
	Lines []Line `json:"lines,omitempty"`

	runID string
}

const invoiceColumns = `id, kind, number, issuer_org_id, recipient_org_id, status, currency, subtotal_minor, tax_minor, total_minor,
	paid_minor, credited_minor, taxes, reverse_charge, issuer, recipient, credit_of, reason, run_id, issued_at, due_at, paid_at,
	voided_at, overdue_at, created_at, updated_at`

func scanInvoice(sc db.Scanner) (Invoice, error) {
	var inv Invoice
	var number, creditOf *string
	var subtotal, tax, total, paid, credited int64
	var taxes, issuer, recipient string
	err := sc.Scan(&inv.ID, &inv.Kind, &number, &inv.IssuerOrgID, &inv.RecipientOrgID, &inv.Status, &inv.Currency, &subtotal, &tax, &total,
		&paid, &credited, &taxes, &inv.ReverseCharge, &issuer, &recipient, &creditOf, &inv.Reason, &inv.runID, &inv.IssuedAt, &inv.DueAt,
		&inv.PaidAt, &inv.VoidedAt, &inv.OverdueAt, &inv.CreatedAt, &inv.UpdatedAt)
	if err != nil {
		return inv, err
	}
	if number != nil {
		inv.Number = *number
	}
	if creditOf != nil {
		inv.CreditOf = *creditOf
	}
	cur, err := money.ParseCurrency(inv.Currency)
	if err != nil {
		return inv, err
	}
	inv.Subtotal, inv.Tax, inv.Total = money.NewAmount(subtotal, cur), money.NewAmount(tax, cur), money.NewAmount(total, cur)
	inv.Paid, inv.Credited = money.NewAmount(paid, cur), money.NewAmount(credited, cur)
	inv.AmountDue = money.NewAmount(total-paid-credited, cur)
	for _, f := range []struct {
		raw string
		dst any
	}{{taxes, &inv.Taxes}, {issuer, &inv.Issuer}, {recipient, &inv.Recipient}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return inv, fmt.Errorf("invoice %s: %w", inv.ID, err)
		}
	}
	return inv, nil
}

// storedLine is a line as a document's body keeps it: the lines are one
// JSON array in invoice_bodies (an issued document never changes; credit
// notes are documents of their own).
type storedLine struct {
	No           int            `json:"no"`
	ChargeID     string         `json:"charge,omitempty"`
	Subscription string         `json:"subscription,omitempty"`
	Kind         string         `json:"kind"`
	Description  string         `json:"description"`
	Quantity     money.Decimal  `json:"quantity"`
	UnitPrice    *money.Decimal `json:"unit_price,omitempty"`
	Amount       int64          `json:"amount_minor"`
	Exact        money.Decimal  `json:"exact"`
	TaxRate      money.Decimal  `json:"tax_rate"`
	TaxName      string         `json:"tax_name,omitempty"`
	Start        *time.Time     `json:"start,omitempty"`
	End          *time.Time     `json:"end,omitempty"`
	CreditsLine  *int           `json:"credits_line,omitempty"`
	// RecurringKey is the licence period the line bills (see
	// invoiced_periods).
	RecurringKey string `json:"recurring_key,omitempty"`
	// Ranges are the line's price ranges when the unit price does not
	// explain its amount (bodies written before they were kept have none).
	Ranges []storedRange `json:"ranges,omitempty"`
}

// storedRange is a Range as a body keeps it: the amounts follow from the
// line's amount (see Line.explain).
type storedRange struct {
	From        money.Decimal  `json:"from"`
	To          *money.Decimal `json:"to,omitempty"`
	Quantity    money.Decimal  `json:"quantity"`
	UnitPrice   money.Decimal  `json:"unit_price,omitzero"`
	FlatPrice   money.Decimal  `json:"flat_price,omitzero"`
	PackageSize int64          `json:"package_size,omitempty"`
}

// encodeLines is the stored form of a document's lines: storedLine's JSON,
// written directly (a billing run encodes every line it invoices; the
// reflection of encoding/json cost a tenth of a run).
func encodeLines(lines []Line) (string, error) {
	b := make([]byte, 0, 512*len(lines))
	b = append(b, '[')
	for i, l := range lines {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"no":`...)
		b = strconv.AppendInt(b, int64(l.LineNo), 10)
		if l.ChargeID != "" {
			b = appendField(b, "charge", l.ChargeID)
		}
		if l.SubscriptionID != "" {
			b = appendField(b, "subscription", l.SubscriptionID)
		}
		b = appendField(b, "kind", l.Kind)
		b = appendField(b, "description", l.Description)
		b = appendDecimal(b, "quantity", l.Quantity)
		if l.UnitPrice != nil {
			b = appendDecimal(b, "unit_price", *l.UnitPrice)
		}
		b = appendName(b, "amount_minor")
		b = strconv.AppendInt(b, l.Amount.Minor(), 10)
		b = appendDecimal(b, "exact", l.exact)
		b = appendDecimal(b, "tax_rate", l.TaxRate)
		if l.TaxName != "" {
			b = appendField(b, "tax_name", l.TaxName)
		}
		if l.PeriodStart != nil {
			b = appendTime(b, "start", *l.PeriodStart)
		}
		if l.PeriodEnd != nil {
			b = appendTime(b, "end", *l.PeriodEnd)
		}
		if l.CreditsLine != nil {
			b = appendName(b, "credits_line")
			b = strconv.AppendInt(b, int64(*l.CreditsLine), 10)
		}
		if l.recurringKey != "" {
			b = appendField(b, "recurring_key", l.recurringKey)
		}
		if len(l.breakdown) > 0 {
			b = appendRanges(b, l.breakdown)
		}
		b = append(b, '}')
	}
	b = append(b, ']')
	return unsafe.String(&b[0], len(b)), nil // b is not written again
}

// appendRanges appends `,"ranges":[...]`, storedRange's JSON.
func appendRanges(b []byte, bd []pricing.RatingLine) []byte {
	b = append(appendName(b, "ranges"), '[')
	for i, r := range bd {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"from":"`...)
		b = append(r.From.Append(b), '"')
		if r.To != nil {
			b = appendDecimal(b, "to", *r.To)
		}
		b = appendDecimal(b, "quantity", r.Quantity)
		if !r.UnitPrice.IsZero() {
			b = appendDecimal(b, "unit_price", r.UnitPrice)
		}
		if !r.FlatPrice.IsZero() {
			b = appendDecimal(b, "flat_price", r.FlatPrice)
		}
		if r.PackageSize != 0 {
			b = appendName(b, "package_size")
			b = strconv.AppendInt(b, r.PackageSize, 10)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendName appends `,"name":`, a member's name (the names are ours: no
// escaping).
func appendName(b []byte, name string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// appendField appends `,"name":value` with value as a JSON string.
func appendField(b []byte, name, value string) []byte {
	return appendJSONString(appendName(b, name), value)
}

// appendDecimal appends `,"name":"d"`: a decimal's canonical form needs no
// escaping.
func appendDecimal(b []byte, name string, d money.Decimal) []byte {
	b = append(appendName(b, name), '"')
	return append(d.Append(b), '"')
}

// appendTime appends `,"name":"t"`, t in RFC 3339 in UTC.
func appendTime(b []byte, name string, t time.Time) []byte {
	b = append(appendName(b, name), '"')
	return append(t.UTC().AppendFormat(b, time.RFC3339Nano), '"')
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	plain := utf8.ValidString(s)
	for i := 0; plain && i < len(s); i++ {
		plain = s[i] >= 0x20 && s[i] != '"' && s[i] != '\\'
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// decodeLines reads a document's stored lines, in line order.
func decodeLines(raw string, cur money.Currency) ([]Line, error) {
	var stored []storedLine
	if err := json.Unmarshal([]byte(raw), &stored); err != nil {
		return nil, fmt.Errorf("invoice lines: %w", err)
	}
	out := make([]Line, len(stored))
	for i, l := range stored {
		out[i] = Line{LineNo: l.No, ChargeID: l.ChargeID, SubscriptionID: l.Subscription, Kind: l.Kind, Description: l.Description,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, Amount: money.NewAmount(l.Amount, cur), exact: l.Exact, TaxRate: l.TaxRate,
			TaxName: l.TaxName, PeriodStart: utc(l.Start), PeriodEnd: utc(l.End), CreditsLine: l.CreditsLine, recurringKey: l.RecurringKey}
		if len(l.Ranges) > 0 {
			bd := make([]pricing.RatingLine, len(l.Ranges))
			for j, r := range l.Ranges {
				bd[j] = pricing.RatingLine{From: r.From, To: r.To, Quantity: r.Quantity, UnitPrice: r.UnitPrice, FlatPrice: r.FlatPrice,
					PackageSize: r.PackageSize}
			}
			out[i].breakdown, out[i].UnitPrice = bd, nil
		} else if u := l.UnitPrice; u != nil && u.IsZero() && l.Amount != 0 {
			out[i].UnitPrice = nil // a zero that does not explain the amount
		}
		out[i].explain()
	}
	slices.SortFunc(out, func(a, b Line) int { return a.LineNo - b.LineNo })
	return out, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

var errInvoiceNotFound = errs.NotFound("invoice_not_found", "no such invoice")

// invoiceCandidates is the SQL condition selecting the documents a list
// may show the caller: every document for staff, an organization's own
// (issued or received) otherwise. It only narrows what a list reads;
// whether a caller may read a document is MayReadInvoice's decision
// (channel.PriceSight), and a test pins that the two select the same
// documents.
func invoiceCandidates(a actor.Actor, q *db.Query) string {
	if identity.IsStaff(a) {
		return "1 = 1"
	}
	p := q.Arg(a.OrgID)
	return "(i.recipient_org_id = " + p + " OR i.issuer_org_id = " + p + ")"
}

// GetInvoice returns a document with its lines.
func (s *Service) GetInvoice(ctx context.Context, id string) (Invoice, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return Invoice{}, err
	}
	if err := validate.CheckID("id", InvoiceKind, id); err != nil {
		return Invoice{}, err
	}
	inv, err := s.visibleInvoice(ctx, a, id, false)
	if err != nil {
		return inv, err
	}
	inv.Lines, err = s.lines(ctx, inv)
	return inv, err
}

// visibleInvoice loads document id for a (locked for update when lock is
// set), or errInvoiceNotFound when a may not read it (MayReadInvoice).
func (s *Service) visibleInvoice(ctx context.Context, a actor.Actor, id string, lock bool) (Invoice, error) {
	q := db.NewQuery(`SELECT ` + prefixed("i.", invoiceColumns) + ` FROM invoices i WHERE i.id = `)
	q.Add(q.Arg(id))
	if lock {
		q.Add(s.db.Dialect().ForUpdate())
	}
	inv, err := db.Get(ctx, s.db, scanInvoice, q.SQL(), q.Args()...)
	if errors.Is(err, db.ErrNoRows) {
		return Invoice{}, errInvoiceNotFound
	}
	if err != nil {
		return Invoice{}, err
	}
	// Whether the caller may read it is price visibility's decision; a
	// document it may not read does not exist for it.
	if !MayReadInvoice(a, inv) {
		return Invoice{}, errInvoiceNotFound
	}
	return inv, nil
}

func (s *Service) lines(ctx context.Context, inv Invoice) ([]Line, error) {
	cur, err := money.ParseCurrency(inv.Currency)
	if err != nil {
		return nil, err
	}
	var raw string
	if err := s.db.QueryRow(ctx, `SELECT lines FROM invoice_bodies WHERE invoice_id = $1`, inv.ID).Scan(&raw); err != nil {
		return nil, err
	}
	return decodeLines(raw, cur)
}

// InvoiceFilter narrows ListInvoices.
type InvoiceFilter struct {
	// RecipientOrgID and IssuerOrgID keep one party's documents.
	RecipientOrgID string
	IssuerOrgID    string
	Kind           string
	Status         string
	// SubscriptionID keeps the invoices that charged the subscription and
	// their credit notes.
	SubscriptionID string
	// Overdue keeps issued invoices past their due date.
	Overdue bool
	Page    page.Request
}

// ListInvoices lists the documents the caller may see, newest first.
func (s *Service) ListInvoices(ctx context.Context, f InvoiceFilter) ([]Invoice, string, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return nil, "", err
	}
	v := validate.New()
	if f.Kind != "" {
		v.OneOf("kind", f.Kind, KindInvoice, KindCreditNote, KindProforma)
	}
	if f.Status != "" {
		v.OneOf("status", f.Status, StatusDraft, StatusIssued, StatusPaid, StatusVoid, StatusUncollectible)
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	q := db.NewQuery(`SELECT ` + prefixed("i.", invoiceColumns) + ` FROM invoices i WHERE `)
	q.Add(invoiceCandidates(a, q))
	for _, c := range []struct{ col, val string }{{"i.recipient_org_id", f.RecipientOrgID}, {"i.issuer_org_id", f.IssuerOrgID},
		{"i.kind", f.Kind}, {"i.status", f.Status}} {
		if c.val != "" {
			q.Add(" AND " + c.col + " = " + q.Arg(c.val))
		}
	}
	if f.SubscriptionID != "" {
		// The invoices that charged the subscription, and their credit notes.
		charged := "SELECT cs.invoice_id FROM " + chargeFrom + " WHERE c.subscription_id = " + q.Arg(f.SubscriptionID) + " AND cs.invoice_id IS NOT NULL"
		q.Add(" AND (i.id IN (" + charged + ") OR i.credit_of IN (" + charged + "))")
	}
	if f.Overdue {
		q.Add(" AND i.status = 'issued' AND i.overdue_at IS NOT NULL")
	}
	return page.List(ctx, s.db, q, "i.id", page.Descending, f.Page, scanInvoice, func(inv Invoice) string { return inv.ID })
}

// prefixed qualifies a column list with a table alias.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// parties loads organizations as invoice parties.
func (s *Service) parties(ctx context.Context, ids []string) (map[string]Party, error) {
	orgs, err := s.identity.Orgs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Party, len(orgs))
	// Invoices name their parties without a foreign key on PostgreSQL
	// (migration 15): no document goes out for an organization that is not
	// there.
	for _, id := range ids {
		o, ok := orgs[id]
		if !ok {
			return nil, fmt.Errorf("billing: invoice party %s: organization not found", id)
		}
		out[id] = partyOf(o)
	}
	return out, nil
}

// partyOf is organization o as a party of a document.
func partyOf(o identity.Organization) Party {
	return Party{OrgID: o.ID, Name: o.Name, Address: o.Address, Country: o.Country, TaxID: o.TaxID, Email: o.Email}
}

// Check verifies what the schema leaves to billing: every invoice's
// issuer and recipient exist (PostgreSQL keeps no foreign key for them,
// see migration 15). Tests call it when they end, as they call
// ledger.Check.
func (s *Service) Check(ctx context.Context) error {
	named, err := db.Select(ctx, s.db, func(sc db.Scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	}, `SELECT issuer_org_id FROM invoices UNION SELECT recipient_org_id FROM invoices`)
	if err != nil {
		return err
	}
	var missing []string
	for chunk := range slices.Chunk(named, 500) {
		orgs, err := s.identity.Orgs(ctx, chunk)
		if err != nil {
			return err
		}
		for _, id := range chunk {
			if _, ok := orgs[id]; !ok {
				missing = append(missing, id)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	args := make([]any, len(missing))
	for i, id := range missing {
		args[i] = id
	}
	in := db.In(1, len(missing))
	bad, err := db.Select(ctx, s.db, func(sc db.Scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	}, `SELECT id FROM invoices WHERE issuer_org_id IN (`+in+`) OR recipient_org_id IN (`+in+`) ORDER BY id LIMIT 20`, args...)
	if err != nil {
		return err
	}
	return fmt.Errorf("billing: invoices without their issuer or recipient organization: %s (missing %s)", strings.Join(bad, ", "),
		strings.Join(missing, ", "))
}
