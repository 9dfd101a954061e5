package billing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// built is a document made from charges, not yet written.
type built struct {
	inv     Invoice
	lines   string // inv.Lines as stored
	charges []charge
	journal ledger.Journal
	orders  []string
}

// builder makes documents from charges.
type builder struct {
	set      Settings
	taxes    taxTable
	parties  map[string]Party
	usage    map[usageKey]money.Decimal
	fees     map[string]money.Decimal
	operator string
	now      time.Time
	// raters are the compiled usage prices, by term: a batch's charges
	// share their decoded terms (termsDecoder), so each is compiled once.
	raters sync.Map // *pricing.PostpaidTerm → *pricing.Rater
}

// rater is t's compiled scheme, nil if it does not compile (rating then
// reports why).
func (b *builder) rater(t *pricing.PostpaidTerm) *pricing.Rater {
	if r, ok := b.raters.Load(t); ok {
		return r.(*pricing.Rater)
	}
	r, err := t.Scheme.Compile()
	if err != nil {
		return nil
	}
	b.raters.Store(t, r)
	return r
}

type usageKey struct {
	sub, item string
	start     int64
}

var (
	hundredth = money.MustDecimal("0.01")
	one       = money.DecimalFromInt(1)
)

// prepare loads what building documents for charges needs: parties, tax
// rates, usage, fees.
func (s *Service) prepare(ctx context.Context, charges []charge) (*builder, error) {
	set, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	taxes, err := s.loadTaxes(ctx)
	if err != nil {
		return nil, err
	}
	op, err := s.identity.Operator(identity.AsSystem(ctx))
	if err != nil {
		return nil, err
	}
	b := &builder{set: set, taxes: taxes, usage: map[usageKey]money.Decimal{}, fees: map[string]money.Decimal{}, operator: op.ID,
		now: s.db.Now(ctx)}
	orgs := map[string]bool{op.ID: true}
	var arrears []string // subscriptions whose usage is rated, since since
	var since time.Time
	for _, c := range charges {
		orgs[c.PayerOrgID], orgs[c.IssuerOrgID] = true, true
		if c.Kind == ChargeArrears && c.PeriodStart != nil {
			arrears = append(arrears, c.SubscriptionID)
			since = earliest(since, *c.PeriodStart)
		}
		if c.Detail.Carried != nil {
			arrears = append(arrears, c.SubscriptionID)
			since = earliest(since, c.Detail.Carried.Start)
		}
		for _, cl := range c.Detail.Claims {
			if cl.Vendor {
				b.fees[cl.Creditor] = money.Decimal{}
			}
		}
		levels := c.Detail.Levels
		if c.Detail.Carried != nil {
			levels = append(levels, c.Detail.Carried.Levels...)
		}
		for _, lt := range levels {
			if lt.Vendor {
				b.fees[lt.Creditor] = money.Decimal{}
			}
		}
		if c.Detail.IssuerVendor {
			b.fees[c.IssuerOrgID] = money.Decimal{}
		}
	}
	if b.parties, err = s.parties(ctx, sortedKeys(orgs)); err != nil {
		return nil, err
	}
	for v := range b.fees {
		if b.fees[v], err = s.feePercent(ctx, set, v); err != nil {
			return nil, err
		}
	}
	slices.Sort(arrears)
	arrears = slices.Compact(arrears)
	for chunk := range slices.Chunk(arrears, 200) {
		args := make([]any, len(chunk), len(chunk)+1)
		for i, id := range chunk {
			args[i] = id
		}
		args = append(args, since)
		type rec struct {
			k usageKey
			q money.Decimal
		}
		dia := s.db.Dialect()
		recs, err := db.Select(ctx, s.db, func(sc db.Scanner) (rec, error) {
			var r rec
			var at time.Time
			err := sc.Scan(&r.k.sub, &r.k.item, dia.TimeDest(&at), &r.q)
			r.k.start = at.UnixNano()
			return r, err
		}, `SELECT subscription_id, item, `+dia.TimeText("period_start")+`, quantity FROM usage_records WHERE subscription_id IN (`+db.In(1, len(chunk))+`)
			AND period_start >= $`+strconv.Itoa(len(chunk)+1), args...)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			b.usage[r.k] = r.q
		}
	}
	return b, nil
}

