package billing

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing/invoicepdf"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// month parses "2026-11" into its bounds.
func month(v *validate.Collector, field, s string) (time.Time, time.Time) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		v.Add(field, "invalid_month", "a month such as 2026-11")
		return time.Time{}, time.Time{}
	}
	return t.UTC(), t.UTC().AddDate(0, 1, 0)
}

// BookDeal is a party's own book (its balance report, its proceeds, its
// statement) as a channel deal: the party is the only level of the chain,
// and the buyer of its purchases. PriceSight shows it to staff (every
// price) and to the party itself (its own level); every other party,
// including those above or below it in the channel, has no level in it.
func BookDeal(orgID string) channel.Deal {
	return channel.Deal{BuyerOrgID: orgID, Levels: []channel.Level{{OrgID: orgID}}}
}

// MayReadReport reports whether a may read the reports of party orgID:
// PriceSight grants it every price or its own level of orgID's book. The
// three reports (VendorBalance, ChannelProceeds, PartyStatement) decide
// through it (see reportOrg); the financial reports function a caller's
// role must also hold is a permission, not a price rule.
func MayReadReport(a actor.Actor, orgID string) bool {
	if orgID == "" {
		return false
	}
	s := channel.PriceSight(a, BookDeal(orgID))
	return s.All || s.Own != nil
}

// reportOrg loads the organization a report is about, for the callers
// price visibility shows its book to (MayReadReport: its own users and
// staff) whose role holds the financial reports function; anyone else is
// told it does not exist. Every report calls it.
func (s *Service) reportOrg(ctx context.Context, a actor.Actor, id string, kinds ...identity.OrgKind) (Party, error) {
	notFound := errs.NotFound("organization_not_found", "no such organization")
	if !identity.May(a, identity.FinancialReports) || !MayReadReport(a, id) {
		return Party{}, notFound
	}
	o, found, err := s.identity.Org(ctx, id)
	if err != nil || !found || !slices.Contains(kinds, o.Kind) {
		return Party{}, cmp.Or(err, error(notFound))
	}
	return partyOf(o), nil
}

// BalanceLine is a vendor's balance in one currency.
type BalanceLine struct {
	Currency string `json:"currency"`
	// LicenceRevenue and UsageRevenue are at the vendor's own prices.
	LicenceRevenue money.Amount `json:"licence_revenue"`
	UsageRevenue   money.Amount `json:"usage_revenue"`
	PlatformFee    money.Amount `json:"platform_fee"`
	// VendorCosts are the infrastructure of its trials and sandboxes.
	VendorCosts money.Amount `json:"vendor_costs"`
	// CollectedDirectly is revenue of self-billed sales, which the vendor
	// collected from its customers itself.
	CollectedDirectly money.Amount `json:"collected_directly"`
	// AmountDue is what the marketplace owes the vendor for the month (a
	// negative amount: what the vendor owes it).
	AmountDue money.Amount `json:"amount_due"`
}

// BalanceReport is a vendor's monthly balance: licence revenue +
// pay-per-use revenue − platform fee − trial and sandbox costs.
type BalanceReport struct {
	Vendor Party         `json:"vendor"`
	Month  string        `json:"month"`
	From   time.Time     `json:"from"`
	To     time.Time     `json:"to"`
	Lines  []BalanceLine `json:"lines"`
}

