// Package ledger is the settlement ledger: who owes whom, between the
// parties of the channel (customers, resellers, distributors, the
// marketplace owner, vendors), as balanced journals.
//
// Every line is one side of a claim between two parties. A claim "A owes B
// 10.00" is two lines: +10.00 on B's account with A (B's receivable) and
// -10.00 on A's account with B (A's payable). A journal's lines sum to zero
// per currency, so debits (positive) equal credits (negative) in every
// journal and in the whole ledger; Check proves it. A party's balance with
// a counterparty is the sum of its lines with it: positive, the
// counterparty owes it; negative, it owes the counterparty. Each line
// carries a kind (licence, usage, iaas, tax, platform fee, vendor costs,
// payments...) so reports can say where a balance comes from.
//
// Journals are never updated or deleted: a correction posts a reversing
// journal. Like the audit log, the ledger only records and sums; the
// billing service authorizes who reads what.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// JournalKind is the id prefix of ledger journals.
const JournalKind ids.Kind = "jnl"

// Line kinds.
const (
	// KindLicence: licences, setup fees, prepaid extra resources and
	// vendor-added lines.
	KindLicence = "licence"
	// KindUsage: pay-per-use metrics and postpaid extra resources.
	KindUsage = "usage"
	// KindIaaS: infrastructure costs, which the marketplace owner keeps.
	KindIaaS = "iaas"
	// KindTax: tax invoiced to a customer, collected by the issuer.
	KindTax = "tax"
	// KindPlatformFee: the marketplace owner's fee on a vendor's revenue.
	KindPlatformFee = "platform_fee"
	// KindVendorCost: infrastructure costs of a vendor's trials and
	// sandboxes, which the vendor pays.
	KindVendorCost = "vendor_cost"
	// KindPayment: money received against what is owed.
	KindPayment = "payment"
	// KindWriteOff: a debt given up as uncollectible.
	KindWriteOff = "write_off"
)

// Line is one side of a claim, in minor units of its journal's currency.
type Line struct {
	OrgID          string `json:"org_id"`
	CounterpartyID string `json:"counterparty_org_id"`
	Kind           string `json:"kind"`
	Amount         int64  `json:"amount_minor"`
}

// Journal is one balanced posting.
type Journal struct {
	ID       string
	Kind     string
	RefType  string
	RefID    string
	Currency money.Currency
	Memo     string
	At       time.Time
	Lines    []Line
}

// Owes adds the claim "debtor owes creditor amount" (negative amounts
// reverse a claim); a zero amount or a party owing itself adds nothing.
func (j *Journal) Owes(debtor, creditor, kind string, amount int64) {
	if amount == 0 || debtor == creditor {
		return
	}
	j.Lines = append(j.Lines,
		Line{OrgID: creditor, CounterpartyID: debtor, Kind: kind, Amount: amount},
		Line{OrgID: debtor, CounterpartyID: creditor, Kind: kind, Amount: -amount})
}

// Reversed returns a journal undoing j: every line negated.
func (j Journal) Reversed(kind, refType, refID, memo string, at time.Time) Journal {
	out := Journal{Kind: kind, RefType: refType, RefID: refID, Currency: j.Currency, Memo: memo, At: at}
	for _, l := range j.Lines {
		l.Amount = -l.Amount
		out.Lines = append(out.Lines, l)
	}
	return out
}

// ErrUnbalanced is returned for a journal whose lines do not sum to zero.
var ErrUnbalanced = errors.New("ledger: journal does not balance")

// Balanced checks that j's lines sum to zero, in a sum that cannot
// overflow (so lines of ±9.2 × 10^18 that wrap to zero do not pass).
func (j Journal) Balanced() error {
	var sum money.WideSum
	for _, l := range j.Lines {
		sum = sum.Add(l.Amount)
	}
	if !sum.IsZero() {
		return fmt.Errorf("%w: %s %s sums to %s", ErrUnbalanced, j.Kind, j.RefID, sum)
	}
	return nil
}

// Kinds are the kinds of lines, in the order of their columns.
var Kinds = []string{KindLicence, KindUsage, KindIaaS, KindTax, KindPlatformFee, KindVendorCost, KindPayment, KindWriteOff}

// kindColumn is the index of each kind in Kinds.
var kindColumn = func() map[string]int {
	m := make(map[string]int, len(Kinds))
	for i, k := range Kinds {
		m[k] = i
	}
	return m
}()

// amountColumns are the columns of an entry's amounts, one per kind.
var amountColumns = func() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = k + "_minor"
	}
	return out
}()

// ErrUnknownKind is returned for a line of a kind the ledger does not
// keep.
var ErrUnknownKind = errors.New("ledger: unknown line kind")