// earliest is the earlier of a (zero: none yet) and b.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// group splits charges into documents: one per payer, issuer, currency
// and kind (invoice or pro-forma), in a stable order.
func group(charges []charge) [][]charge {
	document := func(a, b *charge) int {
		return cmp.Or(strings.Compare(a.PayerOrgID, b.PayerOrgID), strings.Compare(a.IssuerOrgID, b.IssuerOrgID),
			strings.Compare(a.Currency.Code(), b.Currency.Code()), boolOrder(a.SelfBilled)-boolOrder(b.SelfBilled))
	}
	// Sorted by index, then copied once: charges are large.
	order := make([]int, len(charges))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := &charges[i], &charges[j]
		return cmp.Or(document(a, b), a.BillAt.Compare(b.BillAt), strings.Compare(a.Key, b.Key))
	})
	sorted := make([]charge, len(charges))
	for k, i := range order {
		sorted[k] = charges[i]
	}
	var out [][]charge
	for lo := 0; lo < len(sorted); {
		hi := lo + 1
		for hi < len(sorted) && document(&sorted[lo], &sorted[hi]) == 0 {
			hi++
		}
		out = append(out, sorted[lo:hi:hi])
		lo = hi
	}
	return out
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// exact is the unrounded value of a quote line: quantity × unit price
// when the line has one, else its amount.
func exact(l pricing.QuoteLine) money.Decimal {
	if !l.UnitPrice.IsZero() {
		return l.Quantity.Mul(l.UnitPrice)
	}
	return l.Amount.Decimal()
}

// build makes the document of one group of charges; ok is false when
// nothing in them is to be invoiced (unused metrics, say).
func (b *builder) build(id string, cs []charge) (built, bool, error) {
	first := cs[0]
	cur := first.Currency
	issuer, recipient := b.parties[first.IssuerOrgID], b.parties[first.PayerOrgID]
	kind := KindInvoice
	if first.SelfBilled {
		kind = KindProforma
	}
	out := built{inv: Invoice{ID: id, Kind: kind, IssuerOrgID: issuer.OrgID, RecipientOrgID: recipient.OrgID,
		Currency: cur.Code(), Issuer: issuer, Recipient: recipient, CreatedAt: b.now, UpdatedAt: b.now}, charges: cs}
	zero := money.NewAmount(0, cur)
	var claims []claim
	most := 0 // lines at most: each usage term rates to one line at most
	for _, c := range cs {
		most += len(c.Detail.Lines)
		if c.Kind == ChargeArrears {
			most += len(c.Detail.Postpaid)
		}
		if c.Detail.Carried != nil {
			most += len(c.Detail.Carried.Postpaid)
		}
	}
	out.inv.Lines = make([]Line, 0, most)
	// the lines' unit prices (see Line.price)
	prices := make([]money.Decimal, 0, most)
	owed := map[string]int64{}       // payer → issuer, by ledger kind
	vendorOwed := map[string]int64{} // what the vendor issuer is owed, by kind
	var sumErr error                 // the first overflow of a sum below
	for _, c := range cs {
		lines := c.Detail.Lines
		if c.Kind == ChargeArrears {
			var err error
			if lines, claims, err = b.rateArrears(c, carried{ChargeID: c.ID, Start: *c.PeriodStart, End: *c.PeriodEnd,
				Postpaid: c.Detail.Postpaid, Levels: c.Detail.Levels}, claims); err != nil {
				return out, false, err
			}
		}
		if cr := c.Detail.Carried; cr != nil {
			used, cl, err := b.rateArrears(c, *cr, claims)
			if err != nil {
				return out, false, err
			}
			lines, claims = append(used, lines...), cl
		}
		rate, reverse := b.taxes.rate(c.Detail.TaxCategory, issuer, recipient)
		out.inv.ReverseCharge = out.inv.ReverseCharge || reverse
		for _, ql := range lines {
			l := Line{LineNo: len(out.inv.Lines) + 1, ChargeID: c.ID, SubscriptionID: c.SubscriptionID, Kind: string(ql.Kind),
				Description: ql.Description, Quantity: ql.Quantity, Amount: ql.Amount, TaxRate: rate.Rate,
				TaxName: rate.Name, exact: exact(ql), chargeKind: c.Kind}
			l.price(ql, &prices)
			if ql.Period != nil {
				ps, pe := ql.Period.Start, ql.Period.End
				l.PeriodStart, l.PeriodEnd = &ps, &pe
			}
			if c.Kind == ChargeAdvance && c.SubscriptionID != "" && l.PeriodStart != nil &&
				(ql.Kind == pricing.LineLicence || ql.Kind == pricing.LineBundleComponent) {
				l.recurringKey = c.SubscriptionID + "/" + l.PeriodStart.UTC().Format(time.RFC3339Nano) + "/" + string(ql.Kind) + "/" + ql.ComponentPlanID
			}
			k := ledgerKind(ql.Kind, c.Kind)
			owed[k] = addMinor(owed[k], l.Amount.Minor(), &sumErr)
			if c.Detail.IssuerVendor {
				vendorOwed[k] = addMinor(vendorOwed[k], l.Amount.Minor(), &sumErr)
			}
			out.inv.Lines = append(out.inv.Lines, l)
		}
		claims = append(claims, c.Detail.Claims...)
		if c.OrderID != "" && !slices.Contains(out.orders, c.OrderID) {
			out.orders = append(out.orders, c.OrderID)
		}
	}
	if len(out.inv.Lines) == 0 {
		return out, false, nil
	}
	if sumErr != nil {
		return out, false, sumErr
	}
	if err := checkSafetyBounds(out.inv.Lines); err != nil {
		return out, false, err
	}
	if err := out.inv.total(cur); err != nil {
		return out, false, err
	}
	if out.inv.Total.IsNegative() {
		// Only credit notes give money back; a negative invoice (which
		// no flow makes: see the README's Billing section) is an error
		// an operator looks at, never a document paid by itself.
		return out, false, fmt.Errorf("billing: the invoice would total %s %s, below zero", out.inv.Total, cur.Code())
	}
	out.inv.Paid, out.inv.Credited, out.inv.AmountDue = zero, zero, out.inv.Total

	j := ledger.Journal{Kind: kind, RefType: "invoice", RefID: out.inv.ID, Currency: cur}
	for _, k := range []string{ledger.KindLicence, ledger.KindUsage, ledger.KindIaaS, ledger.KindVendorCost} {
		j.Owes(recipient.OrgID, issuer.OrgID, k, owed[k])
	}
	j.Owes(recipient.OrgID, issuer.OrgID, ledger.KindTax, out.inv.Tax.Minor())
	feeBase := map[string]int64{}
	summed, err := sumClaims(claims)
	if err != nil {
		return out, false, err
	}
	for _, cl := range summed {
		j.Owes(cl.Debtor, cl.Creditor, cl.Kind, cl.Amount)
		if cl.Vendor && (cl.Kind == ledger.KindLicence || cl.Kind == ledger.KindUsage) {
			feeBase[cl.Creditor] = addMinor(feeBase[cl.Creditor], cl.Amount, &sumErr)
		}
	}
	if first.Detail.IssuerVendor {
		vendorBase := addMinor(vendorOwed[ledger.KindLicence], vendorOwed[ledger.KindUsage], &sumErr)
		feeBase[issuer.OrgID] = addMinor(feeBase[issuer.OrgID], vendorBase, &sumErr)
	}
	if sumErr != nil {
		return out, false, sumErr
	}
	for _, v := range sortedKeys(keysOf(feeBase)) {
		fee, err := money.Round(money.NewAmount(feeBase[v], cur).Decimal().Mul(b.fees[v]).Mul(hundredth), cur)
		if err != nil {
			return out, false, err
		}
		j.Owes(v, b.operator, ledger.KindPlatformFee, fee.Minor())
	}
	out.journal = j
	out.lines, err = encodeLines(out.inv.Lines)
	return out, err == nil, err
}