// VendorBalance reports a vendor's month from the ledger (the vendor and
// staff).
func (s *Service) VendorBalance(ctx context.Context, vendorID, m string) (BalanceReport, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return BalanceReport{}, err
	}
	v := validate.New()
	v.ID("id", ids.Organization, vendorID)
	from, to := month(v, "month", m)
	if err := v.Err(); err != nil {
		return BalanceReport{}, err
	}
	vendor, err := s.reportOrg(ctx, a, vendorID, identity.VendorOrg)
	if err != nil {
		return BalanceReport{}, err
	}
	op, err := s.identity.Operator(identity.AsSystem(ctx))
	if err != nil {
		return BalanceReport{}, err
	}
	sums, err := s.ledger.Sums(ctx, vendorID, from, to)
	if err != nil {
		return BalanceReport{}, err
	}
	type acc struct{ licence, usage, fee, costs, direct money.WideSum }
	by := map[money.Currency]*acc{}
	for _, x := range sums {
		a := by[x.Currency]
		if a == nil {
			a = &acc{}
			by[x.Currency] = a
		}
		switch x.Kind {
		case ledger.KindLicence:
			a.licence = a.licence.AddWide(x.Amount)
		case ledger.KindUsage:
			a.usage = a.usage.AddWide(x.Amount)
		case ledger.KindPlatformFee:
			a.fee = a.fee.AddWide(x.Amount.Neg())
		case ledger.KindVendorCost:
			a.costs = a.costs.AddWide(x.Amount.Neg())
		}
		if x.CounterpartyID != op.ID && (x.Kind == ledger.KindLicence || x.Kind == ledger.KindUsage) {
			a.direct = a.direct.AddWide(x.Amount)
		}
	}
	out := BalanceReport{Vendor: vendor, Month: from.Format("2006-01"), From: from, To: to, Lines: []BalanceLine{}}
	for _, cur := range sortedCurrencies(by) {
		x := by[cur]
		due := x.licence.AddWide(x.usage).AddWide(x.fee.Neg()).AddWide(x.costs.Neg()).AddWide(x.direct.Neg())
		var r reportAmounts
		out.Lines = append(out.Lines, BalanceLine{Currency: cur.Code(), LicenceRevenue: r.amount(x.licence, cur),
			UsageRevenue: r.amount(x.usage, cur), PlatformFee: r.amount(x.fee, cur), VendorCosts: r.amount(x.costs, cur),
			CollectedDirectly: r.amount(x.direct, cur), AmountDue: r.amount(due, cur)})
		if r.err != nil {
			return BalanceReport{}, r.err
		}
	}
	return out, nil
}

// reportAmounts turns a report's wide sums into Amounts, keeping the
// first that cannot be shown as err.
type reportAmounts struct{ err error }

// amount is w minor units of c, or the zero Amount of c with r.err set to
// an amount_too_large error (failed_precondition) if w is beyond what an
// Amount holds: a report sums in a width no book overflows, and says so
// only when its result cannot be shown.
func (r *reportAmounts) amount(w money.WideSum, c money.Currency) money.Amount {
	a, err := w.Amount(c)
	if err != nil {
		if r.err == nil {
			r.err = errs.FailedPrecondition("amount_too_large", "a total of the report is beyond the largest amount shown: "+err.Error()).WithCause(err)
		}
		return money.NewAmount(0, c)
	}
	return a
}

func sortedCurrencies[T any](m map[money.Currency]T) []money.Currency {
	out := make([]money.Currency, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code() < out[j].Code() })
	return out
}

// CSV renders the report as CSV, one row per currency.
func (r BalanceReport) CSV() []byte {
	rows := [][]string{{"vendor", "month", "currency", "licence_revenue", "usage_revenue", "platform_fee", "vendor_costs", "collected_directly", "amount_due"}}
	for _, l := range r.Lines {
		rows = append(rows, []string{r.Vendor.Name, r.Month, l.Currency, l.LicenceRevenue.String(), l.UsageRevenue.String(),
			l.PlatformFee.String(), l.VendorCosts.String(), l.CollectedDirectly.String(), l.AmountDue.String()})
	}
	return csvOf(rows)
}

// PDF renders the report as a one-page table.
func (r BalanceReport) PDF(footer string) ([]byte, error) {
	t := invoicepdf.Table{Title: "Balance report — " + r.From.Format("January 2006"), Subtitle: r.From.Format("2 Jan 2006") + " – " +
		r.To.AddDate(0, 0, -1).Format("2 Jan 2006"), Party: pdfParty(r.Vendor),
		Columns: []string{"Currency", "Licences", "Pay per use", "Platform fee", "Trial & sandbox", "Collected directly", "Amount due"},
		Align:   []string{"left", "right", "right", "right", "right", "right", "right"}, Footer: footer,
		Notes: []string{"Licence and pay-per-use revenue at the vendor's prices, less the platform fee and the infrastructure of trials and sandboxes. " +
			"Self-billed sales are collected by the vendor and listed apart."}}
	for _, l := range r.Lines {
		t.Rows = append(t.Rows, []string{l.Currency, l.LicenceRevenue.String(), l.UsageRevenue.String(), l.PlatformFee.Neg().String(),
			l.VendorCosts.Neg().String(), l.CollectedDirectly.Neg().String(), l.AmountDue.String()})
	}
	return invoicepdf.RenderTable(t)
}

