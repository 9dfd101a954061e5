// Package billing turns what subscriptions owe into invoices, takes
// payments against them, corrects them with credit notes, and records in
// the ledger who owes whom along the channel.
//
// Charges. A subscription announces each period it starts (with the price
// frozen for it), each renewal ordered ahead of expiry and each change
// charged at once; billing records a charge for it under a unique key
// (subscription, service period, kind), so an event handled twice, or two
// processes, never charge twice. An advance charge (licence, prepaid IaaS
// and extras, the setup fee in the first period) is due when the period
// starts; an arrears charge (metrics and postpaid extras, rated from the
// usage recorded for the period) when it ends. Trials and sandboxes charge
// their infrastructure costs to the vendor. Vendors add one-off or
// recurring lines of their own.
//
// Runs. RunDue claims the due charges of a batch of payers in one
// statement (rows locked, SKIP LOCKED on PostgreSQL) and invoices them in
// the same transaction: one invoice per payer, issuer, currency and kind,
// lines carrying their subscription and service period, tax computed per
// rate on the unrounded base and rounded once, numbers drawn without gaps
// from the issuer's sequence for the year, ledger journals posted. A run
// killed mid-way loses only its open transaction; the next one resumes.
// As a last guard a unique key on invoice lines refuses a second licence
// line for the same subscription period.
//
// Issuers. The seller of record issues the invoice: the marketplace owner
// for its direct customers, a distributor or reseller for its own. A
// self-billed plan is billed by its vendor, a self-billed price list by its
// reseller: the customer gets a pro-forma and the seller declares it paid.
//
// Corrections. Issued documents are never edited. A credit note (numbered
// in its own sequence) credits lines of an invoice up to what is left to
// credit; a proration credit of an upgrade is a negative line on the
// upgrade's own invoice (an upgrade's invoice never totals below zero, as
// only upgrades take effect mid-period). Voiding is for issued invoices
// nobody paid; uncollectible writes a debt off.
//
// The ledger. Each issued invoice posts one journal: the payer owes the
// issuer each line's kind and the tax; each party of the channel owes the
// one above the same charge rated at that party's buy price (the vendor is
// owed licences and usage, never infrastructure, which the marketplace
// owner keeps); the vendor owes the marketplace owner its platform fee.
// A coupon comes out of the price of the party that created it and of
// everyone below it; parties above are paid in full. Payments, credit
// notes, voids and write-offs post their own journals.
package billing

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Id kinds.
const (
	InvoiceKind    ids.Kind = "inv"
	ChargeKind     ids.Kind = "chg"
	PaymentKind    ids.Kind = "pay"
	TaxRateKind    ids.Kind = "txr"
	VendorLineKind ids.Kind = "vln"
	RunKind        ids.Kind = "run"
)

// Config tunes the service.
type Config struct {
	// BatchPayers is how many payers one transaction of a run invoices.
	BatchPayers int
	// ArrearsHold is how long a period's usage waits for the next period's
	// licence, so both are invoiced together.
	ArrearsHold time.Duration
	// Workers is how many batches a run works at once on PostgreSQL, each
	// in a transaction (and connection) of its own. A batch alternates
	// between the server (reading, claiming, writing) and this process
	// (building the documents); four keep the cores of both busy on a
	// two-core machine running both, where two left a fifth of them idle.
	Workers int
}

// DefaultConfig is the production configuration.
var DefaultConfig = Config{BatchPayers: 500, ArrearsHold: time.Hour, Workers: 4}

// Directory is what billing reads of organizations: the parties its
// documents name. The identity service implements it.
type Directory interface {
	Orgs(ctx context.Context, ids []string) (map[string]identity.Organization, error)
	Org(ctx context.Context, id string) (identity.Organization, bool, error)
	CanSeeOrg(ctx context.Context, a actor.Actor, orgID string) (bool, error)
	Operator(ctx context.Context) (identity.Organization, error)
}

// Subscriptions is what billing reads of subscriptions. (What billing
// tells them travels as events: invoice.paid pays their orders.) The
// subscription service implements it.
type Subscriptions interface {
	GetSubscription(ctx context.Context, id string) (subscription.Subscription, error)
	NextPeriods(ctx context.Context, customerOrgID string, by time.Time) ([]subscription.PeriodEvent, error)
	NextRenewal(ctx context.Context, customerOrgID string) (time.Time, error)
}

// Deps is what billing needs of the rest of the platform; the composition
// root provides it.
type Deps struct {
	Audit         *audit.Log
	Outbox        *outbox.Outbox
	Directory     Directory
	Subscriptions Subscriptions
	Ledger        *ledger.Ledger
}

// Service is the billing service.
type Service struct {
	db       *db.DB
	audit    *audit.Log
	rec      audit.Recorder
	outbox   *outbox.Outbox
	identity Directory
	subs     Subscriptions
	ledger   *ledger.Ledger
	cfg      Config
	log      *slog.Logger
	// batchHook, set by tests, runs at the end of each batch's transaction:
	// an error rolls the batch back, as if the process died there.
	batchHook func(batch int) error
	// betweenBatches, set by tests, runs between two batches of a pipelined
	// run (after one commits, before the next begins).
	betweenBatches func(batch int)
	// readAhead counts the batches written with documents built ahead.
	readAhead atomic.Int64
}

// New returns the service and subscribes it to the subscription events it
// turns into charges.
func New(d *db.DB, deps Deps, cfg Config, log *slog.Logger) *Service {
	if cfg.BatchPayers <= 0 {
		cfg.BatchPayers = DefaultConfig.BatchPayers
	}
	if cfg.ArrearsHold <= 0 {
		cfg.ArrearsHold = DefaultConfig.ArrearsHold
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultConfig.Workers
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o := deps.Outbox
	s := &Service{db: d, audit: deps.Audit, outbox: o, rec: audit.NewRecorder(deps.Audit, o), identity: deps.Directory,
		subs: deps.Subscriptions, ledger: deps.Ledger, cfg: cfg, log: log}
	o.Subscribe("billing.charges", chargedEvents, s.onSubscriptionEvent)
	o.Subscribe("billing.cancellations", "order.cancelled", s.onOrderCancelled)
	return s
}

// chargedEvents are the subscription events billing charges: the periods a
// batch of lifecycle work (or an activation) started, renewals ordered
// ahead, changes charged at once, and single periods as they were
// announced before periods came in batches.
const chargedEvents = "subscription.periods_started|subscription.renewal_ordered|subscription.changed|subscription.period_started"

// Ledger is the settlement ledger billing posts to.
func (s *Service) Ledger() *ledger.Ledger { return s.ledger }