// sumClaims adds up the claims of a document by debtor, creditor and
// kind, in a stable order: one journal line pair each. A sum beyond the
// range of an Amount is an error wrapping money.ErrOverflow.
func sumClaims(cs []claim) ([]claim, error) {
	type key struct{ debtor, creditor, kind string }
	at := map[key]int{}
	var out []claim
	var err error
	for _, c := range cs {
		k := key{c.Debtor, c.Creditor, c.Kind}
		if i, ok := at[k]; ok {
			out[i].Amount = addMinor(out[i].Amount, c.Amount, &err)
			continue
		}
		at[k] = len(out)
		out = append(out, c)
	}
	sortClaims(out)
	return out, err
}

// addMinor is a + b with money.AddMinor: on overflow it returns a and
// keeps the first error in *err, so a loop checks once at its end.
func addMinor(a, b int64, err *error) int64 {
	money.AddMinorTo(&a, b, err)
	return a
}

func keysOf(m map[string]int64) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// rateArrears rates a period's recorded usage (of an arrears charge, or
// carried by the next period's advance charge c): a metric without usage
// bills nothing; a postpaid extra without usage bills its ordered
// quantity. It adds each level's claims for the same usage.
func (b *builder) rateArrears(c charge, p carried, claims []claim) ([]pricing.QuoteLine, []claim, error) {
	used := func(t pricing.PostpaidTerm) (money.Decimal, bool) {
		item := t.ID
		if t.Kind == pricing.LineMetric && t.Key != "" {
			item = t.Key
		}
		q, ok := b.usage[usageKey{c.SubscriptionID, item, p.Start.UnixNano()}]
		if !ok && t.Kind == pricing.LineExtraResource && t.Quantity.IsPositive() {
			return t.Quantity, true
		}
		return q, ok && q.IsPositive()
	}
	var lines []pricing.QuoteLine
	for i := range p.Postpaid {
		t := &p.Postpaid[i]
		q, ok := used(*t)
		if !ok {
			continue
		}
		l, err := pricing.RateUsageCompiled(*t, b.rater(t), q, c.Currency)
		if err != nil {
			return nil, nil, fmt.Errorf("rate usage of %s: %w", c.SubscriptionID, err)
		}
		if t.ComponentPlanID == "" {
			l.Description = c.Detail.Label + ": " + l.Description
		}
		if l.Kind == pricing.LineExtraResource {
			l.Kind = LineUsedExtra
		}
		l.Period = &pricing.Period{Start: p.Start, End: p.End}
		lines = append(lines, l)
	}
	for _, lt := range p.Levels {
		var sum int64
		for i := range lt.Postpaid {
			t := &lt.Postpaid[i]
			q, ok := used(*t)
			if !ok {
				continue
			}
			a, err := pricing.UsageAmount(*t, b.rater(t), q, c.Currency)
			if err != nil {
				return nil, nil, err
			}
			if sum, err = money.AddMinor(sum, a.Minor()); err != nil {
				return nil, nil, fmt.Errorf("usage of %s: %w", c.SubscriptionID, err)
			}
		}
		if sum != 0 {
			claims = append(claims, claim{Debtor: lt.Debtor, Creditor: lt.Creditor, Vendor: lt.Vendor, Kind: ledger.KindUsage, Amount: sum})
		}
	}
	return lines, claims, nil
}

