// Package servicestest is the test world every package's tests share: the
// domain services wired as the process wires them (services.New), over a
// test database, with cheap password hashing and an insert-only job queue,
// and the fixture marketplace of identitytest (the operator, two vendors, a
// distributor with two resellers, customers at every level).
//
// Only tests import it (internal/layout_test.go allows a _test.go file of
// any layer to, and nothing else).
package servicestest

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/queue"
	"github.com/nephele-cloud/nephele/internal/platform/secret"
	"github.com/nephele-cloud/nephele/internal/services"
)

// Options tunes the world's services.
type Options struct {
	// Billing configures billing; the zero value is billing's default.
	Billing billing.Config
	// Secrets seals credentials; nil makes a key for this world alone.
	Secrets *secret.Keyring
	// BatchCustomers bounds a lifecycle batch (0: the default).
	BatchCustomers int
}

// World is the wired services and the fixture marketplace.
type World struct {
	*services.Services
	DB *db.DB
	// Market holds the fixture organizations and users (Market.Orgs,
	// Market.Users, Market.As).
	Market *identitytest.World
}

// Services wires the domain services on d, as one more process would:
// another world's database, its fixture marketplace already in it.
func Services(t testing.TB, d *db.DB, o Options) *services.Services {
	t.Helper()
	q, err := queue.New(d, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := services.Defaults()
	cfg.Identity.Hash = identitytest.CheapHash
	cfg.Billing, cfg.Secrets, cfg.BatchCustomers = o.Billing, o.Secrets, o.BatchCustomers
	return services.New(d, outbox.New(d, q, nil), cfg, nil)
}

// New wires the services on d and builds the fixture marketplace.
func New(t testing.TB, d *db.DB, o Options) *World {
	t.Helper()
	s := Services(t, d, o)
	return &World{Services: s, DB: d, Market: identitytest.NewWorld(t, s.Identity)}
}
