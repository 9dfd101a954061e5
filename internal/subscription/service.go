// Package subscription holds orders and the subscriptions they create and
// change, and drives every subscription through its life: approval,
// payment, provisioning, periods, renewal or expiry, suspension and
// destruction, trials, upgrades and downgrades, termination.
//
// Orders and subscriptions are one package: every order creates or changes
// a subscription in the same transaction, and every change of a
// subscription is recorded as an order (renewal, change, termination).
//
// Lifecycle work is driven by due dates stored on each subscription
// (next_action_at) and found by query, never by timers in memory: RunDue
// claims due subscriptions one at a time (with SKIP LOCKED on PostgreSQL,
// so several processes share the work), performs the earliest due action
// and computes the next due date, all in one transaction. Every action
// checks the state it expects, so running it twice changes nothing.
package subscription

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/secret"
)

// Id kinds.
const (
	OrderKind        ids.Kind = "ord"
	SubscriptionKind ids.Kind = "sub"
	TransitionKind   ids.Kind = "trn"
)

// Directory is what subscriptions read of organizations. The identity
// service implements it.
type Directory interface {
	Org(ctx context.Context, id string) (identity.Organization, bool, error)
}

// Catalog is what subscriptions read of products and plans and how they
// redeem coupons. The catalog service implements it.
type Catalog interface {
	GetProduct(ctx context.Context, id string) (catalog.Product, error)
	GetPlan(ctx context.Context, id string) (catalog.Plan, error)
	CurrentPlan(ctx context.Context, id string) (catalog.Plan, error)
	RedeemCoupon(ctx context.Context, use catalog.CouponUse, reference string) (catalog.Redemption, error)
	ReleaseRedemptions(ctx context.Context, reference string) error
}

// Channel prices orders. The channel service implements it.
type Channel interface {
	Quote(ctx context.Context, in channel.QuoteInput) (channel.Quote, error)
}

// Deps is what subscriptions need of the rest of the platform; the
// composition root provides it.
type Deps struct {
	Audit     *audit.Log
	Outbox    *outbox.Outbox
	Directory Directory
	Catalog   Catalog
	Channel   Channel
	// Taxes may be nil (a service built alone, in tests): orders then
	// record no tax, their tax is "on the invoice".
	Taxes TaxEstimator
	// Secrets seals the subscriptions' credentials. Nil (tests): a key
	// made for this service alone, which nothing else opens.
	Secrets *secret.Keyring
	// BatchCustomers bounds the customers one lifecycle batch works (0:
	// DefaultBatchCustomers); tests make it small to cross batches.
	BatchCustomers int
}

// Service is the orders and subscriptions service.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	rec      audit.Recorder
	outbox   *outbox.Outbox
	identity Directory
	catalog  Catalog
	channel  Channel
	cfg      Config
	log      *slog.Logger
	// secrets seals the subscriptions' credentials (see credentials.go).
	secrets *secret.Keyring
	// taxes estimates the tax of orders (see order_tax.go).
	taxes TaxEstimator
	// batchCustomers bounds a lifecycle batch (see batch.go).
	batchCustomers int
}

// New returns the service and subscribes it to paid invoices, which pay
// their orders.
func New(d *db.DB, deps Deps, cfg Config, log *slog.Logger) *Service {
	if cfg.PaymentDays == 0 {
		cfg.PaymentDays = DefaultConfig.PaymentDays
	}
	if cfg.GraceDays == 0 {
		cfg.GraceDays = DefaultConfig.GraceDays
	}
	if cfg.ReminderDays == nil {
		cfg.ReminderDays = DefaultConfig.ReminderDays
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if deps.Secrets == nil {
		deps.Secrets = ephemeralKeyring()
	}
	s := &Service{db: d, audit: deps.Audit, outbox: deps.Outbox, rec: audit.NewRecorder(deps.Audit, deps.Outbox), identity: deps.Directory,
		catalog: deps.Catalog, channel: deps.Channel, cfg: cfg, log: log, secrets: deps.Secrets, taxes: deps.Taxes,
		batchCustomers: cmp.Or(deps.BatchCustomers, DefaultBatchCustomers)}
	deps.Outbox.Subscribe("subscription.orders_paid", "invoice.paid", s.onInvoicePaid)
	return s
}

func ephemeralKeyring() *secret.Keyring {
	key, err := secret.GenerateKey()
	if err != nil {
		panic(err) // the system's random source failed
	}
	raw, _ := secret.ParseKey(key)
	k, err := secret.New(raw)
	if err != nil {
		panic(err)
	}
	return k
}

// HoldsSubscription tells whether a customer organization holds a
// subscription of a product: trialing, active or suspended (the catalog
// lets such customers review the product).
func (s *Service) HoldsSubscription(ctx context.Context, customerOrgID, productID string) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM subscriptions WHERE customer_org_id = $1 AND product_id = $2 AND status IN ($3, $4, $5)`,
		customerOrgID, productID, StatusTrialing, StatusActive, StatusSuspended).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("holds subscription: %w", err)
	}
	return n > 0, nil
}
