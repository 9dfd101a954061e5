package subscription

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Subscription kinds.
const (
	KindNormal  = "normal"
	KindTrial   = "trial"
	KindSandbox = "sandbox"
)

// Subscription statuses: where it stands commercially. Provisioning tells
// where its service stands (see machine.go).
const (
	StatusRequiresApproval = "requires_approval"
	StatusWaitingPayment   = "waiting_payment"
	StatusTrialing         = "trialing"
	StatusActive           = "active"
	StatusSuspended        = "suspended"
	StatusExpired          = "expired"
	StatusTerminated       = "terminated"
	StatusRejected         = "rejected"
)

// ended reports whether a status is final.
func ended(status string) bool {
	return status == StatusExpired || status == StatusTerminated || status == StatusRejected
}

// Endpoint is an access point of a provisioned service, shown to its
// customer.
type Endpoint struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// PendingChange is a downgrade or decrease waiting for the next period.
type PendingChange struct {
	PlanID     string                   `json:"plan_id"`
	Quantities map[string]money.Decimal `json:"quantities"`
	OrderID    string                   `json:"order_id"`
}

// Subscription is a customer's use of a plan over time.
type Subscription struct {
	ID            string                   `json:"id"`
	Kind          string                   `json:"kind"`
	CustomerOrgID string                   `json:"customer_org_id"`
	SellerOrgID   string                   `json:"seller_org_id"`
	VendorOrgID   string                   `json:"vendor_org_id"`
	ProductID     string                   `json:"product_id"`
	PlanID        string                   `json:"plan_id"`
	OrderID       string                   `json:"order_id"`
	Quantities    map[string]money.Decimal `json:"quantities"`
	Terms         pricing.Terms            `json:"terms"`
	// Prices are the unit prices the customer pays, frozen when sold and
	// renewed at renewal; shown to the customer, its seller and staff only
	// (the vendor sees VendorPrices, a party above the seller OwnPrices).
	Prices       *pricing.PlanPrices `json:"prices,omitempty" doc:"What the customer pays (unit prices); shown to the customer, the seller whose price list sold it, and staff only."`
	VendorPrices *pricing.PlanPrices `json:"vendor_prices,omitempty"`
	// OwnPrices are the caller's own buy and sell prices of the plan when
	// it is a party of the channel that sold it (see views.go).
	OwnPrices *channel.OwnPrices `json:"own_prices,omitempty" doc:"The caller's own prices of the plan when it is a party of the channel that sold it: what it buys at (absent for the vendor) and what it sells at to the party below. A distributor above the customer's reseller sees these, not the customer's prices. Absent on a bundle: read component_own_prices."`
	// ComponentOwnPrices are, on a bundle, the caller's own prices of each
	// component (each has its own price chain; OwnPrices is absent).
	ComponentOwnPrices []ComponentOwnPrices `json:"component_own_prices,omitempty" doc:"On a bundle subscription, in place of own_prices (each component of a bundle has its own price chain): the caller's own prices of each component whose channel it is a party of, when it is one. component is the component's index in the bundle plan's components."`
	Coupon             *pricing.Coupon      `json:"coupon,omitempty"`
	Currency           string               `json:"currency"`
	// SelfBilled subscriptions are billed by their seller (or vendor)
	// outside the platform: the customer gets a pro-forma and the seller
	// declares it paid.
	SelfBilled   bool   `json:"self_billed"`
	Status       string `json:"status"`
	Provisioning string `json:"provisioning_status"`
	AutoRenew    bool   `json:"auto_renew"`
	// ConvertAfterTrial makes a trial a paid subscription when it ends.
	ConvertAfterTrial  bool           `json:"convert_after_trial"`
	PaymentDue         bool           `json:"payment_due"`
	PaymentDueSince    *time.Time     `json:"payment_due_since,omitempty"`
	CommitmentPeriods  int            `json:"commitment_periods"`
	CommitmentStart    *time.Time     `json:"commitment_start,omitempty"`
	CommitmentEnd      *time.Time     `json:"commitment_end,omitempty"`
	PeriodIndex        int            `json:"period_index"`
	CurrentPeriodStart *time.Time     `json:"current_period_start,omitempty"`
	CurrentPeriodEnd   *time.Time     `json:"current_period_end,omitempty"`
	TrialEnd           *time.Time     `json:"trial_end,omitempty"`
	GraceEnd           *time.Time     `json:"grace_end,omitempty"`
	RenewalOrderID     string         `json:"renewal_order_id,omitempty"`
	PendingChange      *PendingChange `json:"pending_change,omitempty"`
	Endpoints          []Endpoint     `json:"endpoints"`
	Instructions       string         `json:"instructions"`
	// Credentials are shown to the customer, the vendor and staff only.
	Credentials  map[string]string `json:"credentials,omitempty"`
	NextActionAt *time.Time        `json:"next_action_at,omitempty"`
	StartedAt    time.Time         `json:"started_at"`
	EndedAt      *time.Time        `json:"ended_at,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`

	// chain is what each party pays for the plan (one chain per bundle
	// component), frozen with Prices.
	chain [][]channel.Level
	// rating is the pricing engine's input for the current commitment
	// (without its start and duration), to rate any of its periods.
	rating pricing.QuoteInput
	// sealedCredentials is the credentials column as stored, sealed (see
	// credentials.go): kept as is when Credentials was not opened.
	sealedCredentials string
}

