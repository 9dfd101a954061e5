package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Charge kinds.
const (
	// ChargeAdvance is a period's licence, prepaid extras and IaaS costs
	// (and one-off fees in an order's first period), due when it starts.
	ChargeAdvance = "advance"
	// ChargeArrears is a period's usage, due when it ends.
	ChargeArrears = "arrears"
	// ChargeChange is an upgrade charged for the rest of the period.
	ChargeChange = "change"
	// ChargeVendorCost is the infrastructure of a trial or a sandbox,
	// charged to the vendor.
	ChargeVendorCost = "vendor_cost"
	// ChargeVendorLine is a line a vendor added to a subscription.
	ChargeVendorLine = "vendor_line"
)

// Line kinds of invoices besides the pricing engine's.
const (
	LineProrationCharge pricing.LineKind = "proration_charge"
	LineProrationCredit pricing.LineKind = "proration_credit"
	LineVendorCost      pricing.LineKind = "vendor_cost"
	LineVendorLine      pricing.LineKind = "vendor_line"
	// LineUsedExtra is a postpaid extra resource billed in arrears for
	// its use.
	LineUsedExtra pricing.LineKind = "postpaid_extra"
)

// claim is what one party owes another for a charge.
type claim struct {
	Debtor   string `json:"debtor"`
	Creditor string `json:"creditor"`
	// Vendor is set when the creditor is a vendor (it pays a platform fee
	// on its licences and usage).
	Vendor bool   `json:"vendor,omitempty"`
	Kind   string `json:"kind"`
	Amount int64  `json:"amount_minor"`
}

// levelTerms are a party's postpaid prices, to rate usage at each level.
type levelTerms struct {
	Debtor    string                 `json:"debtor"`
	Creditor  string                 `json:"creditor"`
	Vendor    bool                   `json:"vendor,omitempty"`
	Component string                 `json:"component,omitempty"`
	Postpaid  []pricing.PostpaidTerm `json:"postpaid"`
}

// chargeDetail is what a charge keeps to be invoiced. It is stored as
// storedDetail: a billing run reads thousands of charges, and its lines in
// that compact form decode several times faster.
type chargeDetail struct {
	// Label names the product and plan; it prefixes line descriptions.
	Label       string `json:"label"`
	TaxCategory string `json:"tax_category"`
	// IssuerVendor is set when the vendor bills the customer itself.
	IssuerVendor bool `json:"issuer_vendor,omitempty"`
	// Lines are the rated lines (every kind but arrears).
	Lines []pricing.QuoteLine `json:"lines,omitempty"`
	// Postpaid are the customer's usage prices (arrears).
	Postpaid []pricing.PostpaidTerm `json:"postpaid,omitempty"`
	// Claims are what the parties of the channel owe each other for it,
	// besides the payer's debt to the issuer; Levels rate arrears usage
	// into such claims when the usage is known.
	Claims []claim      `json:"claims,omitempty"`
	Levels []levelTerms `json:"levels,omitempty"`
	// Parties is the channel top-down (vendor first, seller last).
	Parties []string `json:"parties,omitempty"`
	// Carried is the previous period's usage an advance charge carries,
	// so both are invoiced together and claimed once.
	Carried *carried `json:"carried,omitempty"`
}

// carried is an arrears charge taken over by the next period's advance
// charge.
type carried struct {
	ChargeID string                 `json:"charge_id"`
	Start    time.Time              `json:"start"`
	End      time.Time              `json:"end"`
	Postpaid []pricing.PostpaidTerm `json:"postpaid"`
	Levels   []levelTerms           `json:"levels,omitempty"`
}

// charge is a row of the charges table.
type charge struct {
	ID             string
	Key            string
	Kind           string
	PayerOrgID     string
	IssuerOrgID    string
	VendorOrgID    string
	SubscriptionID string
	OrderID        string
	ProductID      string
	Currency       money.Currency
	SelfBilled     bool
	PeriodStart    *time.Time
	PeriodEnd      *time.Time
	BillAt         time.Time
	Detail         chargeDetail
	raw            []byte // the detail as read, until decoded
}

// chargeFrom joins charges (alias c) with their states (alias cs).
const chargeFrom = `charges c JOIN charge_states cs ON cs.charge_id = c.id`

// chargeSelect reads charges with their details (alias c, states cs),
// then the columns more (scan them with scanChargeWith). Timestamps go
// through the dialect's TimeText: on SQLite as text, which the driver
// would otherwise parse with a failing layout first.
func (s *Service) chargeSelect(more ...string) string {
	d := s.db.Dialect()
	q := `SELECT c.id, c.key, c.kind, c.payer_org_id, c.issuer_org_id, c.vendor_org_id, c.subscription_id, c.order_id, c.currency,
	c.self_billed, ` + d.TimeText("c.period_start") + `, ` + d.TimeText("c.period_end") + `, ` + d.TimeText("c.bill_at") + `, d.detail`
	for _, m := range more {
		q += ", " + m
	}
	return q + ` FROM ` + chargeFrom + ` JOIN charge_details d ON d.charge_id = c.id`
}