// ProceedsLine is a channel party's month in one currency.
type ProceedsLine struct {
	Currency string `json:"currency"`
	// Sales is what its customers (or resellers) owe it; Purchases what it
	// owes the party above at its buy price; Margin the difference.
	Sales     money.Amount `json:"sales"`
	Purchases money.Amount `json:"purchases"`
	Margin    money.Amount `json:"margin"`
}

// Proceeds are a distributor's or reseller's margins of a month.
type Proceeds struct {
	Party Party          `json:"party"`
	Month string         `json:"month"`
	From  time.Time      `json:"from"`
	To    time.Time      `json:"to"`
	Lines []ProceedsLine `json:"lines"`
}

// ChannelProceeds reports a seller's margin of a month: a distributor's, a
// reseller's, or the marketplace owner's. The owner's sales are what its
// direct customers, distributors and resellers owe it; its purchases what
// it owes vendors at their prices less the platform fees they owe it (the
// fee is the vendor's discount to the marketplace: without it a wholesale
// price below the vendor's would read as a loss). The party's users with
// financial reports and staff read it; anyone else is told it does not
// exist.
func (s *Service) ChannelProceeds(ctx context.Context, orgID, m string) (Proceeds, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return Proceeds{}, err
	}
	v := validate.New()
	v.ID("id", ids.Organization, orgID)
	from, to := month(v, "month", m)
	if err := v.Err(); err != nil {
		return Proceeds{}, err
	}
	p, err := s.reportOrg(ctx, a, orgID, identity.DistributorOrg, identity.ResellerOrg, identity.Operator)
	if err != nil {
		return Proceeds{}, err
	}
	op, err := s.identity.Operator(identity.AsSystem(ctx))
	if err != nil {
		return Proceeds{}, err
	}
	sums, err := s.ledger.Sums(ctx, orgID, from, to)
	if err != nil {
		return Proceeds{}, err
	}
	type acc struct{ sales, purchases money.WideSum }
	by := map[money.Currency]*acc{}
	for _, x := range sums {
		fee := x.Kind == ledger.KindPlatformFee && orgID == op.ID
		if x.Kind != ledger.KindLicence && x.Kind != ledger.KindUsage && x.Kind != ledger.KindIaaS && !fee {
			continue
		}
		a := by[x.Currency]
		if a == nil {
			a = &acc{}
			by[x.Currency] = a
		}
		if fee || x.Amount.Sign() < 0 {
			a.purchases = a.purchases.AddWide(x.Amount.Neg())
		} else {
			a.sales = a.sales.AddWide(x.Amount)
		}
	}
	out := Proceeds{Party: p, Month: from.Format("2006-01"), From: from, To: to, Lines: []ProceedsLine{}}
	for _, cur := range sortedCurrencies(by) {
		x := by[cur]
		var r reportAmounts
		out.Lines = append(out.Lines, ProceedsLine{Currency: cur.Code(), Sales: r.amount(x.sales, cur),
			Purchases: r.amount(x.purchases, cur), Margin: r.amount(x.sales.AddWide(x.purchases.Neg()), cur)})
		if r.err != nil {
			return Proceeds{}, r.err
		}
	}
	return out, nil
}

// CSV renders the proceeds as CSV.
func (p Proceeds) CSV() []byte {
	rows := [][]string{{"party", "month", "currency", "sales", "purchases", "margin"}}
	for _, l := range p.Lines {
		rows = append(rows, []string{p.Party.Name, p.Month, l.Currency, l.Sales.String(), l.Purchases.String(), l.Margin.String()})
	}
	return csvOf(rows)
}

// StatementEntry is one ledger line of a party, with the running balance
// of its currency.
type StatementEntry struct {
	ledger.Entry
	CounterpartyName string       `json:"counterparty_name"`
	Amount           money.Amount `json:"amount"`
	Balance          money.Amount `json:"balance"`
}

// Statement is a party's ledger over a period: what it was owed (positive)
// or owed (negative) at the start, every line since, and at the end.
type Statement struct {
	Party   Party            `json:"party"`
	From    time.Time        `json:"from"`
	To      time.Time        `json:"to"`
	Opening []money.Amount   `json:"opening"`
	Closing []money.Amount   `json:"closing"`
	Entries []StatementEntry `json:"entries"`
	// Truncated is set when the period holds more lines than one statement
	// shows (MaxStatementEntries): narrow the period.
	Truncated bool `json:"truncated,omitempty"`
}

