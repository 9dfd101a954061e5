package billing

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// writeDocs numbers, issues (unless drafts are the rule) and stores docs,
// and posts their journals.
func (s *Service) writeDocs(ctx context.Context, docs []built, runID string) error {
	if len(docs) == 0 {
		return nil
	}
	set, err := s.settings(ctx)
	if err != nil {
		return err
	}
	now := s.db.Now(ctx)
	var bodyRows, periodRows [][]any
	var journals []ledger.Journal
	var issued []string
	for i := range docs {
		d := &docs[i]
		inv := &d.inv
		inv.runID = runID
		inv.Status = StatusDraft
		inv.CreatedAt, inv.UpdatedAt = now, now
		if set.AutoIssue {
			issueFields(inv, set, now)
			journals = append(journals, d.journal)
			issued = append(issued, inv.ID)
		}
		bodyRows = append(bodyRows, []any{inv.ID, d.lines})
		for _, l := range inv.Lines {
			if l.recurringKey != "" {
				periodRows = append(periodRows, []any{l.recurringKey, inv.ID})
			}
		}
	}
	if _, err := s.db.CopyIn(ctx, "invoiced_periods", []string{"recurring_key", "invoice_id"}, periodRows); err != nil {
		if db.IsUniqueViolation(err) {
			return fmt.Errorf("billing safety bound: a subscription period's licence is already invoiced: %w", err)
		}
		return err
	}
	if _, err := s.db.CopyIn(ctx, "invoice_bodies", bodyColumns, bodyRows); err != nil {
		return err
	}
	if err := s.ledger.Post(ctx, journals...); err != nil {
		return err
	}
	if len(issued) > 0 {
		if err := s.outbox.PublishData(ctx, "billing.invoices_issued", "run", runID, "", map[string]any{"run_id": runID, "invoice_ids": issued}); err != nil {
			return err
		}
	}
	// Numbers last: reserving them locks the issuer's sequence until the
	// transaction ends (numbers are gapless), so a concurrent batch of the
	// same issuer waits only for this one's invoice rows and commit.
	if set.AutoIssue {
		if err := s.number(ctx, docs, now); err != nil {
			return err
		}
	}
	invRows := make([][]any, len(docs))
	for i := range docs {
		var pending *ledger.Journal
		if docs[i].inv.Status == StatusDraft {
			pending = &docs[i].journal
		}
		invRows[i] = invoiceRow(docs[i].inv, pending)
	}
	if _, err = s.db.CopyIn(ctx, "invoices", invoiceInsertColumns, invRows); err != nil {
		return err
	}
	for _, d := range docs {
		if d.inv.Status == StatusPaid { // a zero total, paid at issue
			if err := s.publishPaid(ctx, d.inv, d.orders); err != nil {
				return err
			}
		}
	}
	return nil
}

// issueFields makes inv issued now: due after the payment terms, paid at
// once when it totals exactly zero (never when below: a negative total is
// an error, not a document nobody needs to pay).
func issueFields(inv *Invoice, set Settings, now time.Time) {
	due := now.Add(clock.Days(set.PaymentTermsDays))
	inv.Status, inv.IssuedAt, inv.DueAt, inv.UpdatedAt = StatusIssued, &now, &due, now
	if inv.Kind != KindCreditNote && inv.Total.IsZero() {
		inv.Status, inv.PaidAt = StatusPaid, &now
	}
}

// number gives issued documents their numbers: for each issuer and kind,
// a block of the year's sequence reserved in one statement, so numbers
// are gapless and never reused.
func (s *Service) number(ctx context.Context, docs []built, now time.Time) error {
	type seq struct{ issuer, kind string }
	count := map[seq]int{}
	var order []seq
	for _, d := range docs {
		k := seq{d.inv.IssuerOrgID, d.inv.Kind}
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	// Sequences are locked in one order (issuer, then kind), so two runs
	// reserving for the same issuers never wait on each other in a cycle.
	sort.Slice(order, func(i, j int) bool {
		if order[i].issuer != order[j].issuer {
			return order[i].issuer < order[j].issuer
		}
		return order[i].kind < order[j].kind
	})
	next := map[seq]int64{}
	year := now.UTC().Year()
	for _, k := range order {
		first, err := s.reserve(ctx, k.issuer, k.kind, year, count[k])
		if err != nil {
			return err
		}
		next[k] = first
	}
	for i := range docs {
		k := seq{docs[i].inv.IssuerOrgID, docs[i].inv.Kind}
		docs[i].inv.Number = formatNumber(k.kind, year, next[k])
		next[k]++
	}
	return nil
}

// reserve takes n numbers from an issuer's sequence of a kind and year and
// returns the first.
func (s *Service) reserve(ctx context.Context, issuer, kind string, year, n int) (int64, error) {
	var last int64
	err := s.db.QueryRow(ctx, `INSERT INTO invoice_sequences (issuer_org_id, kind, year, last) VALUES ($1, $2, $3, $4)
		ON CONFLICT (issuer_org_id, kind, year) DO UPDATE SET last = invoice_sequences.last + excluded.last RETURNING last`,
		issuer, kind, year, n).Scan(&last)
	return last - int64(n) + 1, err
}

func formatNumber(kind string, year int, n int64) string {
	return fmt.Sprintf("%s-%d-%06d", numberPrefix[kind], year, n)
}

// FormatNumber is the number of the nth document of a kind in a year.
func FormatNumber(kind string, year int, n int64) string { return formatNumber(kind, year, n) }

var invoiceInsertColumns = append(strings.Split(strings.NewReplacer("\n", "", "\t", "", " ", "").Replace(invoiceColumns), ","), "pending_journal")

// bodyColumns are those of a document's body: what it says, apart from
// its state (status, amounts paid and credited, dates), which changes.
var bodyColumns = []string{"invoice_id", "lines"}

// pendingJournal is a draft's journal as stored until it is issued.
type pendingJournal struct {
	Kind  string        `json:"kind"`
	Lines []ledger.Line `json:"lines"`
}

func invoiceRow(inv Invoice, pending *ledger.Journal) []any {
	var journal any
	if pending != nil {
		journal = db.JSONText(pendingJournal{Kind: pending.Kind, Lines: pending.Lines})
	}
	var number, creditOf any
	if inv.Number != "" {
		number = inv.Number
	}
	if inv.CreditOf != "" {
		creditOf = inv.CreditOf
	}
	taxes := inv.Taxes
	if taxes == nil {
		taxes = []TaxLine{}
	}
	return []any{inv.ID, inv.Kind, number, inv.IssuerOrgID, inv.RecipientOrgID, inv.Status, inv.Currency, inv.Subtotal.Minor(),
		inv.Tax.Minor(), inv.Total.Minor(), inv.Paid.Minor(), inv.Credited.Minor(), db.JSONText(taxes), inv.ReverseCharge,
		db.JSONText(inv.Issuer), db.JSONText(inv.Recipient), creditOf, inv.Reason, inv.runID, inv.IssuedAt, inv.DueAt, inv.PaidAt, inv.VoidedAt,
		inv.OverdueAt, inv.CreatedAt, inv.UpdatedAt, journal}
}