// scanCharge scans a charge read with chargeSelect.
func (s *Service) scanCharge(sc db.Scanner) (charge, error) {
	c, err := s.scanChargeRow(sc)
	if err != nil {
		return c, err
	}
	return c, c.decode()
}

// scanChargeRow scans a charge read with chargeSelect, its detail left to
// decode.
func (s *Service) scanChargeRow(sc db.Scanner) (charge, error) {
	t := s.db.Dialect()
	var c charge
	var sub, order *string
	var cur string
	dest := []any{&c.ID, &c.Key, &c.Kind, &c.PayerOrgID, &c.IssuerOrgID, &c.VendorOrgID, &sub, &order, &cur, &c.SelfBilled,
		t.NullTimeDest(&c.PeriodStart), t.NullTimeDest(&c.PeriodEnd), t.TimeDest(&c.BillAt), &c.raw}
	err := sc.Scan(dest...)
	if err != nil {
		return c, err
	}
	if sub != nil {
		c.SubscriptionID = *sub
	}
	if order != nil {
		c.OrderID = *order
	}
	c.Currency, err = money.ParseCurrency(cur)
	return c, err
}

// decode decodes the detail of a charge scanned raw.
func (c *charge) decode() error { return c.decodeWith(nil) }

// decodeWith decodes the detail of a charge scanned raw, with the terms
// dec already decoded (nil: none).
func (c *charge) decodeWith(dec *termsDecoder) error {
	var err error
	if c.Detail, err = dec.detail(c.raw, c.Currency); err != nil {
		return fmt.Errorf("charge %s: %w", c.ID, err)
	}
	c.raw = nil
	return nil
}

// selectDecoded reads charges with chargeSelect's columns and decodes
// their details while it reads: chunks of rows go to a decoder on every
// core as the query steps through the next.
func (s *Service) selectDecoded(ctx context.Context, query string, args ...any) ([]charge, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	const chunkSize = 128
	workers := runtime.GOMAXPROCS(0)
	todo := make(chan []charge, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dec := &termsDecoder{}
			for chunk := range todo {
				for i := range chunk {
					if err := chunk[i].decodeWith(dec); err != nil && errs[w] == nil {
						errs[w] = err
					}
				}
			}
		}()
	}
	var chunks [][]charge
	chunk := make([]charge, 0, chunkSize)
	var scanErr error
	for rows.Next() {
		c, err := s.scanChargeRow(rows)
		if err != nil {
			scanErr = err
			break
		}
		if chunk = append(chunk, c); len(chunk) == chunkSize {
			chunks = append(chunks, chunk)
			todo <- chunk
			chunk = make([]charge, 0, chunkSize)
		}
	}
	if len(chunk) > 0 {
		chunks = append(chunks, chunk)
		todo <- chunk
	}
	close(todo)
	wg.Wait()
	if err := errors.Join(append(errs, scanErr, rows.Err())...); err != nil {
		return nil, err
	}
	out := make([]charge, 0, len(chunks)*chunkSize)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}

// addCharge records c unless a charge with its key exists; it reports
// whether it did.
func (s *Service) addCharge(ctx context.Context, c charge) (bool, error) {
	if c.ID == "" {
		c.ID = ids.New(ChargeKind)
	}
	detail, err := encodeDetail(c.Detail)
	if err != nil {
		return false, err
	}
	var sub, order any
	if c.SubscriptionID != "" {
		sub = c.SubscriptionID
	}
	if c.OrderID != "" {
		order = c.OrderID
	}
	n, err := s.db.Exec(ctx, `INSERT INTO charges (id, key, kind, payer_org_id, issuer_org_id, vendor_org_id, subscription_id, order_id,
		currency, self_billed, period_start, period_end, bill_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (key) DO NOTHING`,
		c.ID, c.Key, c.Kind, c.PayerOrgID, c.IssuerOrgID, c.VendorOrgID, sub, order, c.Currency.Code(), c.SelfBilled,
		c.PeriodStart, c.PeriodEnd, c.BillAt, s.db.Now(ctx))
	if err != nil || n == 0 {
		return false, err
	}
	if _, err = s.db.Exec(ctx, `INSERT INTO charge_states (charge_id, payer_org_id, bill_at, status) VALUES ($1, $2, $3, 'pending')`,
		c.ID, c.PayerOrgID, c.BillAt); err != nil {
		return false, err
	}
	_, err = s.db.Exec(ctx, `INSERT INTO charge_details (charge_id, detail) VALUES ($1, $2)`, c.ID, detail)
	return err == nil, err
}

func chargeKey(subID string, at time.Time, kind string) string {
	return subID + "/" + at.UTC().Format(time.RFC3339Nano) + "/" + kind
}