// MaxStatementEntries is the most lines one statement lists.
const MaxStatementEntries = 5000

// PartyStatement is a party's statement between from and to (the party
// and staff).
func (s *Service) PartyStatement(ctx context.Context, orgID string, from, to time.Time) (Statement, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return Statement{}, err
	}
	v := validate.New()
	v.ID("id", ids.Organization, orgID)
	if from.IsZero() || to.IsZero() || !to.After(from) {
		v.Add("to", "invalid_range", "from and to are required, to after from")
	}
	if err := v.Err(); err != nil {
		return Statement{}, err
	}
	p, err := s.reportOrg(ctx, a, orgID, identity.VendorOrg, identity.DistributorOrg, identity.ResellerOrg, identity.CustomerOrg, identity.Operator)
	if err != nil {
		return Statement{}, err
	}
	before, err := s.ledger.Sums(ctx, orgID, time.Time{}, from)
	if err != nil {
		return Statement{}, err
	}
	balance := map[money.Currency]money.WideSum{}
	for _, x := range before {
		balance[x.Currency] = balance[x.Currency].AddWide(x.Amount)
	}
	out := Statement{Party: p, From: from, To: to, Entries: []StatementEntry{}}
	var r reportAmounts
	for _, c := range sortedCurrencies(balance) {
		out.Opening = append(out.Opening, r.amount(balance[c], c))
	}
	es, err := s.ledger.Entries(ctx, orgID, from, to, MaxStatementEntries+1)
	if err != nil {
		return Statement{}, err
	}
	if len(es) > MaxStatementEntries {
		es, out.Truncated = es[:MaxStatementEntries], true
	}
	seen := map[string]bool{}
	var counterparties []string
	for _, e := range es {
		if !seen[e.CounterpartyID] {
			seen[e.CounterpartyID] = true
			counterparties = append(counterparties, e.CounterpartyID)
		}
	}
	names, err := s.identity.Orgs(ctx, counterparties)
	if err != nil {
		return Statement{}, err
	}
	for _, e := range es {
		balance[e.Currency] = balance[e.Currency].Add(e.Amount)
		out.Entries = append(out.Entries, StatementEntry{Entry: e, CounterpartyName: names[e.CounterpartyID].Name,
			Amount: money.NewAmount(e.Amount, e.Currency), Balance: r.amount(balance[e.Currency], e.Currency)})
	}
	for _, c := range sortedCurrencies(balance) {
		out.Closing = append(out.Closing, r.amount(balance[c], c))
	}
	if r.err != nil {
		return Statement{}, r.err
	}
	if out.Opening == nil {
		out.Opening = []money.Amount{}
	}
	if out.Closing == nil {
		out.Closing = []money.Amount{}
	}
	return out, nil
}

// CSV renders the statement's lines as CSV.
func (st Statement) CSV() []byte {
	rows := [][]string{{"at", "journal", "reference_type", "reference", "counterparty", "kind", "currency", "amount", "balance"}}
	for _, e := range st.Entries {
		rows = append(rows, []string{e.At.Format(time.RFC3339), e.JournalKind, e.RefType, e.RefID, e.CounterpartyName, e.Kind,
			e.Currency.Code(), e.Amount.String(), e.Balance.String()})
	}
	return csvOf(rows)
}

// csvOf writes rows as CSV, every cell through csvCell.
func csvOf(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	for _, row := range rows {
		for i, c := range row {
			row[i] = csvCell(c)
		}
	}
	_ = w.WriteAll(rows) // a bytes.Buffer does not fail
	return b.Bytes()
}

// csvCell defuses formula injection (OWASP "CSV injection"): a text cell
// starting with =, +, -, @, a tab or a carriage return is read as a
// formula by spreadsheets, so it gets a leading single quote. A plain
// decimal number ("-12.00", an amount as Amount.String writes it) is left
// alone: spreadsheets read it as the number it is, never as a formula, and
// quoting it would turn every negative amount into text that no longer
// sums.
func csvCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) || plainNumber(s) {
		return s
	}
	return "'" + s
}

// plainNumber reports whether s is an optional '-', digits and optionally
// a '.' and more digits.
func plainNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	digits := func(x string) bool {
		return x != "" && strings.Trim(x, "0123456789") == ""
	}
	return digits(whole) && (!dot || digits(frac))
}
