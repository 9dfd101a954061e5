// Package identitytest builds a small marketplace for tests: the operator
// with its staff, two vendors, a distributor with two resellers, and
// customers at every level of the channel, each with one user.
package identitytest

import (
	"context"
	"testing"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/queue"
)

// Password is every fixture user's password.
const Password = "correct-horse-battery-9"

// CheapHash keeps tests fast; production uses identity.DefaultHashParams.
var CheapHash = identity.HashParams{MemoryKiB: 64, Time: 1, Threads: 1}

// Service returns an identity service on d with cheap hashing and an
// insert-only job queue.
func Service(t testing.TB, d *db.DB) *identity.Service {
	t.Helper()
	q, err := queue.New(d, queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := identity.DefaultConfig
	cfg.Hash = CheapHash
	return identity.New(d, audit.New(d), outbox.New(d, q, nil), cfg, nil)
}

// World is the fixture marketplace.
type World struct {
	Svc  *identity.Service
	Orgs map[string]identity.Organization
	// Users by fixture name: super_admin, admin, supervisor (operator);
	// vendor_a, vendor_b; distributor; reseller_a, reseller_b (under the
	// distributor); customer_a1, customer_a2 (of reseller_a), customer_b1
	// (of reseller_b), customer_dist (of the distributor), customer_direct
	// (of the operator).
	Users map[string]identity.User
}

// Names lists the fixture users.
var Names = []string{"super_admin", "admin", "supervisor", "vendor_a", "vendor_b", "distributor", "reseller_a", "reseller_b",
	"customer_a1", "customer_a2", "customer_b1", "customer_dist", "customer_direct"}

// NewWorld builds the fixture marketplace with svc.
func NewWorld(t testing.TB, svc *identity.Service) *World {
	t.Helper()
	ctx := actor.With(context.Background(), actor.System)
	w := &World{Svc: svc, Orgs: map[string]identity.Organization{}, Users: map[string]identity.User{}}
	op, err := svc.EnsureOperator(ctx, "Test Marketplace")
	if err != nil {
		t.Fatal(err)
	}
	w.Orgs["operator"] = op
	org := func(name string, kind identity.OrgKind, parent string) {
		t.Helper()
		o, err := svc.CreateOrganization(ctx, identity.CreateOrganizationInput{Kind: kind, ParentID: w.Orgs[parent].ID, Name: name, Email: name + "@example.com", Country: "IT"})
		if err != nil {
			t.Fatalf("org %s: %v", name, err)
		}
		w.Orgs[name] = o
	}
	org("vendor_a", identity.VendorOrg, "operator")
	org("vendor_b", identity.VendorOrg, "operator")
	org("distributor", identity.DistributorOrg, "operator")
	org("reseller_a", identity.ResellerOrg, "distributor")
	org("reseller_b", identity.ResellerOrg, "distributor")
	org("customer_a1", identity.CustomerOrg, "reseller_a")
	org("customer_a2", identity.CustomerOrg, "reseller_a")
	org("customer_b1", identity.CustomerOrg, "reseller_b")
	org("customer_dist", identity.CustomerOrg, "distributor")
	org("customer_direct", identity.CustomerOrg, "operator")
	for _, name := range Names {
		orgName, role := name, identity.Role("")
		switch name {
		case "super_admin", "admin", "supervisor":
			orgName, role = "operator", identity.Role(name)
		}
		u, err := svc.CreateUser(ctx, identity.CreateUserInput{OrgID: w.Orgs[orgName].ID, Email: name + "@example.com", Name: name, Role: role, Password: Password})
		if err != nil {
			t.Fatalf("user %s: %v", name, err)
		}
		w.Users[name] = u
	}
	return w
}

// As returns a context acting as the fixture user name, through a real
// login, so the actor is exactly what authentication produces.
func (w *World) As(t testing.TB, name string) context.Context {
	t.Helper()
	return actor.With(context.Background(), w.Actor(t, name))
}

// Actor signs the fixture user in and returns its actor.
func (w *World) Actor(t testing.TB, name string) actor.Actor {
	t.Helper()
	_, token := w.Login(t, name)
	a, err := w.Svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Login signs the fixture user in and returns the result and its token.
func (w *World) Login(t testing.TB, name string) (identity.LoginResult, string) {
	t.Helper()
	u, ok := w.Users[name]
	if !ok {
		t.Fatalf("no fixture user %q", name)
	}
	res, err := w.Svc.Login(context.Background(), identity.LoginInput{Email: u.Email, Password: Password})
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	return res, res.Token
}