// ComponentOwnPrices is a channel party's own prices of one component of
// a bundle subscription.
type ComponentOwnPrices struct {
	Component int `json:"component" doc:"The component's index in the bundle plan's components."`
	channel.OwnPrices
}

const subColumns = `id, kind, customer_org_id, seller_org_id, vendor_org_id, product_id, plan_id, order_id, quantities, terms, prices, chain,
	coupon, currency, status, provisioning, auto_renew, convert_after_trial, payment_due, payment_due_since, commitment_periods,
	commitment_start, commitment_end, period_index, current_period_start, current_period_end, trial_end, grace_end, renewal_order_id,
	pending_change, endpoints, instructions, credentials, next_action_at, started_at, ended_at, created_at, updated_at, rating, self_billed`

func scanSub(sc db.Scanner) (Subscription, error) {
	var s Subscription
	var quantities, terms, prices, chain, endpoints, credentials, rating string
	var coupon, pending, renewal *string
	err := sc.Scan(&s.ID, &s.Kind, &s.CustomerOrgID, &s.SellerOrgID, &s.VendorOrgID, &s.ProductID, &s.PlanID, &s.OrderID, &quantities,
		&terms, &prices, &chain, &coupon, &s.Currency, &s.Status, &s.Provisioning, &s.AutoRenew, &s.ConvertAfterTrial, &s.PaymentDue,
		&s.PaymentDueSince, &s.CommitmentPeriods, &s.CommitmentStart, &s.CommitmentEnd, &s.PeriodIndex, &s.CurrentPeriodStart,
		&s.CurrentPeriodEnd, &s.TrialEnd, &s.GraceEnd, &renewal, &pending, &endpoints, &s.Instructions, &credentials, &s.NextActionAt,
		&s.StartedAt, &s.EndedAt, &s.CreatedAt, &s.UpdatedAt, &rating, &s.SelfBilled)
	if err != nil {
		return s, err
	}
	if renewal != nil {
		s.RenewalOrderID = *renewal
	}
	if sealed, ok := sealedText(credentials); ok {
		s.sealedCredentials, credentials = sealed, "null"
	}
	s.Prices = &pricing.PlanPrices{}
	for _, f := range []struct {
		raw string
		dst any
	}{{quantities, &s.Quantities}, {terms, &s.Terms}, {prices, s.Prices}, {chain, &s.chain}, {endpoints, &s.Endpoints}, {credentials, &s.Credentials}, {rating, &s.rating}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return s, fmt.Errorf("subscription %s: %w", s.ID, err)
		}
	}
	if coupon != nil {
		s.Coupon = &pricing.Coupon{}
		if err := json.Unmarshal([]byte(*coupon), s.Coupon); err != nil {
			return s, err
		}
	}
	if pending != nil {
		s.PendingChange = &PendingChange{}
		if err := json.Unmarshal([]byte(*pending), s.PendingChange); err != nil {
			return s, err
		}
	}
	return s, nil
}