// onSubscriptionEvent turns subscription events into charges. It runs in
// the outbox's delivery transaction: the charges commit with the delivery.
func (s *Service) onSubscriptionEvent(ctx context.Context, ev outbox.Event) error {
	switch ev.Type {
	case "subscription.period_started", "subscription.renewal_ordered":
		var p subscription.PeriodEvent
		if err := json.Unmarshal(ev.Data, &p); err != nil {
			return fmt.Errorf("%s: %w", ev.Type, err)
		}
		billAt := p.Start
		if ev.Type == "subscription.renewal_ordered" {
			billAt = ev.OccurredAt // invoiced ahead, to be paid before the expiry
		}
		return s.periodCharges(ctx, p, billAt)
	case "subscription.changed":
		var c subscription.ChangeEvent
		if err := json.Unmarshal(ev.Data, &c); err != nil {
			return fmt.Errorf("%s: %w", ev.Type, err)
		}
		return s.changeCharge(ctx, c)
	}
	return nil
}

// onOrderCancelled drops what an order cancelled before payment still had
// to charge; what was already invoiced is credited.
func (s *Service) onOrderCancelled(ctx context.Context, ev outbox.Event) error {
	var d struct {
		OrderID string `json:"order_id"`
		Reason  string `json:"reason"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return fmt.Errorf("%s: %w", ev.Type, err)
	}
	if _, err := s.db.Exec(ctx, `UPDATE charge_states SET status = 'cancelled'
		WHERE charge_id IN (SELECT id FROM charges WHERE order_id = $1) AND status = 'pending'`, d.OrderID); err != nil {
		return err
	}
	return s.creditOrder(ctx, d.OrderID, "order cancelled: "+d.Reason)
}

// product reads a product for billing (names, tax category, self-billing).
func (s *Service) product(ctx context.Context, id string) (catalog.Product, error) {
	return s.catalog.GetProduct(identity.AsSystem(ctx), id)
}

func (s *Service) label(ctx context.Context, productID, planID string) (string, catalog.Product, error) {
	p, err := s.product(ctx, productID)
	if err != nil {
		return "", p, err
	}
	plan, err := s.catalog.GetPlan(identity.AsSystem(ctx), planID)
	if err != nil {
		return "", p, err
	}
	if p.Kind == catalog.KindBundle || plan.Name == p.Name {
		return p.Name, p, nil
	}
	return p.Name + " " + plan.Name, p, nil
}

// periodCharges records the charges of a period: advance, arrears,
// vendor costs of trials and sandboxes, recurring vendor lines.
func (s *Service) periodCharges(ctx context.Context, ev subscription.PeriodEvent, billAt time.Time) error {
	cs, err := s.chargesOfPeriod(ctx, ev, billAt)
	if err != nil {
		return err
	}
	for _, c := range cs {
		var prev charge
		if c.Kind == ChargeAdvance {
			// The previous period's usage, still pending, rides along.
			if prev, err = s.pendingArrears(ctx, c.SubscriptionID, *c.PeriodStart); err != nil {
				return err
			}
			if prev.ID != "" {
				c.ID = ids.New(ChargeKind)
				c.Detail.Carried = &carried{ChargeID: prev.ID, Start: *prev.PeriodStart, End: *prev.PeriodEnd, Postpaid: prev.Detail.Postpaid,
					Levels: prev.Detail.Levels}
			}
		}
		added, err := s.addCharge(ctx, c)
		if err != nil {
			return err
		}
		if added && prev.ID != "" {
			if _, err := s.db.Exec(ctx, `UPDATE charge_states SET status = 'merged', run_id = $2 WHERE charge_id = $1 AND status = 'pending'`, prev.ID, c.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// pendingArrears is the pending arrears charge of a subscription's period
// ending at end, locked (none: the zero charge).
func (s *Service) pendingArrears(ctx context.Context, subID string, end time.Time) (charge, error) {
	c, err := db.Get(ctx, s.db, s.scanCharge, s.chargeSelect()+` WHERE c.subscription_id = $1 AND c.kind = 'arrears'
		AND cs.status = 'pending' AND c.period_end = $2`+s.db.Dialect().ForUpdateOf("cs"), subID, end)
	if errors.Is(err, db.ErrNoRows) {
		return charge{}, nil
	}
	return c, err
}

// chargesOfPeriod makes the charges of a period (without recording them).
func (s *Service) chargesOfPeriod(ctx context.Context, ev subscription.PeriodEvent, billAt time.Time) ([]charge, error) {
	label, product, err := s.label(ctx, ev.ProductID, ev.PlanID)
	if err != nil {
		return nil, err
	}
	cur, err := money.ParseCurrency(ev.Currency)
	if err != nil {
		return nil, err
	}
	base := charge{SubscriptionID: ev.SubscriptionID, OrderID: ev.OrderID, ProductID: ev.ProductID, VendorOrgID: ev.VendorOrgID,
		Currency: cur, Detail: chargeDetail{Label: label, TaxCategory: product.TaxCategory}}
	if ev.Kind == subscription.KindTrial || ev.Kind == subscription.KindSandbox {
		c, ok, err := s.vendorCostCharge(ctx, ev, base)
		if err != nil || !ok {
			return nil, err
		}
		return []charge{c}, nil
	}
	pq, err := pricing.ComputePeriod(ev.Rating, ev.PeriodIndex)
	if err != nil {
		return nil, fmt.Errorf("rate period %d of %s: %w", ev.PeriodIndex, ev.SubscriptionID, err)
	}
	start, end := pq.Start, pq.End
	base.PayerOrgID, base.IssuerOrgID = ev.CustomerOrgID, ev.SellerOrgID
	base.SelfBilled = ev.SelfBilled
	if product.SelfBilled {
		base.IssuerOrgID, base.Detail.IssuerVendor = ev.VendorOrgID, true
	}
	base.Detail.Parties = parties(ev.Chain)
	if !ev.StartsOrder {
		base.OrderID = "" // a later period of a commitment: nothing to settle on the order
	}
	base.PeriodStart = &start
	if !end.IsZero() {
		base.PeriodEnd = &end
	}
	var out []charge
	if hasAmount(pq.Lines) {
		adv := base
		adv.Kind, adv.Key, adv.BillAt = ChargeAdvance, chargeKey(ev.SubscriptionID, start, ChargeAdvance), billAt
		adv.Detail.Lines = labelled(label, pq.Lines)
		if !adv.Detail.IssuerVendor {
			if adv.Detail.Claims, err = levelClaims(ev.Rating, ev.Chain, ev.PeriodIndex); err != nil {
				return nil, err
			}
		}
		out = append(out, adv)
	}
	if len(pq.Postpaid) > 0 && !end.IsZero() {
		arr := base
		arr.OrderID = ""
		arr.Kind, arr.Key, arr.BillAt = ChargeArrears, chargeKey(ev.SubscriptionID, start, ChargeArrears), end
		arr.Detail.Postpaid = pq.Postpaid
		if !arr.Detail.IssuerVendor {
			if arr.Detail.Levels, err = levelPostpaid(ev.Rating, ev.Chain, ev.PeriodIndex); err != nil {
				return nil, err
			}
		}
		out = append(out, arr)
	}
	lines, err := s.activeVendorLines(ctx, ev.SubscriptionID, true)
	if err != nil {
		return nil, err
	}
	for _, vl := range lines {
		if err := vendorLineBounds(vl); err != nil {
			// Stored before the maxima existed: charging it would fail
			// the whole period (or wrap an invoice). It is left out, loudly.
			s.log.ErrorContext(ctx, "billing: a recurring vendor line beyond the maxima is not charged", "vendor_line_id", vl.ID,
				"subscription_id", vl.SubscriptionID, "err", err)
			continue
		}
		c, err := vendorLineCharge(base, vl, start)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func hasAmount(lines []pricing.QuoteLine) bool {
	for _, l := range lines {
		if !l.Amount.IsZero() {
			return true
		}
	}
	return false
}

func labelled(label string, lines []pricing.QuoteLine) []pricing.QuoteLine {
	out := make([]pricing.QuoteLine, len(lines))
	for i, l := range lines {
		if l.ComponentPlanID == "" {
			l.Description = label + ": " + l.Description
		}
		out[i] = l
	}
	return out
}

// parties is the channel of a chain, top-down.
func parties(chain [][]channel.Level) []string {
	if len(chain) == 0 {
		return nil
	}
	out := make([]string, len(chain[0]))
	for i, l := range chain[0] {
		out[i] = l.OrgID
	}
	return out
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

// levelInput is the customer's rating input priced at level j of each
// chain. A coupon stays when its funder is at level j or above it (its
// discount comes out of the funder's price and everyone's below).
func levelInput(in pricing.QuoteInput, chain [][]channel.Level, j int) pricing.QuoteInput {
	out := in
	if len(in.Bundle) > 0 {
		out.Bundle = make([]pricing.BundleComponent, len(in.Bundle))
		for c, comp := range in.Bundle {
			if c < len(chain) && j < len(chain[c]) {
				comp.Prices = chain[c][j].Sells
			}
			out.Bundle[c] = comp
		}
	} else if len(chain) > 0 && j < len(chain[0]) {
		out.Prices = chain[0][j].Sells
	}
	if in.Coupon != nil && len(chain) > 0 {
		funder := len(chain[0]) - 1
		for i, l := range chain[0] {
			if l.OrgID == in.Coupon.FunderOrgID {
				funder = i
			}
		}
		if j < funder {
			out.Coupon = nil
		}
	}
	return out
}

// componentOf maps a line to the chain of its bundle component.
func componentOf(in pricing.QuoteInput, l pricing.QuoteLine) int {
	for c, comp := range in.Bundle {
		if comp.PlanID == l.ComponentPlanID {
			return c
		}
	}
	return 0
}

// levelClaims rates period k at every level of the chain: the party at
// level j+1 owes the party at level j the period at j's prices (a vendor
// is owed licences and extras, never infrastructure).
func levelClaims(in pricing.QuoteInput, chain [][]channel.Level, k int) ([]claim, error) {
	depth := 0
	for _, c := range chain {
		depth = max(depth, len(c))
	}
	var out []claim
	for j := 0; j+1 < depth; j++ {
		lin := levelInput(in, chain, j)
		pq, err := pricing.ComputePeriod(lin, k)
		if err != nil {
			return nil, fmt.Errorf("rate level %d: %w", j, err)
		}
		sums := map[[2]int]map[string]int64{} // (component, ) → kind → amount
		for _, l := range pq.Lines {
			c := componentOf(lin, l)
			if c >= len(chain) || j+1 >= len(chain[c]) {
				continue
			}
			kind := ledgerKind(l.Kind, ChargeAdvance)
			if j == 0 && kind == ledger.KindIaaS {
				continue // the marketplace owner keeps infrastructure
			}
			key := [2]int{c, 0}
			if sums[key] == nil {
				sums[key] = map[string]int64{}
			}
			if sums[key][kind], err = money.AddMinor(sums[key][kind], l.Amount.Minor()); err != nil {
				return nil, fmt.Errorf("rate level %d: %w", j, err)
			}
		}
		for c := range chain {
			for _, kind := range []string{ledger.KindLicence, ledger.KindIaaS} {
				amt := sums[[2]int{c, 0}][kind]
				if amt == 0 {
					continue
				}
				out = append(out, claim{Debtor: chain[c][j+1].OrgID, Creditor: chain[c][j].OrgID,
					Vendor: chain[c][j].OrgKind == string(identity.VendorOrg), Kind: kind, Amount: amt})
			}
		}
	}
	return out, nil
}

// levelPostpaid is every level's usage prices for period k.
func levelPostpaid(in pricing.QuoteInput, chain [][]channel.Level, k int) ([]levelTerms, error) {
	depth := 0
	for _, c := range chain {
		depth = max(depth, len(c))
	}
	var out []levelTerms
	for j := 0; j+1 < depth; j++ {
		lin := levelInput(in, chain, j)
		pq, err := pricing.ComputePeriod(lin, k)
		if err != nil {
			return nil, fmt.Errorf("rate level %d: %w", j, err)
		}
		for c := range chain {
			if j+1 >= len(chain[c]) {
				continue
			}
			lt := levelTerms{Debtor: chain[c][j+1].OrgID, Creditor: chain[c][j].OrgID, Vendor: chain[c][j].OrgKind == string(identity.VendorOrg)}
			if len(in.Bundle) > 0 {
				lt.Component = in.Bundle[c].PlanID
			}
			for _, t := range pq.Postpaid {
				if len(in.Bundle) == 0 || t.ComponentPlanID == lt.Component {
					lt.Postpaid = append(lt.Postpaid, t)
				}
			}
			if len(lt.Postpaid) > 0 {
				out = append(out, lt)
			}
		}
	}
	return out, nil
}

// vendorCostCharge charges a vendor the infrastructure of a trial (for
// its length, prorated by the hour against the plan's period) or of a
// sandbox period.
func (s *Service) vendorCostCharge(ctx context.Context, ev subscription.PeriodEvent, base charge) (charge, bool, error) {
	iaas := ev.Rating.Prices.IaaS
	if len(ev.Chain) > 0 {
		iaas = money.Decimal{}
		for _, c := range ev.Chain {
			if len(c) > 0 {
				iaas = iaas.Add(c[0].Sells.IaaS)
			}
		}
	}
	if !iaas.IsPositive() || ev.End.IsZero() {
		return charge{}, false, nil
	}
	operator, err := s.identity.Operator(identity.AsSystem(ctx))
	if err != nil {
		return charge{}, false, err
	}
	terms := ev.Rating.Terms
	periodEnd := terms.PeriodStart(ev.Start, 1)
	amount := iaas
	what := "sandbox"
	if ev.Kind == subscription.KindTrial {
		what = "trial"
		// The trial's share of a period's cost, by the hour (rounded up).
		hours := int64((ev.End.Sub(ev.Start) + time.Hour - 1) / time.Hour)
		periodHours := int64(periodEnd.Sub(ev.Start) / time.Hour)
		if periodHours > 0 {
			var err error
			if amount, err = iaas.Mul(money.DecimalFromInt(hours)).Div(money.DecimalFromInt(periodHours), 12); err != nil {
				return charge{}, false, err
			}
		}
	}
	a, err := money.Round(amount, base.Currency)
	if err != nil || a.IsZero() {
		return charge{}, false, err
	}
	start, end := ev.Start, ev.End
	c := base
	c.Kind, c.Key, c.BillAt = ChargeVendorCost, chargeKey(ev.SubscriptionID, start, ChargeVendorCost), start
	c.PayerOrgID, c.IssuerOrgID, c.OrderID = ev.VendorOrgID, operator.ID, ""
	c.PeriodStart, c.PeriodEnd = &start, &end
	c.Detail.Lines = []pricing.QuoteLine{{Kind: LineVendorCost, Description: base.Detail.Label + ": infrastructure of a " + what,
		Quantity: money.DecimalFromInt(1), UnitPrice: a.Decimal(), Amount: a, Period: &pricing.Period{Start: start, End: end}}}
	return c, true, nil
}

// changeCharge charges an upgrade for the rest of its period, crediting
// the unused part of the old configuration on the same invoice.
func (s *Service) changeCharge(ctx context.Context, ev subscription.ChangeEvent) error {
	p := ev.Proration
	if p == nil || !p.Due.IsPositive() || ev.Old == nil || ev.New == nil {
		return nil
	}
	start, err := time.Parse(time.RFC3339, p.PeriodStart)
	if err != nil {
		return err
	}
	end, err := time.Parse(time.RFC3339, p.PeriodEnd)
	if err != nil {
		return err
	}
	product, err := s.product(ctx, ev.ProductID)
	if err != nil {
		return err
	}
	fromLabel, _, err := s.label(ctx, ev.ProductID, ev.FromPlanID)
	if err != nil {
		return err
	}
	toLabel, _, err := s.label(ctx, ev.ProductID, ev.ToPlanID)
	if err != nil {
		return err
	}
	cur, err := money.ParseCurrency(ev.Currency)
	if err != nil {
		return err
	}
	period := &pricing.Period{Start: ev.At, End: end}
	hours := fmt.Sprintf(" for the remaining %d of %d hours", p.RemainingHours, p.PeriodHours)
	c := charge{Kind: ChargeChange, Key: ev.SubscriptionID + "/" + ev.OrderID + "/" + ChargeChange, PayerOrgID: ev.CustomerOrgID,
		IssuerOrgID: ev.SellerOrgID, VendorOrgID: ev.VendorOrgID, SubscriptionID: ev.SubscriptionID, OrderID: ev.OrderID,
		ProductID: ev.ProductID, Currency: cur, SelfBilled: ev.SelfBilled, PeriodStart: &ev.At, PeriodEnd: &end, BillAt: ev.At,
		Detail: chargeDetail{Label: toLabel, TaxCategory: product.TaxCategory, Parties: parties(ev.New.Chain), Lines: []pricing.QuoteLine{
			{Kind: LineProrationCharge, Description: toLabel + hours, Quantity: money.DecimalFromInt(1), UnitPrice: p.Charge.Decimal(),
				Amount: p.Charge, Period: period},
			{Kind: LineProrationCredit, Description: "Unused part of " + fromLabel, Quantity: money.DecimalFromInt(1),
				UnitPrice: p.Credit.Decimal(), Amount: p.Credit, Period: period},
		}}}
	if product.SelfBilled {
		c.IssuerOrgID, c.Detail.IssuerVendor = ev.VendorOrgID, true
	} else if c.Detail.Claims, err = prorationClaims(*ev.Old, *ev.New, start, end, ev.At, cur); err != nil {
		return err
	}
	_, err = s.addCharge(ctx, c)
	return err
}

// prorationClaims prorates every level's period charge, old and new, the
// way the customer's was.
func prorationClaims(old, nw subscription.Rated, start, end, at time.Time, cur money.Currency) ([]claim, error) {
	rate := func(r subscription.Rated) (map[[2]string]claim, error) {
		out := map[[2]string]claim{}
		if len(r.Chain) == 0 {
			return out, nil
		}
		for j := 0; j+1 < len(r.Chain[0]); j++ {
			q, err := pricing.Compute(levelInput(r.Rating, r.Chain, j))
			if err != nil {
				return nil, err
			}
			var licence, iaas int64
			var sumErr error
			for _, l := range q.Lines {
				if !l.Recurring {
					continue
				}
				if l.Kind == pricing.LineIaaS {
					iaas = addMinor(iaas, l.Amount.Minor(), &sumErr)
				} else {
					licence = addMinor(licence, l.Amount.Minor(), &sumErr)
				}
			}
			if sumErr != nil {
				return nil, sumErr
			}
			debtor, creditor := r.Chain[0][j+1], r.Chain[0][j]
			for kind, amt := range map[string]int64{ledger.KindLicence: licence, ledger.KindIaaS: iaas} {
				if j == 0 && kind == ledger.KindIaaS {
					continue
				}
				pr, _, _, err := pricing.Prorate(money.NewAmount(amt, cur).Decimal(), start, end, at, cur)
				if err != nil {
					return nil, err
				}
				out[[2]string{debtor.OrgID + "/" + creditor.OrgID, kind}] = claim{Debtor: debtor.OrgID, Creditor: creditor.OrgID,
					Vendor: creditor.OrgKind == string(identity.VendorOrg), Kind: kind, Amount: pr.Minor()}
			}
		}
		return out, nil
	}
	o, err := rate(old)
	if err != nil {
		return nil, err
	}
	n, err := rate(nw)
	if err != nil {
		return nil, err
	}
	for k, c := range o {
		x := n[k]
		if x.Debtor == "" {
			x = c
			x.Amount = 0
		}
		x.Amount -= c.Amount
		n[k] = x
	}
	var out []claim
	for _, c := range n {
		if c.Amount != 0 {
			out = append(out, c)
		}
	}
	sortClaims(out)
	return out, nil
}

// errNoCharge reports a subscription billing has never charged.
var errNoCharge = errors.New("billing: the subscription has no charge yet")

// lastCharge is the latest advance charge of a subscription: the base of
// its vendor lines (payer, issuer, channel, tax category).
func (s *Service) lastCharge(ctx context.Context, subID string) (charge, error) {
	c, err := db.Get(ctx, s.db, s.scanCharge, s.chargeSelect()+` WHERE c.subscription_id = $1 AND c.kind = $2
		ORDER BY c.period_start DESC LIMIT 1`, subID, ChargeAdvance)
	if errors.Is(err, db.ErrNoRows) {
		return c, errNoCharge
	}
	return c, err
}

// storedDetail is chargeDetail as stored: lines compacted.
type storedDetail struct {
	Label        string                 `json:"label"`
	TaxCategory  string                 `json:"tax_category"`
	IssuerVendor bool                   `json:"issuer_vendor,omitempty"`
	Lines        []compactLine          `json:"lines,omitempty"`
	Postpaid     []pricing.PostpaidTerm `json:"postpaid,omitempty"`
	Claims       []claim                `json:"claims,omitempty"`
	Levels       []levelTerms           `json:"levels,omitempty"`
	Parties      []string               `json:"parties,omitempty"`
	Carried      *carried               `json:"carried,omitempty"`
}

// compactLine is a quote line as a charge stores it: amounts in minor
// units of the charge's currency, decimals as strings, the period in
// microseconds since the epoch. The rating breakdown is kept (as Ranges)
// only when the unit price does not explain the amount (see ranged).
type compactLine struct {
	Kind        string         `json:"k"`
	Description string         `json:"d"`
	Quantity    string         `json:"q"`
	UnitPrice   string         `json:"u,omitempty"`
	Amount      int64          `json:"a"`
	Component   string         `json:"c,omitempty"`
	Extra       string         `json:"x,omitempty"`
	Start       int64          `json:"s,omitempty"`
	End         int64          `json:"e,omitempty"`
	Ranges      []compactRange `json:"r,omitempty"`
}

// compactRange is a breakdown line as a charge stores it: what a document
// shows of it (pricing.RatingLine's From, To, Quantity, UnitPrice,
// FlatPrice, PackageSize), decimals as strings, zeros left out.
type compactRange struct {
	From        string `json:"f,omitempty"`
	To          string `json:"t,omitempty"`
	Quantity    string `json:"q"`
	UnitPrice   string `json:"u,omitempty"`
	FlatPrice   string `json:"p,omitempty"`
	PackageSize int64  `json:"n,omitempty"`
}

// compactRanges is the stored form of a ranged line's breakdown.
func compactRanges(bd []pricing.RatingLine) []compactRange {
	out := make([]compactRange, len(bd))
	str := func(d money.Decimal) string {
		if d.IsZero() {
			return ""
		}
		return d.String()
	}
	for i, r := range bd {
		out[i] = compactRange{From: str(r.From), Quantity: r.Quantity.String(), UnitPrice: str(r.UnitPrice), FlatPrice: str(r.FlatPrice),
			PackageSize: r.PackageSize}
		if r.To != nil {
			out[i].To = r.To.String()
		}
	}
	return out
}

// breakdownOf reads the stored ranges back.
func breakdownOf(rs []compactRange) ([]pricing.RatingLine, error) {
	out := make([]pricing.RatingLine, len(rs))
	parse := func(s string, d *money.Decimal) error {
		if s == "" {
			return nil
		}
		v, err := money.ParseDecimal(s)
		*d = v
		return err
	}
	for i, r := range rs {
		l := &out[i]
		l.PackageSize = r.PackageSize
		if r.To != "" {
			l.To = new(money.Decimal)
		}
		for _, f := range []struct {
			s string
			d *money.Decimal
		}{{r.From, &l.From}, {r.To, l.To}, {r.Quantity, &l.Quantity}, {r.UnitPrice, &l.UnitPrice}, {r.FlatPrice, &l.FlatPrice}} {
			if err := parse(f.s, f.d); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func encodeDetail(d chargeDetail) (string, error) {
	sd := storedDetail{Label: d.Label, TaxCategory: d.TaxCategory, IssuerVendor: d.IssuerVendor, Postpaid: d.Postpaid, Claims: d.Claims,
		Levels: d.Levels, Parties: d.Parties, Carried: d.Carried}
	for _, l := range d.Lines {
		cl := compactLine{Kind: string(l.Kind), Description: l.Description, Quantity: l.Quantity.String(), Amount: l.Amount.Minor(),
			Component: l.ComponentPlanID, Extra: l.ExtraID}
		if !l.UnitPrice.IsZero() {
			cl.UnitPrice = l.UnitPrice.String()
		}
		if l.Period != nil {
			cl.Start, cl.End = l.Period.Start.UnixMicro(), l.Period.End.UnixMicro()
		}
		if ranged(l) {
			cl.Ranges = compactRanges(l.Breakdown)
		}
		sd.Lines = append(sd.Lines, cl)
	}
	b, err := json.Marshal(sd)
	return string(b), err
}

// readDetail is storedDetail as read: the usage terms left as JSON, so
// that terms many charges share (those of a plan sold through one channel)
// are decoded once.
type readDetail struct {
	Label        string         `json:"label"`
	TaxCategory  string         `json:"tax_category"`
	IssuerVendor bool           `json:"issuer_vendor,omitempty"`
	Lines        []compactLine  `json:"lines,omitempty"`
	Postpaid     jsontext.Value `json:"postpaid,omitempty"`
	Claims       []claim        `json:"claims,omitempty"`
	Levels       jsontext.Value `json:"levels,omitempty"`
	Parties      []string       `json:"parties,omitempty"`
	Carried      *readCarried   `json:"carried,omitempty"`
}

// readCarried is carried as read, its terms left as JSON.
type readCarried struct {
	ChargeID string         `json:"charge_id"`
	Start    time.Time      `json:"start"`
	End      time.Time      `json:"end"`
	Postpaid jsontext.Value `json:"postpaid"`
	Levels   jsontext.Value `json:"levels,omitempty"`
}

// termsDecoder decodes usage terms, each distinct one once. The terms it
// returns are shared by the charges decoded with it and never changed
// (clipped: appending to them copies). One goroutine uses it.
type termsDecoder struct {
	postpaid map[string][]pricing.PostpaidTerm
	levels   map[string][]levelTerms
}

func decodeTerms[T any](cache *map[string][]T, raw jsontext.Value) ([]T, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if v, ok := (*cache)[string(raw)]; ok {
		return v, nil
	}
	var v []T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	v = slices.Clip(v)
	if *cache == nil {
		*cache = map[string][]T{}
	}
	(*cache)[string(raw)] = v
	return v, nil
}

func (dec *termsDecoder) terms(postpaid, levels jsontext.Value) ([]pricing.PostpaidTerm, []levelTerms, error) {
	p, err := decodeTerms(&dec.postpaid, postpaid)
	if err != nil {
		return nil, nil, err
	}
	l, err := decodeTerms(&dec.levels, levels)
	return p, l, err
}

// detail decodes a stored detail; a nil dec shares nothing.
func (dec *termsDecoder) detail(raw []byte, cur money.Currency) (chargeDetail, error) {
	if dec == nil {
		dec = &termsDecoder{}
	}
	// Details as this package writes them decode by hand (readDetailFast);
	// anything else through encoding/json/v2, a third of the time of
	// encoding/json, which validates the whole input before decoding it.
	var sd readDetail
	if !readDetailFast(raw, &sd) {
		sd = readDetail{}
		if err := jsonv2.Unmarshal(raw, &sd); err != nil {
			return chargeDetail{}, err
		}
	}
	return dec.fromRead(sd, cur)
}

// fromRead is the detail read as sd.
func (dec *termsDecoder) fromRead(sd readDetail, cur money.Currency) (chargeDetail, error) {
	d := chargeDetail{Label: sd.Label, TaxCategory: sd.TaxCategory, IssuerVendor: sd.IssuerVendor, Claims: sd.Claims, Parties: sd.Parties}
	var err error
	if d.Postpaid, d.Levels, err = dec.terms(sd.Postpaid, sd.Levels); err != nil {
		return d, err
	}
	if c := sd.Carried; c != nil {
		d.Carried = &carried{ChargeID: c.ChargeID, Start: c.Start, End: c.End}
		if d.Carried.Postpaid, d.Carried.Levels, err = dec.terms(c.Postpaid, c.Levels); err != nil {
			return d, err
		}
	}
	if len(sd.Lines) > 0 {
		d.Lines = make([]pricing.QuoteLine, len(sd.Lines))
	}
	for i, cl := range sd.Lines {
		q, err := money.ParseDecimal(cl.Quantity)
		if err != nil {
			return d, err
		}
		l := pricing.QuoteLine{Kind: pricing.LineKind(cl.Kind), Description: cl.Description, Quantity: q, Amount: money.NewAmount(cl.Amount, cur),
			ComponentPlanID: cl.Component, ExtraID: cl.Extra}
		if cl.UnitPrice != "" {
			if l.UnitPrice, err = money.ParseDecimal(cl.UnitPrice); err != nil {
				return d, err
			}
		}
		if cl.Start != 0 || cl.End != 0 {
			l.Period = &pricing.Period{Start: time.UnixMicro(cl.Start).UTC(), End: time.UnixMicro(cl.End).UTC()}
		}
		if len(cl.Ranges) > 0 {
			if l.Breakdown, err = breakdownOf(cl.Ranges); err != nil {
				return d, err
			}
		}
		d.Lines[i] = l
	}
	return d, nil
}