// checkSafetyBounds refuses a document with two licence lines for the same
// subscription period (the database's unique key refuses one across
// documents).
func checkSafetyBounds(lines []Line) error {
	seen := map[string]bool{}
	for _, l := range lines {
		if l.recurringKey == "" {
			continue
		}
		if seen[l.recurringKey] {
			return fmt.Errorf("billing safety bound: two licence lines for %s", l.recurringKey)
		}
		seen[l.recurringKey] = true
	}
	return nil
}

// total computes a document's totals: the tax of each rate on the
// unrounded base of its lines, rounded once.
func (inv *Invoice) total(cur money.Currency) error {
	type group struct {
		name string
		rate money.Decimal
		base money.Decimal
		sum  int64
	}
	var groups []*group
	var subtotal int64
	var err error // the first overflow of a sum below
	for _, l := range inv.Lines {
		subtotal = addMinor(subtotal, l.Amount.Minor(), &err)
		var g *group
		for _, x := range groups {
			if x.name == l.TaxName && x.rate.Equal(l.TaxRate) {
				g = x
			}
		}
		if g == nil {
			g = &group{name: l.TaxName, rate: l.TaxRate}
			groups = append(groups, g)
		}
		g.base = g.base.Add(l.exact)
		g.sum = addMinor(g.sum, l.Amount.Minor(), &err)
	}
	inv.Taxes = []TaxLine{}
	var tax int64
	for _, g := range groups {
		t, err := money.Tax(g.base, g.rate.Mul(hundredth), cur)
		if err != nil {
			return err
		}
		if g.rate.IsZero() && g.name == "" {
			continue
		}
		inv.Taxes = append(inv.Taxes, TaxLine{Name: g.name, Rate: g.rate, Base: money.NewAmount(g.sum, cur), Tax: t})
		tax = addMinor(tax, t.Minor(), &err)
	}
	total := addMinor(subtotal, tax, &err)
	if err != nil {
		return fmt.Errorf("invoice totals: %w", err)
	}
	inv.Subtotal, inv.Tax, inv.Total = money.NewAmount(subtotal, cur), money.NewAmount(tax, cur), money.NewAmount(total, cur)
	return nil
}

// RunDue invoices every charge due by now and marks the invoices past due
// overdue. It returns how many documents it issued and invoices it marked.
// Several processes may run it at once; each charge is invoiced once. On
// PostgreSQL it works Config.Workers batches at once (each claims its own
// payers' charges in its own transaction). SQLite has one writer: there
// the next batch is read and built on a snapshot while the current one
// writes (runPipelined).
func (s *Service) RunDue(ctx context.Context) (int, error) {
	ctx = identity.AsSystem(ctx)
	runID := ids.New(RunKind)
	var done int
	var errs []error
	fail := func(err error, after string) {
		s.log.ErrorContext(ctx, "billing batch failed", "run_id", runID, "after", after, "err", err)
		errs = append(errs, err)
	}
	// Invoices past due are marked overdue, the run's own never (with
	// payment terms of zero days they are due as they are issued: the next
	// run marks them). On SQLite the first transaction marks them while the
	// first batch is built; on PostgreSQL a transaction of its own marks
	// them beside the batches (it updates rows no batch writes).
	var marked int
	if s.db.CanSnapshot() {
		done, marked = s.runPipelined(ctx, runID, fail)
	} else {
		var markErr error
		marking := make(chan struct{})
		go func() {
			defer close(marking)
			marked, markErr = s.markOverdue(ctx, runID)
		}()
		done = s.runParallel(ctx, runID, fail)
		<-marking
		if markErr != nil {
			errs = append(errs, markErr)
		}
	}
	return done + marked, errors.Join(errs...)
}