// Ledger records and sums journals.
//
// It stores a journal's lines as entries: one row per party and
// counterparty with an amount per kind, kept in the order statements read
// them (a party's entries by time). A journal between a customer, the
// marketplace owner and a vendor is four rows, however many kinds it
// carries.
type Ledger struct{ db *db.DB }

// New returns the ledger stored in d.
func New(d *db.DB) *Ledger { return &Ledger{db: d} }

// entryKey is what an entry row is per journal: a party and a
// counterparty.
type entryKey struct{ org, counterparty string }

// entries folds a journal's lines into its entry rows, in the order the
// pairs first appear. Lines of the same party, counterparty and kind add
// up; a sum beyond an Amount is an error wrapping money.ErrOverflow.
func entries(j Journal) ([]entryKey, map[entryKey][]int64, error) {
	var order []entryKey
	amounts := map[entryKey][]int64{}
	for _, ln := range j.Lines {
		col, ok := kindColumn[ln.Kind]
		if !ok {
			return nil, nil, fmt.Errorf("%w: %q in %s %s", ErrUnknownKind, ln.Kind, j.Kind, j.RefID)
		}
		k := entryKey{ln.OrgID, ln.CounterpartyID}
		a := amounts[k]
		if a == nil {
			a = make([]int64, len(Kinds))
			amounts[k] = a
			order = append(order, k)
		}
		sum, err := money.AddMinor(a[col], ln.Amount)
		if err != nil {
			return nil, nil, fmt.Errorf("ledger: %s %s: %w", j.Kind, j.RefID, err)
		}
		a[col] = sum
	}
	return order, amounts, nil
}

var entryInsertColumns = append([]string{"org_id", "at", "journal_id", "counterparty_org_id", "currency"}, amountColumns...)

// Post records journals in the transaction of ctx (each must balance;
// journals without lines are skipped). Times default to the transaction's.
func (l *Ledger) Post(ctx context.Context, js ...Journal) error {
	if err := l.db.MustTx(ctx); err != nil {
		return fmt.Errorf("ledger post: %w", err)
	}
	now := l.db.Now(ctx)
	var journals, rows [][]any
	for _, j := range js {
		if len(j.Lines) == 0 {
			continue
		}
		if err := j.Balanced(); err != nil {
			return err
		}
		order, amounts, err := entries(j)
		if err != nil {
			return err
		}
		if j.ID == "" {
			j.ID = ids.New(JournalKind)
		}
		if j.At.IsZero() {
			j.At = now
		}
		cur := j.Currency.Code()
		journals = append(journals, []any{j.ID, j.Kind, j.RefType, j.RefID, cur, j.Memo, j.At})
		for _, k := range order {
			row := make([]any, 5, 5+len(Kinds))
			row[0], row[1], row[2], row[3], row[4] = k.org, j.At, j.ID, k.counterparty, cur
			for _, a := range amounts[k] {
				row = append(row, a)
			}
			rows = append(rows, row)
		}
	}
	if _, err := l.db.CopyIn(ctx, "ledger_journals", []string{"id", "kind", "ref_type", "ref_id", "currency", "memo", "at"}, journals); err != nil {
		return err
	}
	_, err := l.db.CopyIn(ctx, "ledger_entries", entryInsertColumns, rows)
	return err
}

// scanAmounts scans an entry's amount columns.
func scanAmounts(dest []any) []int64 {
	a := make([]int64, len(Kinds))
	for i := range a {
		dest[i] = &a[i]
	}
	return a
}

// lines unpivots an entry's amounts into its lines, in the order of Kinds;
// zero amounts are no line.
func lines(org, counterparty string, amounts []int64, out []Line) []Line {
	for i, a := range amounts {
		if a != 0 {
			out = append(out, Line{OrgID: org, CounterpartyID: counterparty, Kind: Kinds[i], Amount: a})
		}
	}
	return out
}

// Journals returns the journals posted for a reference, oldest first. A
// journal's lines come back by party and counterparty, then kind: the
// lines it was posted with, those of the same party, counterparty and kind
// added up.
func (l *Ledger) Journals(ctx context.Context, refType, refID string) ([]Journal, error) {
	type row struct {
		j       Journal
		org, cp string
		amounts []int64
	}
	rows, err := db.Select(ctx, l.db, func(s db.Scanner) (row, error) {
		var r row
		var cur string
		dest := make([]any, 9+len(Kinds))
		copy(dest, []any{&r.j.ID, &r.j.Kind, &r.j.RefType, &r.j.RefID, &cur, &r.j.Memo, &r.j.At, &r.org, &r.cp})
		r.amounts = scanAmounts(dest[9:])
		err := s.Scan(dest...)
		if err == nil {
			r.j.Currency, err = money.ParseCurrency(cur)
		}
		return r, err
	}, `SELECT j.id, j.kind, j.ref_type, j.ref_id, j.currency, j.memo, j.at, e.org_id, e.counterparty_org_id, `+perKind(", ", func(c string) string { return "e." + c })+`
		FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
		WHERE j.ref_type = $1 AND j.ref_id = $2 ORDER BY j.at, j.id, e.org_id, e.counterparty_org_id`, refType, refID)
	if err != nil {
		return nil, err
	}
	var out []Journal
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ID != r.j.ID {
			out = append(out, r.j)
		}
		last := &out[len(out)-1]
		last.Lines = lines(r.org, r.cp, r.amounts, last.Lines)
	}
	return out, nil
}

