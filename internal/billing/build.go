package billing

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/money"
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

// builder makes documents from charges. It holds everything building
// reads besides the charges (Service.prepare loads it): building reads no
// database and no clock, so the same inputs build the same documents.
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

// buildAll makes the document of each group of charges (see group), the
// ith with id ids[i], on every core. A document that cannot be built is
// returned in failed and does not stop the others; docs keep the order
// of the groups, less those that bill nothing.
func (b *builder) buildAll(groups [][]charge, ids []string) (docs []built, failed []failedDoc) {
	out := make([]built, len(groups))
	ok := make([]bool, len(groups))
	errs := make([]error, len(groups))
	workers := min(runtime.GOMAXPROCS(0), 1+len(groups)/50)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(groups); i += workers {
				out[i], ok[i], errs[i] = b.build(ids[i], groups[i])
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
	return docs, failed
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
	t, err := b.addLines(&out, cs)
	if err != nil {
		return out, false, err
	}
	if len(out.inv.Lines) == 0 {
		return out, false, nil
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
	zero := money.NewAmount(0, cur)
	out.inv.Paid, out.inv.Credited, out.inv.AmountDue = zero, zero, out.inv.Total
	j, err := b.journal(&out.inv, first.Detail.IssuerVendor, t, cur)
	if err != nil {
		return out, false, err
	}
	out.journal = j
	out.lines, err = encodeLines(out.inv.Lines)
	return out, err == nil, err
}

// tally is what the lines of a document add up to for its journal.
type tally struct {
	claims     []claim          // what the channel's parties owe each other
	owed       map[string]int64 // payer → issuer, by ledger kind
	vendorOwed map[string]int64 // what a vendor issuer is owed, by kind
}

// addLines adds the lines of charges cs to out's invoice, in their order
// (a charge's carried usage first), taxed at the rate of each charge's
// category between the document's parties, and tallies them. An error is
// a usage its prices cannot rate, or a sum beyond the range of an Amount
// (wrapping money.ErrOverflow).
func (b *builder) addLines(out *built, cs []charge) (tally, error) {
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
	t := tally{owed: map[string]int64{}, vendorOwed: map[string]int64{}}
	var sumErr error // the first overflow of a sum below
	for _, c := range cs {
		lines, claims, err := b.chargeLines(c, t.claims)
		if err != nil {
			return t, err
		}
		t.claims = claims
		rate, reverse := b.taxes.rate(c.Detail.TaxCategory, out.inv.Issuer, out.inv.Recipient)
		out.inv.ReverseCharge = out.inv.ReverseCharge || reverse
		for _, ql := range lines {
			l := newLine(len(out.inv.Lines)+1, c, ql, rate, &prices)
			k := ledgerKind(ql.Kind, c.Kind)
			t.owed[k] = addMinor(t.owed[k], l.Amount.Minor(), &sumErr)
			if c.Detail.IssuerVendor {
				t.vendorOwed[k] = addMinor(t.vendorOwed[k], l.Amount.Minor(), &sumErr)
			}
			out.inv.Lines = append(out.inv.Lines, l)
		}
		t.claims = append(t.claims, c.Detail.Claims...)
		if c.OrderID != "" && !slices.Contains(out.orders, c.OrderID) {
			out.orders = append(out.orders, c.OrderID)
		}
	}
	return t, sumErr
}

// chargeLines are the quote lines charge c bills: its own, or the usage
// of its period rated (an arrears charge), after the usage it carries
// rated. Rating usage adds each level's claims for it to claims.
func (b *builder) chargeLines(c charge, claims []claim) ([]pricing.QuoteLine, []claim, error) {
	lines := c.Detail.Lines
	if c.Kind == ChargeArrears {
		var err error
		if lines, claims, err = b.rateArrears(c, carried{ChargeID: c.ID, Start: *c.PeriodStart, End: *c.PeriodEnd,
			Postpaid: c.Detail.Postpaid, Levels: c.Detail.Levels}, claims); err != nil {
			return nil, claims, err
		}
	}
	if cr := c.Detail.Carried; cr != nil {
		used, cl, err := b.rateArrears(c, *cr, claims)
		if err != nil {
			return nil, claims, err
		}
		lines, claims = append(used, lines...), cl
	}
	return lines, claims, nil
}

// newLine is line no of a document, billing quote line ql of charge c at
// tax rate; prices backs its unit price (see Line.price). An advance
// charge's licence (or bundle component) line carries the key that keeps
// its subscription period from being invoiced twice.
func newLine(no int, c charge, ql pricing.QuoteLine, rate TaxRate, prices *[]money.Decimal) Line {
	l := Line{LineNo: no, ChargeID: c.ID, SubscriptionID: c.SubscriptionID, Kind: string(ql.Kind),
		Description: ql.Description, Quantity: ql.Quantity, Amount: ql.Amount, TaxRate: rate.Rate,
		TaxName: rate.Name, exact: exact(ql), chargeKind: c.Kind}
	l.price(ql, prices)
	if ql.Period != nil {
		ps, pe := ql.Period.Start, ql.Period.End
		l.PeriodStart, l.PeriodEnd = &ps, &pe
	}
	if c.Kind == ChargeAdvance && c.SubscriptionID != "" && l.PeriodStart != nil &&
		(ql.Kind == pricing.LineLicence || ql.Kind == pricing.LineBundleComponent) {
		l.recurringKey = c.SubscriptionID + "/" + l.PeriodStart.UTC().Format(time.RFC3339Nano) + "/" + string(ql.Kind) + "/" + ql.ComponentPlanID
	}
	return l
}

// journal is the ledger journal of invoice inv (totalled), whose lines
// tallied t: the payer owes the issuer each kind of line and the tax;
// each party of the channel owes the one above its claims; each vendor
// owes the operator its platform fee on the licences and usage it is owed
// (issuerVendor: the vendor issues inv, and is owed its lines).
func (b *builder) journal(inv *Invoice, issuerVendor bool, t tally, cur money.Currency) (ledger.Journal, error) {
	recipient, issuer := inv.RecipientOrgID, inv.IssuerOrgID
	j := ledger.Journal{Kind: inv.Kind, RefType: "invoice", RefID: inv.ID, Currency: cur}
	for _, k := range []string{ledger.KindLicence, ledger.KindUsage, ledger.KindIaaS, ledger.KindVendorCost} {
		j.Owes(recipient, issuer, k, t.owed[k])
	}
	j.Owes(recipient, issuer, ledger.KindTax, inv.Tax.Minor())
	feeBase := map[string]int64{}
	summed, err := sumClaims(t.claims)
	if err != nil {
		return j, err
	}
	var sumErr error // the first overflow of a sum below
	for _, cl := range summed {
		j.Owes(cl.Debtor, cl.Creditor, cl.Kind, cl.Amount)
		if cl.Vendor && (cl.Kind == ledger.KindLicence || cl.Kind == ledger.KindUsage) {
			feeBase[cl.Creditor] = addMinor(feeBase[cl.Creditor], cl.Amount, &sumErr)
		}
	}
	if issuerVendor {
		vendorBase := addMinor(t.vendorOwed[ledger.KindLicence], t.vendorOwed[ledger.KindUsage], &sumErr)
		feeBase[issuer] = addMinor(feeBase[issuer], vendorBase, &sumErr)
	}
	if sumErr != nil {
		return j, sumErr
	}
	for _, v := range sortedKeys(keysOf(feeBase)) {
		fee, err := money.Round(money.NewAmount(feeBase[v], cur).Decimal().Mul(b.fees[v]).Mul(hundredth), cur)
		if err != nil {
			return j, err
		}
		j.Owes(v, b.operator, ledger.KindPlatformFee, fee.Minor())
	}
	return j, nil
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

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
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

// ledgerKind is the ledger kind of an invoice line.
func ledgerKind(k pricing.LineKind, chargeKind string) string {
	switch {
	case chargeKind == ChargeArrears || k == pricing.LineMetric || k == LineUsedExtra:
		return ledger.KindUsage
	case k == pricing.LineIaaS:
		return ledger.KindIaaS
	case k == LineVendorCost:
		return ledger.KindVendorCost
	}
	return ledger.KindLicence
}