// runParallel runs the batches on the engine's workers, each batch read,
// built and written in its own transaction.
func (s *Service) runParallel(ctx context.Context, runID string, fail func(error, string)) int {
	workers := 1
	if s.db.Engine() == db.Postgres {
		workers = s.cfg.Workers
	}
	var mu sync.Mutex
	after, batches, done := "", 0, 0
	// next hands out the next payers, one batch at a time.
	next := func() ([]string, int, bool) {
		mu.Lock()
		defer mu.Unlock()
		payers, err := s.nextPayers(ctx, after)
		if err != nil {
			fail(err, after)
			return nil, 0, false
		}
		if len(payers) == 0 {
			return nil, 0, false
		}
		after, batches = payers[len(payers)-1], batches+1
		return payers, batches, true
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				payers, batch, ok := next()
				if !ok {
					return
				}
				n, _, err := s.runBatch(ctx, runID, payers, batch, nil, nil)
				mu.Lock()
				done += n
				if err != nil {
					fail(err, payers[0])
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return done
}

// prefetched is a batch read and built on a snapshot, ahead of its
// transaction.
type prefetched struct {
	payers  []string
	charges []string // the ids of the charges built, sorted
	docs    []built
	failed  []failedDoc
	// mark is the writer's WriteMark at the end of the transaction that was
	// in flight when the snapshot was read.
	mark [2]int64
	ok   bool
}

// runPipelined runs the batches one transaction at a time (SQLite's single
// writer) and, while one writes, reads and builds the next on a snapshot,
// so that building (decoding details, rating, taxes) and writing use both
// cores. The snapshot is read after the writing transaction took the write
// lock, so it is the database as committed before that transaction. The
// next transaction uses what was built only if its WriteMark equals the
// one the previous transaction ended with: nothing else was written since,
// and the previous batch's own writes touch other payers' charges and
// nothing a build reads. It then claims the charges built by id, which
// costs a fraction of finding the due ones again. Otherwise it claims and
// builds again inside the transaction, as runParallel does.
func (s *Service) runPipelined(ctx context.Context, runID string, fail func(error, string)) (done, marked int) {
	// The first transaction marks the invoices past due overdue while the
	// first batch is read and built on a snapshot (marks change nothing a
	// build reads).
	var ahead chan *prefetched
	var mark writeMark
	err := s.db.InTx(ctx, func(txCtx context.Context) error {
		ahead = make(chan *prefetched, 1)
		go func() { ahead <- s.prefetch(ctx, "") }()
		var err error
		if marked, err = s.markOverdueIn(txCtx, runID); err != nil {
			return err
		}
		mark.v, mark.ok, err = s.db.WriteMark(txCtx)
		return err
	})
	if err != nil {
		marked = 0
		fail(fmt.Errorf("mark overdue invoices: %w", err), "")
	}
	var pre *prefetched
	var payers []string
	if ahead != nil {
		if p := <-ahead; p != nil {
			p.mark, p.ok = mark.v, mark.ok && err == nil
			pre, payers = p, p.payers
		}
	}
	if pre == nil {
		if payers, err = s.nextPayers(ctx, ""); err != nil {
			fail(err, "")
			return 0, marked
		}
	}
	for batch := 1; len(payers) > 0; batch++ {
		last := payers[len(payers)-1]
		var ahead chan *prefetched
		n, mark, err := s.runBatch(ctx, runID, payers, batch, pre, func() {
			ahead = make(chan *prefetched, 1)
			go func() { ahead <- s.prefetch(ctx, last) }()
		})
		done += n
		if err != nil {
			fail(err, payers[0])
		}
		if s.betweenBatches != nil {
			s.betweenBatches(batch)
		}
		pre = nil
		if ahead != nil {
			if p := <-ahead; p != nil {
				p.mark, p.ok = mark.v, mark.ok && err == nil
				pre, payers = p, p.payers
				continue
			}
		}
		if payers, err = s.nextPayers(ctx, last); err != nil {
			fail(err, last)
			return done, marked
		}
	}
	return done, marked
}

// prefetch reads the payers after `after` and builds their documents on a
// snapshot. It returns nil if that failed: the caller reads them again.
func (s *Service) prefetch(ctx context.Context, after string) *prefetched {
	p := &prefetched{}
	err := s.db.InSnapshot(ctx, func(ctx context.Context) error {
		payers, charges, err := s.dueAfter(ctx, after)
		if err != nil || len(payers) == 0 {
			return err
		}
		if p.docs, p.failed, err = s.buildDocsApart(ctx, charges); err != nil {
			return err
		}
		p.payers, p.charges = payers, without(chargeIDs(charges), p.failed)
		return nil
	})
	if err != nil {
		s.log.WarnContext(ctx, "billing: reading ahead failed; reading in the transaction", "after", after, "err", err)
		return nil
	}
	return p
}

// claim marks the pending charges invoiced by run runID, each with the
// document that bills it (none for a charge that billed nothing, such as
// an unused metric), and returns how many it marked.
func (s *Service) claim(ctx context.Context, runID string, charges []string, docs []built) (int, error) {
	invoiceOf := make(map[string]string, len(charges))
	for _, d := range docs {
		for _, c := range d.charges {
			invoiceOf[c.ID] = d.inv.ID
		}
	}
	claimed := 0
	for chunk := range slices.Chunk(charges, 400) {
		args := make([]any, 1, 1+2*len(chunk))
		args[0] = runID
		values := make([]string, len(chunk))
		for i, id := range chunk {
			var inv any
			if v, ok := invoiceOf[id]; ok {
				inv = v
			}
			args = append(args, id, inv)
			values[i] = fmt.Sprintf("($%d, $%d)", 2*i+2, 2*i+3)
		}
		n, err := s.db.Exec(ctx, `UPDATE charge_states SET status = 'invoiced', run_id = $1, invoice_id = v.column2
			FROM (VALUES `+strings.Join(values, ", ")+`) AS v WHERE charge_states.charge_id = v.column1 AND charge_states.status = 'pending'`, args...)
		if err != nil {
			return claimed, err
		}
		claimed += int(n)
	}
	return claimed, nil
}

// chargeIDs returns the ids of cs, sorted.
func chargeIDs(cs []charge) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	slices.Sort(out)
	return out
}

// nextPayers reads the next payers after `after` with due charges, in
// payer order from the pending-charges index alone (no sort of every due
// charge, no join): at most eight charges a payer, the last payer left for
// the next batch unless the read reached the end. A payer whose pending
// charges are all held back (see notHeld) may be among them: its batch
// finds nothing due for it.
func (s *Service) nextPayers(ctx context.Context, after string) ([]string, error) {
	now := s.db.Now(ctx)
	limit := s.batchRows()
	rows, err := db.Select(ctx, s.db, func(sc db.Scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	}, `SELECT payer_org_id FROM charge_states WHERE status = 'pending' AND bill_at <= $1 AND payer_org_id > $2
		ORDER BY payer_org_id LIMIT $3`, now, after, limit)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return s.batchOf(slices.Compact(rows), len(rows) == limit), nil
}

// batchRows is how many due charges a batch reads to find its payers.
func (s *Service) batchRows() int { return s.cfg.BatchPayers * 8 }

// batchOf is the batch among payers, read in order up to batchRows
// charges (full: the read stopped there): the last payer's charges may go
// on past the read, so it waits for the next batch unless it is the only
// one; at most BatchPayers.
func (s *Service) batchOf(payers []string, full bool) []string {
	if full && len(payers) > 1 {
		payers = payers[:len(payers)-1]
	}
	return payers[:min(len(payers), s.cfg.BatchPayers)]
}

// due is the condition that a charge (alias c, its state cs, as in
// chargeFrom) is due at the time in parameter now, holdSince holding now
// less the arrears hold. The pending index on states drives it.
func due(now, holdSince string) string {
	return `cs.status = 'pending' AND cs.bill_at <= ` + now + ` AND ` + notHeld("c", holdSince)
}

// dueAfter reads the next payers after `after` with due charges, as
// nextPayers does, and their due charges with details, in one pass over
// the pending-charges index.
func (s *Service) dueAfter(ctx context.Context, after string) ([]string, []charge, error) {
	now := s.db.Now(ctx)
	limit := s.batchRows()
	rows, err := s.selectDecoded(ctx, s.chargeSelect()+` WHERE `+due("$1", "$2")+` AND cs.payer_org_id > $3
		ORDER BY cs.payer_org_id LIMIT $4`, now, now.Add(-s.cfg.ArrearsHold), after, limit)
	if err != nil || len(rows) == 0 {
		return nil, nil, err
	}
	var payers []string
	for _, c := range rows {
		if len(payers) == 0 || payers[len(payers)-1] != c.PayerOrgID {
			payers = append(payers, c.PayerOrgID)
		}
	}
	payers = s.batchOf(payers, len(rows) == limit)
	if len(rows) == limit && len(payers) == 1 {
		// One payer with more due charges than the read: all of them.
		rows, err = s.dueOf(ctx, payers, false)
		return payers, rows, err
	}
	last := payers[len(payers)-1]
	end := len(rows)
	for end > 0 && rows[end-1].PayerOrgID > last {
		end--
	}
	return payers, rows[:end], nil
}

// dueOf reads the due charges of payers with their details; lock locks
// the charges (skipping those another run holds).
func (s *Service) dueOf(ctx context.Context, payers []string, lock bool) ([]charge, error) {
	now := s.db.Now(ctx)
	args := []any{now, now.Add(-s.cfg.ArrearsHold)}
	for _, p := range payers {
		args = append(args, p)
	}
	q := s.chargeSelect() + ` WHERE ` + due("$1", "$2") + ` AND cs.payer_org_id IN (` + db.In(3, len(payers)) + `)`
	if lock {
		q += s.db.Dialect().ForUpdateOfSkipLocked("cs")
	}
	return s.selectDecoded(ctx, q, args...)
}

// writeMark is a WriteMark, if the engine has one.
type writeMark struct {
	v  [2]int64
	ok bool
}

// runBatch claims the due charges of payers and invoices them in one
// transaction. It uses pre's documents when they are still exact (see
// runPipelined). onLocked, if set, runs first inside the transaction, once
// it holds the write lock. It returns the writer's mark at the end.
//
// A document that cannot be built fails alone: its charges are marked
// failed (see markFailed) and logged, and the batch goes on with the
// others; it is not the batch's error, so one payer's impossible invoice
// never stops the billing of everyone else.
func (s *Service) runBatch(ctx context.Context, runID string, payers []string, batch int, pre *prefetched, onLocked func()) (n int, mark writeMark, err error) {
	var failed []failedDoc
	defer func() {
		if err != nil {
			return
		}
		for _, f := range failed {
			s.log.ErrorContext(ctx, "billing: a document failed; its charges are marked failed", "run_id", runID,
				"payer_org_id", f.payer, "charge_ids", f.charges, "err", f.err)
		}
	}()
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if onLocked != nil {
			onLocked()
		}
		unchanged := false
		if pre != nil && pre.ok {
			m, ok, err := s.db.WriteMark(ctx)
			if err != nil {
				return err
			}
			unchanged = ok && m == pre.mark
		}
		var charges []string
		var docs []built
		failed = nil
		if unchanged {
			// Nothing was written since the snapshot the documents were
			// built on, so the charges due for these payers are the ones
			// built: claim them by id. (A charge falling due between the
			// snapshot and now waits for the next run, as if this batch
			// had run at the snapshot's time.)
			charges, docs, failed = pre.charges, pre.docs, pre.failed
			s.readAhead.Add(1)
		} else {
			// Locked (skipping those another run holds) until claimed below.
			due, err := s.dueOf(ctx, payers, true)
			if err != nil || len(due) == 0 {
				return err
			}
			if docs, failed, err = s.buildDocsApart(ctx, due); err != nil {
				return err
			}
			charges = without(chargeIDs(due), failed)
		}
		if err := s.markFailed(ctx, runID, failed); err != nil {
			return err
		}
		claimed, err := s.claim(ctx, runID, charges, docs)
		if err != nil {
			return err
		}
		if claimed != len(charges) {
			return fmt.Errorf("billing: claimed %d of %d charges held for the run", claimed, len(charges))
		}
		n = len(docs)
		if err := s.writeDocs(ctx, docs, runID); err != nil {
			return err
		}
		if s.batchHook != nil {
			if err := s.batchHook(batch); err != nil {
				return err
			}
		}
		mark.v, mark.ok, err = s.db.WriteMark(ctx)
		return err
	})
	if err != nil {
		n, mark = 0, writeMark{}
	}
	return n, mark, err
}