// splitBase is 2^32. SQL sums amounts in two parts, x / 2^32 and
// x % 2^32 (both engines divide integers truncating toward zero), which
// fit in a BIGINT for up to 2^31 rows where SUM(x) may not: SQLite's SUM
// of integers fails with "integer overflow", its total() is a float, and
// the two engines must agree. money.WideFromParts puts them together.
const splitBase = "4294967296"

// splitSums is "sum(c / 2^32), sum(c % 2^32)" for each amount column, with
// prefix before each column's name.
func splitSums(prefix string) string {
	return perKind(", ", func(c string) string {
		return "sum(" + prefix + c + " / " + splitBase + "), sum(" + prefix + c + " % " + splitBase + ")"
	})
}

// scanSplit scans the columns of splitSums; wide returns their totals.
func scanSplit(dest []any) (wide func() []money.WideSum) {
	parts := make([]int64, 2*len(Kinds))
	for i := range parts {
		dest[i] = &parts[i]
	}
	return func() []money.WideSum {
		out := make([]money.WideSum, len(Kinds))
		for i := range out {
			out[i] = money.WideFromParts(parts[2*i], parts[2*i+1])
		}
		return out
	}
}

// perKind is an SQL list with f of each amount column's name, joined by
// sep: "e.licence_minor, e.usage_minor, ...", "sum(...) + sum(...)".
func perKind(sep string, f func(col string) string) string {
	parts := make([]string, len(amountColumns))
	for i, c := range amountColumns {
		parts[i] = f(c)
	}
	return strings.Join(parts, sep)
}

// Check verifies the ledger's invariant: every journal's lines of each
// kind sum to zero (so debits equal credits to the cent, per currency, in
// each journal and overall), no line's currency differs from its
// journal's, and no line is without its journal (the database does not
// enforce that: Post writes both in one transaction and nothing deletes
// them).
func (l *Ledger) Check(ctx context.Context) error {
	// A column's sum H × 2^32 + L (splitSums) is zero exactly when L is a
	// multiple of 2^32 and H + L / 2^32 is zero: a test without overflow.
	nonZero := func(c string) string {
		h, lo := "sum(e."+c+" / "+splitBase+")", "sum(e."+c+" % "+splitBase+")"
		return "(" + lo + " % " + splitBase + " <> 0 OR " + h + " + " + lo + " / " + splitBase + " <> 0)"
	}
	bad, err := db.Select(ctx, l.db, func(s db.Scanner) (string, error) {
		var id string
		dest := make([]any, 1+2*len(Kinds))
		dest[0] = &id
		wide := scanSplit(dest[1:])
		err := s.Scan(dest...)
		var sum money.WideSum
		for _, w := range wide() {
			sum = sum.AddWide(w)
		}
		return fmt.Sprintf("%s (%s)", id, sum), err
	}, `SELECT e.journal_id, `+splitSums("e.")+` FROM ledger_entries e LEFT JOIN ledger_journals j ON j.id = e.journal_id
		GROUP BY e.journal_id HAVING `+perKind(" OR ", nonZero)+` OR min(e.currency) <> max(e.currency) OR min(e.currency) <> min(j.currency)
			OR count(j.id) = 0
		ORDER BY e.journal_id LIMIT 20`)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrUnbalanced, strings.Join(bad, ", "))
	}
	// Debits equal credits in each currency: all its lines sum to zero.
	type total struct {
		cur string
		sum money.WideSum
	}
	totals, err := db.Select(ctx, l.db, func(s db.Scanner) (total, error) {
		var t total
		dest := make([]any, 1+2*len(Kinds))
		dest[0] = &t.cur
		wide := scanSplit(dest[1:])
		err := s.Scan(dest...)
		for _, w := range wide() {
			t.sum = t.sum.AddWide(w)
		}
		return t, err
	}, `SELECT currency, `+splitSums("")+` FROM ledger_entries GROUP BY currency ORDER BY currency`)
	if err != nil {
		return err
	}
	for _, t := range totals {
		if !t.sum.IsZero() {
			return fmt.Errorf("%w: in %s debits and credits differ by %s", ErrUnbalanced, t.cur, t.sum)
		}
	}
	return nil
}

