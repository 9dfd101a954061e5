// Package identity holds organizations, users, roles, sessions, API keys and
// the permission policy, and enforces tenant isolation for them.
//
// Isolation rule: no party sees its peers' data nor anything of a party
// above it. The operator's staff see every organization; a distributor sees
// itself and its channel below (resellers and their customers); a reseller
// sees itself and its customers; a vendor and a customer see only
// themselves. Objects a caller may not see are reported as not found, never
// as forbidden, so their existence does not leak. VisibleOrgs gives the SQL
// every domain uses to apply the same rule.
package identity

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
)

// Config tunes the identity service.
type Config struct {
	Hash HashParams
	// APISessionTTL is the lifetime of a token from POST /auth/login.
	APISessionTTL time.Duration
	// WebSessionIdle and WebSessionMax bound browser sessions: they end
	// after WebSessionIdle without use or WebSessionMax after login.
	WebSessionIdle time.Duration
	WebSessionMax  time.Duration
	// ImpersonationTTL bounds an impersonation session.
	ImpersonationTTL time.Duration
	Throttle         ThrottleConfig
	// SessionClock times sessions and the sign-in throttle; nil uses the
	// database's clock. A platform running on a test clock keeps the
	// system clock here, so moving business time forward signs no one
	// out and unlocks no one.
	SessionClock clock.Clock
	// MarketplaceName is the marketplace's name until an administrator
	// saves one in the branding.
	MarketplaceName string
}

// DefaultConfig is the production configuration.
var DefaultConfig = Config{
	Hash:             DefaultHashParams,
	APISessionTTL:    24 * time.Hour,
	WebSessionIdle:   12 * time.Hour,
	WebSessionMax:    7 * 24 * time.Hour,
	ImpersonationTTL: time.Hour,
	Throttle:         DefaultThrottle,
}

// Service is the identity domain service.
type Service struct {
	db     *db.DB
	audit  *audit.Log
	rec    audit.Recorder
	outbox *outbox.Outbox
	cfg    Config
	log    *slog.Logger
	// dummyHash is verified against when a login names no known user, so
	// the answer takes as long as for a wrong password.
	dummyHash string
}

// New returns the service.
func New(d *db.DB, a *audit.Log, o *outbox.Outbox, cfg Config, log *slog.Logger) *Service {
	if cfg.Hash.MemoryKiB == 0 {
		cfg.Hash = DefaultHashParams
	}
	if cfg.APISessionTTL == 0 {
		cfg.APISessionTTL = DefaultConfig.APISessionTTL
	}
	if cfg.WebSessionIdle == 0 {
		cfg.WebSessionIdle = DefaultConfig.WebSessionIdle
	}
	if cfg.WebSessionMax == 0 {
		cfg.WebSessionMax = DefaultConfig.WebSessionMax
	}
	if cfg.ImpersonationTTL == 0 {
		cfg.ImpersonationTTL = DefaultConfig.ImpersonationTTL
	}
	cfg.Throttle = cfg.Throttle.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dummy, err := hashPassword("not a real password", cfg.Hash)
	if err != nil {
		panic(err)
	}
	return &Service{db: d, audit: a, outbox: o, rec: audit.NewRecorder(a, o), cfg: cfg, log: log, dummyHash: dummy}
}

// Authorize returns the caller of ctx when its role holds f: an
// unauthenticated error without a caller, a forbidden error without the
// function. Background work (the system actor) holds every function.
func Authorize(ctx context.Context, f Function) (actor.Actor, error) {
	a, err := Caller(ctx)
	if err != nil {
		return a, err
	}
	if a.Kind == actor.KindSystem || Can(Role(a.Role), f) {
		return a, nil
	}
	return a, errs.Forbidden("permission_denied", fmt.Sprintf("your role may not use %s", f))
}

// CheckWritable refuses changes by a supervisor impersonating a user:
// supervisors oversee, so their impersonation is read-only.
func CheckWritable(a actor.Actor) error {
	if a.ImpersonatorRole == string(Supervisor) {
		return errs.Forbidden("impersonation_read_only", "a supervisor's impersonation is read-only")
	}
	return nil
}

// VisibleOrgs returns a SQL condition restricting column (an organization id
// column) to the organizations a may see, binding its argument in q. Every
// domain uses it to apply the isolation rule in its queries:
//
//	q := db.NewQuery(`SELECT ... FROM invoices WHERE `)
//	q.Add(identity.VisibleOrgs(a, "customer_org_id", q))
func VisibleOrgs(a actor.Actor, column string, q *db.Query) string {
	switch {
	case a.Kind == actor.KindSystem || Role(a.Role).Staff():
		return "1 = 1"
	case Role(a.Role) == Distributor || Role(a.Role) == Reseller:
		return column + " IN (SELECT descendant_id FROM org_tree WHERE ancestor_id = " + q.Arg(a.OrgID) + ")"
	case a.OrgID != "":
		return column + " = " + q.Arg(a.OrgID)
	}
	return "1 = 0"
}

// CanSeeOrg reports whether a may see organization orgID (remembered
// within a memo scope).
func (s *Service) CanSeeOrg(ctx context.Context, a actor.Actor, orgID string) (bool, error) {
	key := "identity.can_see:" + a.Kind + "/" + a.Role + "/" + a.OrgID + ":" + orgID
	return memo.Get(ctx, key, func() (bool, error) {
		q := db.NewQuery(`SELECT count(*) FROM organizations WHERE id = $1 AND `, orgID)
		q.Add(VisibleOrgs(a, "id", q))
		var n int
		err := s.db.QueryRow(ctx, q.SQL(), q.Args()...).Scan(&n)
		return n == 1, err
	})
}

// canManageOrg reports whether a may change organization org's record (not
// its users: see canManageUsers): staff with user management everywhere,
// distributors and resellers in their own channel, everyone else only in
// their own organization. Supervisors only oversee.
func canManageOrg(a actor.Actor, org Organization, inSubtree bool) bool {
	r := Role(a.Role)
	switch {
	case a.Kind == actor.KindSystem:
		return true
	case r.Staff():
		return Can(r, UserManagement)
	case r == Distributor || r == Reseller:
		return inSubtree && (org.ID == a.OrgID || Can(r, CustomerManagement))
	default:
		return org.ID == a.OrgID
	}
}

// canManageUsers reports whether a may add, change, disable or reset the
// passwords of users of organization org. Staff with user management may
// everywhere; anyone may in its own organization. A distributor or a
// reseller may add only the first user of an organization it created in
// its channel (the customer's administrator, an invitation in effect):
// after that the organization's logins are the organization's own, since
// a channel party holding one would see what the customer alone may see
// (credentials, its invoices as the customer). firstUser says the
// organization has no user yet.
func canManageUsers(a actor.Actor, org Organization, firstUser bool) bool {
	r := Role(a.Role)
	switch {
	case a.Kind == actor.KindSystem:
		return true
	case r.Staff():
		return Can(r, UserManagement)
	case org.ID == a.OrgID:
		return true
	case r == Distributor || r == Reseller:
		// org is visible, so it is in the caller's channel.
		return firstUser && Can(r, CustomerManagement)
	}
	return false
}

// sessionNow is the time sessions and sign-in throttles are measured by.
func (s *Service) sessionNow(ctx context.Context) time.Time {
	if s.cfg.SessionClock != nil {
		return s.cfg.SessionClock.Now()
	}
	return s.db.Now(ctx)
}
