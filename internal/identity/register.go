package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// RegisterInput signs a new organization up, with its first user.
type RegisterInput struct {
	// Kind is VendorOrg or CustomerOrg; both sit directly under the
	// operator (a vendor to be reviewed, a customer buying directly).
	Kind     OrgKind
	OrgName  string
	OrgEmail string
	Country  string
	TaxID    string
	Name     string // the user's name
	Email    string // the user's email, used to sign in
	Password string
}

// Register creates an organization and its first user for someone signing
// up without an account (public self-registration): PrepareSignUp, then
// SignUp.Create in a transaction of its own. It runs as the system and
// records the anonymous request in the audit log.
func (s *Service) Register(ctx context.Context, in RegisterInput) (Organization, User, error) {
	su, err := s.PrepareSignUp(ctx, in)
	if err != nil {
		return Organization{}, User{}, err
	}
	return su.Create(ctx)
}

// SignUp is a validated self-registration whose attempt has been counted
// against its source: the only way to create a self-registered
// organization, so no caller can skip the throttle or let a rollback undo
// its count.
type SignUp struct {
	s  *Service
	in RegisterInput
}

// PrepareSignUp validates in and counts the attempt against the request's
// source address (actor.RequestFrom; in-process callers have none), in a
// transaction of its own: call it before opening the caller's transaction,
// so that an attempt that fails later (a taken e-mail) still counts. Past
// the limit it fails with too_many_signups (429). Invalid input is refused
// (422) before anything is counted.
//
// A taken e-mail is answered as such (email_taken, by Create): the
// platform sends no e-mail yet, so it cannot answer "check your inbox" the
// same way for both. Once it can, this answer must become
// indistinguishable from a new one.
func (s *Service) PrepareSignUp(ctx context.Context, in RegisterInput) (SignUp, error) {
	v := validate.New()
	v.OneOf("kind", string(in.Kind), string(VendorOrg), string(CustomerOrg))
	in.OrgName = v.Name("org_name", in.OrgName, 200)
	in.OrgEmail = v.OptionalEmail("org_email", in.OrgEmail)
	in.Country = v.Country("country", in.Country)
	in.TaxID = strings.TrimSpace(in.TaxID)
	v.Text("tax_id", in.TaxID, 64)
	in.Name = v.Name("name", in.Name, 200)
	in.Email = v.Email("email", in.Email)
	if msg := checkPassword(in.Password, in.Email, in.Name, in.OrgName); msg != "" {
		v.Add("password", "weak_password", msg)
	}
	if err := v.Err(); err != nil {
		return SignUp{}, err
	}
	if in.OrgEmail == "" {
		in.OrgEmail = in.Email
	}
	if err := s.reserveSignUp(ctx); err != nil {
		return SignUp{}, err
	}
	return SignUp{s: s, in: in}, nil
}

// Create makes the organization and its first user, joining the caller's
// transaction if ctx carries one (a vendor registration adds its own rows
// beside them).
func (su SignUp) Create(ctx context.Context) (Organization, User, error) {
	s, in := su.s, su.in
	if s == nil {
		return Organization{}, User{}, fmt.Errorf("sign-up: not prepared")
	}
	var org Organization
	var user User
	err := s.db.InTx(actor.With(ctx, actor.System), func(sys context.Context) error {
		op, err := s.operator(sys)
		if err != nil {
			return err
		}
		now := s.db.Now(sys)
		org = Organization{ID: ids.New(ids.Organization), Kind: in.Kind, ParentID: op.ID, Name: in.OrgName, Email: in.OrgEmail,
			Country: in.Country, TaxID: in.TaxID, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := s.insertOrg(sys, org); err != nil {
			return err
		}
		hash, err := hashPassword(in.Password, s.cfg.Hash)
		if err != nil {
			return err
		}
		user = User{ID: ids.New(ids.User), OrgID: org.ID, Email: in.Email, Name: in.Name, Role: RolesFor(in.Kind)[0],
			Status: UserActive, CreatedAt: now, UpdatedAt: now}
		_, err = s.db.Exec(sys, `INSERT INTO users (id, org_id, email, name, role, password_hash, status, created_at, updated_at, password_changed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)`, user.ID, org.ID, user.Email, user.Name, user.Role, hash, user.Status, now)
		if db.IsUniqueViolation(err) {
			return errs.Invalid("validation_failed", "email: a user with this email already exists",
				errs.Field("email", "email_taken", "a user with this email already exists; sign in instead"))
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		// The registrant acts on its own new organization from here on.
		self := actor.With(sys, actorOf(user, org, nil))
		if err := s.rec.Created(self, "organization.register", "organization", org.ID, org.ID, org, "organization.created"); err != nil {
			return err
		}
		return s.rec.Created(self, "user.create", "user", user.ID, org.ID, user, "user.created")
	})
	return org, user, err
}

// reserveSignUp counts a sign-up against the request's source address, or
// refuses it.
func (s *Service) reserveSignUp(ctx context.Context) error {
	ip := actor.RequestFrom(ctx).IP
	if ip == "" {
		return nil // not a request from outside: seeding, tests, tools
	}
	wait, err := s.reserve(ctx, s.cfg.Throttle.signUpRule(ip))
	if err != nil {
		return err
	}
	if wait > 0 {
		return tooMany("too_many_signups", "sign-ups from your network", wait)
	}
	return nil
}
