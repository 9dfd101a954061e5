// Package services builds the domain services and wires them to each
// other: the one place that knows which domain satisfies which small
// interface of another (catalog.Offerings is the channel, channel.Catalog
// the catalog, subscription.TaxEstimator billing, and so on). Nothing in a
// domain calls a Set* method or builds another domain's service. The
// process (internal/app) and the test world (servicestest) both build the
// domains here, so they are wired alike.
//
// A lower domain that needs a higher one (the catalog asks the channel who
// offers a product) is handed a forwarder that reaches the higher service
// once it exists; every forwarder is resolved before New returns.
package services

import (
	"context"
	"log/slog"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/secret"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Config configures the domains.
type Config struct {
	Identity     identity.Config
	Subscription subscription.Config
	Billing      billing.Config
	// Secrets seals subscription credentials; nil makes a key that dies
	// with the process (tests only).
	Secrets *secret.Keyring
	// BatchCustomers bounds a lifecycle batch (0: the default).
	BatchCustomers int
}

// Defaults is the production configuration.
func Defaults() Config {
	return Config{Identity: identity.DefaultConfig, Subscription: subscription.DefaultConfig, Billing: billing.DefaultConfig}
}

// Services are the domain services of one process.
type Services struct {
	Audit    *audit.Log
	Outbox   *outbox.Outbox
	Identity *identity.Service
	Catalog  *catalog.Service
	Channel  *channel.Service
	Subs     *subscription.Service
	Ledger   *ledger.Ledger
	Billing  *billing.Service
}

// New builds the domain services on d, publishing and subscribing through
// ob.
func New(d *db.DB, ob *outbox.Outbox, cfg Config, log *slog.Logger) *Services {
	s := &Services{Audit: audit.New(d), Outbox: ob, Ledger: ledger.New(d)}
	rec := audit.NewRecorder(s.Audit, ob)
	s.Identity = identity.New(d, s.Audit, ob, cfg.Identity, log)
	s.Catalog = catalog.New(d, catalog.Deps{Recorder: rec, Outbox: ob, Directory: s.Identity, Offerings: offerings{s}, Holdings: holdings{s}}, log)
	s.Channel = channel.New(d, channel.Deps{Recorder: rec, Outbox: ob, Directory: s.Identity, Catalog: s.Catalog}, log)
	s.Subs = subscription.New(d, subscription.Deps{Audit: s.Audit, Outbox: ob, Directory: s.Identity, Catalog: s.Catalog,
		Channel: s.Channel, Taxes: taxes{s}, Secrets: cfg.Secrets, BatchCustomers: cfg.BatchCustomers}, cfg.Subscription, log)
	s.Billing = billing.New(d, billing.Deps{Audit: s.Audit, Outbox: ob, Directory: s.Identity, Subscriptions: s.Subs,
		Ledger: s.Ledger}, cfg.Billing, log)
	return s
}

// offerings is the channel's answer to the catalog's question of who
// offers a product.
type offerings struct{ s *Services }

func (o offerings) Offers(ctx context.Context, orgID, productID string) (bool, error) {
	return o.s.Channel.Offers(ctx, orgID, productID)
}

// holdings is the subscriptions' answer to the catalog's question of who
// may review a product.
type holdings struct{ s *Services }

func (h holdings) HoldsSubscription(ctx context.Context, customerOrgID, productID string) (bool, error) {
	return h.s.Subs.HoldsSubscription(ctx, customerOrgID, productID)
}

// taxes is billing's estimate of an order's tax, which subscriptions record
// on the order.
type taxes struct{ s *Services }

func (t taxes) EstimateOrderTax(ctx context.Context, issuerOrgID, customerOrgID, taxCategory string, cur money.Currency,
	lines []pricing.QuoteLine) (money.Amount, error) {
	return t.s.Billing.EstimateOrderTax(ctx, issuerOrgID, customerOrgID, taxCategory, cur, lines)
}