// buildDocs makes the documents of charges; any document that cannot be
// built is the error: an amount beyond what an Amount holds is an
// errs.Invalid with code amount_overflow (wrapping money.ErrOverflow), as
// pricing reports it, never an internal error.
func (s *Service) buildDocs(ctx context.Context, charges []charge) ([]built, error) {
	docs, failed, err := s.buildDocsApart(ctx, charges)
	if err == nil && len(failed) > 0 {
		err = failed[0].err
		if _, ok := errs.As(err); !ok && errors.Is(err, money.ErrOverflow) {
			err = errs.Invalid(pricing.CodeAmountOverflow, "the invoice's amounts are too large to compute exactly").WithCause(err)
		}
	}
	return docs, err
}

// failedDoc is a document a run could not build (an amount beyond what
// an Amount holds, a usage the prices cannot rate): its charges, sorted,
// and why.
type failedDoc struct {
	payer   string
	charges []string
	err     error
}

// buildDocsApart makes the documents of charges, each apart: a document
// that cannot be built is returned in failed and does not stop the others
// (building only reads what prepare loaded, so a retry fails the same
// way). err is an error of loading, for every document.
func (s *Service) buildDocsApart(ctx context.Context, charges []charge) (docs []built, failed []failedDoc, err error) {
	b, err := s.prepare(ctx, charges)
	if err != nil {
		return nil, nil, err
	}
	// The builder only reads what prepare loaded: the documents are built
	// on every core, their ids taken in order first (ids sort as the
	// documents are numbered).
	groups := group(charges)
	out := make([]built, len(groups))
	ok := make([]bool, len(groups))
	for i := range out {
		out[i].inv.ID = ids.New(InvoiceKind)
	}
	workers := min(runtime.GOMAXPROCS(0), 1+len(groups)/50)
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(groups); i += workers {
				out[i], ok[i], errs[i] = b.build(out[i].inv.ID, groups[i])
			}
		}()
	}
	wg.Wait()
	docs = out[:0]
	for i, d := range out {
		if errs[i] != nil {
			failed = append(failed, failedDoc{payer: groups[i][0].PayerOrgID, charges: chargeIDs(groups[i]), err: errs[i]})
			continue
		}
		if ok[i] {
			docs = append(docs, d)
		}
	}
	return docs, failed, nil
}