func optJSON[T any](v *T) any {
	if v == nil {
		return nil
	}
	return db.JSONText(v)
}

func optString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// save inserts or rewrites a subscription, computing its next due date.
func (s *Service) save(ctx context.Context, sub *Subscription, insert bool) error {
	set, serr := s.settings(ctx)
	if serr != nil {
		return serr
	}
	sub.NextActionAt = s.nextAction(ctx, set, *sub)
	sub.UpdatedAt = s.db.Now(ctx)
	if sub.Quantities == nil {
		sub.Quantities = map[string]money.Decimal{}
	}
	if sub.Endpoints == nil {
		sub.Endpoints = []Endpoint{}
	}
	creds, err := s.storedCredentials(sub)
	if err != nil {
		return err
	}
	args := []any{sub.ID, sub.Kind, sub.CustomerOrgID, sub.SellerOrgID, sub.VendorOrgID, sub.ProductID, sub.PlanID, sub.OrderID,
		db.JSONText(sub.Quantities), db.JSONText(sub.Terms), db.JSONText(sub.Prices), db.JSONText(sub.chain), optJSON(sub.Coupon), sub.Currency,
		sub.Status, sub.Provisioning, sub.AutoRenew, sub.ConvertAfterTrial, sub.PaymentDue, sub.PaymentDueSince, sub.CommitmentPeriods,
		sub.CommitmentStart, sub.CommitmentEnd, sub.PeriodIndex, sub.CurrentPeriodStart, sub.CurrentPeriodEnd, sub.TrialEnd, sub.GraceEnd,
		optString(sub.RenewalOrderID), optJSON(sub.PendingChange), db.JSONText(sub.Endpoints), sub.Instructions, creds,
		sub.NextActionAt, sub.StartedAt, sub.EndedAt, sub.CreatedAt, sub.UpdatedAt, db.JSONText(sub.rating), sub.SelfBilled}
	if insert {
		_, err = s.db.Exec(ctx, `INSERT INTO subscriptions (`+subColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
			$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40)`, args...)
	} else {
		// Sent with the batch's others before the commit, in a lifecycle
		// batch that defers its writes (nothing reads a stepped row again).
		err = s.db.ExecLater(ctx, `UPDATE subscriptions SET kind = $2, customer_org_id = $3, seller_org_id = $4, vendor_org_id = $5,
			product_id = $6, plan_id = $7, order_id = $8, quantities = $9, terms = $10, prices = $11, chain = $12, coupon = $13, currency = $14,
			status = $15, provisioning = $16, auto_renew = $17, convert_after_trial = $18, payment_due = $19, payment_due_since = $20,
			commitment_periods = $21, commitment_start = $22, commitment_end = $23, period_index = $24, current_period_start = $25,
			current_period_end = $26, trial_end = $27, grace_end = $28, renewal_order_id = $29, pending_change = $30, endpoints = $31,
			instructions = $32, credentials = $33, next_action_at = $34, started_at = $35, ended_at = $36, created_at = $37,
			updated_at = $38, rating = $39, self_billed = $40 WHERE id = $1`, args...)
	}
	if err != nil {
		return fmt.Errorf("save subscription: %w", err)
	}
	return nil
}

var errSubNotFound = errs.NotFound("subscription_not_found", "no such subscription")

// load reads a subscription, locking its row on PostgreSQL for the rest of
// the transaction.
func (s *Service) load(ctx context.Context, id string) (Subscription, error) {
	sub, err := db.Get(ctx, s.db, scanSub, `SELECT `+subColumns+` FROM subscriptions WHERE id = $1`+s.db.Dialect().ForUpdate(), id)
	if errors.Is(err, db.ErrNoRows) {
		return sub, errSubNotFound
	}
	return sub, err
}
