package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
)

// EnsureOperator creates the operator organization (the marketplace owner,
// root of the channel) when there is none, and returns it.
func (s *Service) EnsureOperator(ctx context.Context, name string) (Organization, error) {
	ctx = actor.With(ctx, actor.System)
	var out Organization
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		op, err := s.operator(ctx)
		if err == nil {
			out = op
			return nil
		}
		if !errs.Is(err, "no_operator") {
			return err
		}
		now := s.db.Now(ctx)
		out = Organization{ID: ids.New(ids.Organization), Kind: Operator, Name: name, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := s.insertOrg(ctx, out); err != nil {
			return err
		}
		return s.rec.Created(ctx, "organization.create", "organization", out.ID, out.ID, out, "organization.created")
	})
	if db.IsUniqueViolation(err) {
		// Another process starting at the same moment created it first.
		return s.operator(ctx)
	}
	return out, err
}

// Operator returns the operator organization.
func (s *Service) Operator(ctx context.Context) (Organization, error) { return s.operator(ctx) }

// BootstrapAdmin creates the first super admin from "email:password" (the
// NEPHELE_BOOTSTRAP_ADMIN setting) when the installation has none, so an
// operator never edits the database by hand. It reports whether it created
// one; with a super admin already present it does nothing.
func (s *Service) BootstrapAdmin(ctx context.Context, spec string) (bool, error) {
	email, password, ok := strings.Cut(spec, ":")
	if !ok || email == "" || password == "" {
		return false, errors.New("bootstrap admin: want email:password")
	}
	ctx = actor.With(ctx, actor.System)
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = 'super_admin'`).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	op, err := s.EnsureOperator(ctx, "Nephele Marketplace")
	if err != nil {
		return false, err
	}
	name, _, _ := strings.Cut(email, "@")
	_, err = s.CreateUser(ctx, CreateUserInput{OrgID: op.ID, Email: email, Name: name, Role: SuperAdmin, Password: password})
	if errs.Is(err, "email_taken") {
		return false, nil // another process starting at the same moment made it
	}
	if err != nil {
		return false, fmt.Errorf("bootstrap admin: %w", err)
	}
	return true, nil
}

// UserByEmail returns a user by email, for the command line and the demo
// seed (system actor only).
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	if actor.From(ctx).Kind != actor.KindSystem {
		return User{}, errs.Forbidden("permission_denied", "system only")
	}
	u, err := db.Get(ctx, s.db, scanUser, `SELECT `+userColumns+` FROM users u WHERE u.email = $1`, strings.ToLower(email))
	if errors.Is(err, db.ErrNoRows) {
		return u, errUserNotFound
	}
	return u, err
}