// without returns the ids in sorted ids that no failed document holds.
func without(ids []string, failed []failedDoc) []string {
	if len(failed) == 0 {
		return ids
	}
	drop := map[string]bool{}
	for _, f := range failed {
		for _, id := range f.charges {
			drop[id] = true
		}
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !drop[id] {
			out = append(out, id)
		}
	}
	return out
}

// markFailed marks the charges of failed documents failed by run runID,
// with the reason, so the run after does not try them again and an
// operator finds them (charge_states.status = 'failed', the error in
// charge_states.error, and the run's log). Once the cause is corrected
// (a vendor line removed, a price fixed), setting them back to pending
// bills them in the next run.
func (s *Service) markFailed(ctx context.Context, runID string, failed []failedDoc) error {
	for _, f := range failed {
		reason := validate.Clip(f.err.Error(), 1000)
		for _, id := range f.charges {
			if _, err := s.db.Exec(ctx, `UPDATE charge_states SET status = 'failed', run_id = $2, error = $3
				WHERE charge_id = $1 AND status = 'pending'`, id, runID, reason); err != nil {
				return err
			}
		}
	}
	return nil
}

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
	var paidOrders []string
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
			if inv.Status == StatusPaid {
				paidOrders = append(paidOrders, d.orders...)
			}
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
	for _, o := range paidOrders {
		if err := s.subs.OrderPaid(identity.AsSystem(ctx), o); err != nil {
			return err
		}
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
	_, err = s.db.CopyIn(ctx, "invoices", invoiceInsertColumns, invRows)
	return err
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

// waiting is the condition that a charge (of alias c) is an arrears
// charge still waiting for the advance charge of its subscription's next
// period, so both land on one invoice.
func waiting(c string) string {
	return `(` + c + `.kind = 'arrears' AND NOT EXISTS (SELECT 1 FROM charges n
		WHERE n.subscription_id = ` + c + `.subscription_id AND n.kind = 'advance' AND n.period_start = ` + c + `.period_end))`
}

// notHeld is the condition that a charge is not held back: it is not
// waiting, or it waited the whole hold (a subscription that ended has no
// next period). holdSince is the parameter holding now minus the hold.
func notHeld(c, holdSince string) string {
	return `(NOT ` + waiting(c) + ` OR ` + c + `.bill_at <= ` + holdSince + `)`
}

// NextDue is the earliest time billing work is due: a pending charge (an
// arrears charge still waiting for its next period at the end of its
// hold), or an issued invoice reaching its due date.
func (s *Service) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next time.Time
	found := false
	for i, q := range []string{
		`SELECT cs.bill_at FROM ` + chargeFrom + ` WHERE cs.status = 'pending' AND NOT ` + waiting("c") + ` ORDER BY cs.bill_at LIMIT 1`,
		`SELECT cs.bill_at FROM ` + chargeFrom + ` WHERE cs.status = 'pending' AND ` + waiting("c") + ` ORDER BY cs.bill_at LIMIT 1`,
		`SELECT due_at FROM invoices WHERE status = 'issued' AND overdue_at IS NULL AND due_at IS NOT NULL ORDER BY due_at LIMIT 1`,
	} {
		var t time.Time
		err := s.db.QueryRow(ctx, q).Scan(&t)
		if i == 1 && err == nil {
			t = t.Add(s.cfg.ArrearsHold)
		}
		if errors.Is(err, db.ErrNoRows) {
			continue
		}
		if err != nil {
			return next, false, err
		}
		if !found || t.Before(next) {
			next, found = t, true
		}
	}
	return next, found, nil
}