// Sum is a total of ledger lines of one party, by counterparty, kind and
// currency, in minor units of a width no book overflows (a report turns
// it into an Amount, or says it is too large to show).
type Sum struct {
	OrgID          string         `json:"org_id"`
	CounterpartyID string         `json:"counterparty_org_id"`
	Kind           string         `json:"kind"`
	Currency       money.Currency `json:"currency"`
	Amount         money.WideSum  `json:"amount_minor"`
}

// Sums totals org's lines posted in [from, to) (zero times leave that end
// open) by counterparty, kind and currency, in that order; a total of zero
// is left out. It sums exactly on both engines whatever the book holds
// (see splitBase).
func (l *Ledger) Sums(ctx context.Context, orgID string, from, to time.Time) ([]Sum, error) {
	q := db.NewQuery(`SELECT counterparty_org_id, currency, ` + splitSums("") + ` FROM ledger_entries WHERE org_id = `)
	q.Add(q.Arg(orgID))
	if !from.IsZero() {
		q.Add(" AND at >= " + q.Arg(from))
	}
	if !to.IsZero() {
		q.Add(" AND at < " + q.Arg(to))
	}
	q.Add(" GROUP BY counterparty_org_id, currency")
	type row struct {
		cp      string
		cur     money.Currency
		amounts []money.WideSum
	}
	rows, err := db.Select(ctx, l.db, func(s db.Scanner) (row, error) {
		var r row
		var cur string
		dest := make([]any, 2+2*len(Kinds))
		dest[0], dest[1] = &r.cp, &cur
		wide := scanSplit(dest[2:])
		err := s.Scan(dest...)
		if err == nil {
			r.amounts = wide()
			r.cur, err = money.ParseCurrency(cur)
		}
		return r, err
	}, q.SQL(), q.Args()...)
	if err != nil {
		return nil, err
	}
	var out []Sum
	for _, r := range rows {
		for i, a := range r.amounts {
			if !a.IsZero() {
				out = append(out, Sum{OrgID: orgID, CounterpartyID: r.cp, Kind: Kinds[i], Currency: r.cur, Amount: a})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.CounterpartyID != b.CounterpartyID {
			return a.CounterpartyID < b.CounterpartyID
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Currency.Code() < b.Currency.Code()
	})
	return out, nil
}

// Entry is one posted line with its journal, for statements.
type Entry struct {
	JournalID      string         `json:"journal_id"`
	JournalKind    string         `json:"journal_kind"`
	RefType        string         `json:"ref_type"`
	RefID          string         `json:"ref_id"`
	Memo           string         `json:"memo,omitempty"`
	At             time.Time      `json:"at"`
	CounterpartyID string         `json:"counterparty_org_id"`
	Kind           string         `json:"kind"`
	Currency       money.Currency `json:"currency"`
	Amount         int64          `json:"amount_minor"`
}

// Entries lists org's lines posted in [from, to), oldest first (a
// journal's by counterparty, then kind), at most limit of them.
func (l *Ledger) Entries(ctx context.Context, orgID string, from, to time.Time, limit int) ([]Entry, error) {
	q := db.NewQuery(`SELECT j.id, j.kind, j.ref_type, j.ref_id, j.memo, e.at, e.counterparty_org_id, e.currency, ` + perKind(", ", func(c string) string { return "e." + c }) + `
		FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id WHERE e.org_id = `)
	q.Add(q.Arg(orgID))
	if !from.IsZero() {
		q.Add(" AND e.at >= " + q.Arg(from))
	}
	if !to.IsZero() {
		q.Add(" AND e.at < " + q.Arg(to))
	}
	// Each row holds at least one line: limit rows hold enough.
	q.Add(" ORDER BY e.at, e.journal_id, e.counterparty_org_id LIMIT " + q.Arg(limit))
	type row struct {
		e       Entry
		amounts []int64
	}
	rows, err := db.Select(ctx, l.db, func(s db.Scanner) (row, error) {
		var r row
		var cur string
		dest := make([]any, 8+len(Kinds))
		copy(dest, []any{&r.e.JournalID, &r.e.JournalKind, &r.e.RefType, &r.e.RefID, &r.e.Memo, &r.e.At, &r.e.CounterpartyID, &cur})
		r.amounts = scanAmounts(dest[8:])
		err := s.Scan(dest...)
		if err == nil {
			r.e.Currency, err = money.ParseCurrency(cur)
		}
		return r, err
	}, q.SQL(), q.Args()...)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, r := range rows {
		for i, a := range r.amounts {
			if a != 0 && len(out) < limit {
				e := r.e
				e.Kind, e.Amount = Kinds[i], a
				out = append(out, e)
			}
		}
	}
	return out, nil
}
