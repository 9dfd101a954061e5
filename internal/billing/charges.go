package billing

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
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
