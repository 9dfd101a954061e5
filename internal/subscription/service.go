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

// Service is the orders and subscriptions service.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	rec      audit.Recorder
	outbox   *outbox.Outbox
	identity *identity.Service
	catalog  *catalog.Service
	channel  *channel.Service
	cfg      Config
	log      *slog.Logger
	// secrets seals the subscriptions' credentials (see credentials.go).
	secrets *secret.Keyring
	// taxes estimates the tax of orders (see order_tax.go).
	taxes TaxEstimator
}

// New returns the service.
func New(d *db.DB, a *audit.Log, o *outbox.Outbox, id *identity.Service, cat *catalog.Service, ch *channel.Service, cfg Config, log *slog.Logger) *Service {
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
	s := &Service{db: d, audit: a, outbox: o, rec: audit.NewRecorder(a, o), identity: id, catalog: cat, channel: ch, cfg: cfg, log: log, secrets: ephemeralKeyring()}
	cat.SetHoldings(s)
	return s
}

// SetSecrets sets the keyring that seals credentials, before the service
// is used. Until then (tests) credentials are sealed by a key made for
// this service alone, which nothing else opens.
func (s *Service) SetSecrets(k *secret.Keyring) { s.secrets = k }

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