// markOverdue marks the issued invoices past their due date overdue, once,
// announcing each (dunning acts on it), but for those of run runID.
func (s *Service) markOverdue(ctx context.Context, runID string) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		n, err = s.markOverdueIn(ctx, runID)
		return err
	})
	return n, err
}

// markOverdueIn is markOverdue in the transaction of ctx.
func (s *Service) markOverdueIn(ctx context.Context, runID string) (int, error) {
	n := 0
	err := func() error {
		now := s.db.Now(ctx)
		type row struct{ id, recipient, number string }
		rows, err := db.Select(ctx, s.db, func(sc db.Scanner) (row, error) {
			var r row
			var number *string
			err := sc.Scan(&r.id, &r.recipient, &number)
			if number != nil {
				r.number = *number
			}
			return r, err
		}, `UPDATE invoices SET overdue_at = $1, updated_at = $1 WHERE status = 'issued' AND overdue_at IS NULL AND due_at <= $1
			AND run_id <> $2 RETURNING id, recipient_org_id, number`, now, runID)
		if err != nil {
			return err
		}
		n = len(rows)
		// One event per hundred invoices: dunning fans them out.
		for chunk := range slices.Chunk(rows, 100) {
			var list []map[string]string
			for _, r := range chunk {
				list = append(list, map[string]string{"invoice_id": r.id, "number": r.number, "recipient_org_id": r.recipient})
			}
			if err := s.outbox.PublishData(ctx, "billing.invoices_overdue", "invoice", chunk[0].id, "", map[string]any{"invoices": list}); err != nil {
				return err
			}
		}
		return nil
	}()
	return n, err
}

// FormatNumber is the number of the nth document of a kind in a year.
func FormatNumber(kind string, year int, n int64) string { return formatNumber(kind, year, n) }
