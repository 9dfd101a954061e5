package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// User is a person who signs in. A user belongs to one organization and
// holds one role that fits the organization's kind.
type User struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"org_id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        Role       `json:"role"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
}

// User statuses.
const (
	UserActive   = "active"
	UserDisabled = "disabled"
)

const userColumns = `u.id, u.org_id, u.email, u.name, u.role, u.status, u.created_at, u.updated_at, u.last_login_at`

func scanUser(s db.Scanner) (User, error) {
	var u User
	err := s.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Role, &u.Status, &u.CreatedAt, &u.UpdatedAt, &u.LastLoginAt)
	return u, err
}

var errUserNotFound = errs.NotFound("user_not_found", "no such user")

// CreateUserInput creates a user.
type CreateUserInput struct {
	OrgID string
	Email string
	Name  string
	// Role defaults to the one role of the organization's kind; operator
	// users must name theirs.
	Role     Role
	Password string
}

// CreateUser adds a user to an organization whose users the caller may
// manage (see canManageUsers: a channel party adds only a new customer's
// first user). Only a super admin creates super admins; an admin creates
// admins and supervisors.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (User, error) {
	a, err := Writer(ctx)
	if err != nil {
		return User{}, err
	}
	v := validate.New()
	v.ID("org_id", ids.Organization, in.OrgID)
	in.Email = v.Email("email", in.Email)
	in.Name = v.Name("name", in.Name, 200)
	if in.Role != "" && !in.Role.Valid() {
		v.Add("role", "invalid_enum", "must be one of super_admin, admin, supervisor, vendor, distributor, reseller, customer")
	}
	if msg := checkPassword(in.Password, in.Email, in.Name); msg != "" {
		v.Add("password", "weak_password", msg)
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	var out User
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		org, err := s.visibleOrg(ctx, a, in.OrgID)
		if errs.Is(err, "organization_not_found") {
			return errs.Invalid("validation_failed", "org_id: no such organization", errs.Field("org_id", "not_found", "no such organization"))
		}
		if err != nil {
			return err
		}
		first, err := s.hasNoUsers(ctx, org.ID)
		if err != nil {
			return err
		}
		if !canManageUsers(a, org, first) {
			return errs.Forbidden("permission_denied", "you may not add users to this organization; its administrator does")
		}
		if org.Status != StatusActive {
			return errs.FailedPrecondition("organization_archived", "the organization is archived")
		}
		if in.Role == "" {
			if roles := RolesFor(org.Kind); len(roles) == 1 {
				in.Role = roles[0]
			} else {
				return errs.Invalid("validation_failed", "role: is required for operator users",
					errs.Field("role", "required", "choose super_admin, admin or supervisor"))
			}
		}
		if err := checkRoleGrant(a, org, in.Role); err != nil {
			return err
		}
		hash, err := hashPassword(in.Password, s.cfg.Hash)
		if err != nil {
			return err
		}
		now := s.db.Now(ctx)
		out = User{ID: ids.New(ids.User), OrgID: org.ID, Email: in.Email, Name: in.Name, Role: in.Role, Status: UserActive, CreatedAt: now, UpdatedAt: now}
		_, err = s.db.Exec(ctx, `INSERT INTO users (id, org_id, email, name, role, password_hash, status, created_at, updated_at, password_changed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)`, out.ID, out.OrgID, out.Email, out.Name, out.Role, hash, out.Status, now)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("email_taken", "a user with this email already exists").WithCause(err)
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return s.rec.Created(ctx, "user.create", "user", out.ID, out.OrgID, out, "user.created")
	})
	return out, err
}

// hasNoUsers reports whether organization orgID has no user yet, locking
// the organization's row on PostgreSQL so that two racing "first" users
// cannot both be added.
func (s *Service) hasNoUsers(ctx context.Context, orgID string) (bool, error) {
	var id string
	if err := s.db.QueryRow(ctx, `SELECT id FROM organizations WHERE id = $1`+s.db.Dialect().ForUpdate(), orgID).Scan(&id); err != nil {
		return false, fmt.Errorf("lock organization: %w", err)
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM users WHERE org_id = $1`, orgID).Scan(&n); err != nil {
		return false, fmt.Errorf("count users: %w", err)
	}
	return n == 0, nil
}

// checkRoleGrant refuses a role that does not fit the organization or that
// ranks above what the caller may hand out.
func checkRoleGrant(a actor.Actor, org Organization, r Role) error {
	if !slices.Contains(RolesFor(org.Kind), r) {
		return errs.Invalid("validation_failed", fmt.Sprintf("role: a %s organization's users cannot be %s", org.Kind, r),
			errs.Field("role", "role_not_allowed", fmt.Sprintf("must be one of %v for a %s organization", RolesFor(org.Kind), org.Kind)))
	}
	if a.Kind == actor.KindSystem {
		return nil
	}
	if r == SuperAdmin && Role(a.Role) != SuperAdmin {
		return errs.Forbidden("permission_denied", "only a super admin can grant the super_admin role")
	}
	return nil
}

// visibleUser loads a user the caller may see (one of an organization it may
// see), else reports it not found.
func (s *Service) visibleUser(ctx context.Context, a actor.Actor, id string) (User, error) {
	if !ids.Valid(ids.User, id) {
		return User{}, errUserNotFound
	}
	q := db.NewQuery(`SELECT `+userColumns+` FROM users u WHERE u.id = $1 AND `, id)
	q.Add(VisibleOrgs(a, "u.org_id", q))
	u, err := db.Get(ctx, s.db, scanUser, q.SQL(), q.Args()...)
	if errors.Is(err, db.ErrNoRows) {
		return u, errUserNotFound
	}
	return u, err
}

// manageableUser loads a user for a change: not found when the caller may
// not see it, forbidden when it may see but not manage it (another
// organization's user without the rights, or a user of a higher staff rank).
func (s *Service) manageableUser(ctx context.Context, a actor.Actor, id string) (User, Organization, error) {
	u, err := s.visibleUser(ctx, a, id)
	if err != nil {
		return u, Organization{}, err
	}
	org, err := s.visibleOrg(ctx, a, u.OrgID)
	if err != nil {
		return u, org, err
	}
	if u.ID != a.UserID {
		if !canManageUsers(a, org, false) {
			return u, org, errs.Forbidden("permission_denied", "you may not change this user")
		}
		if a.Kind != actor.KindSystem && u.Role.rank() > Role(a.Role).rank() {
			return u, org, errs.Forbidden("permission_denied", "you may not change a user of a higher role")
		}
	}
	return u, org, nil
}

// GetUser returns a user the caller may see.
func (s *Service) GetUser(ctx context.Context, id string) (User, error) {
	a, err := Caller(ctx)
	if err != nil {
		return User{}, err
	}
	if err := validate.CheckID("id", ids.User, id); err != nil {
		return User{}, err
	}
	return s.visibleUser(ctx, a, id)
}

// Me returns the calling user, its organization and the functions its role
// holds.
func (s *Service) Me(ctx context.Context) (User, Organization, error) {
	a, err := Caller(ctx)
	if err != nil {
		return User{}, Organization{}, err
	}
	if a.Kind != actor.KindUser {
		return User{}, Organization{}, errs.Unauthenticated("unauthenticated", "not signed in as a user")
	}
	u, err := s.visibleUser(ctx, a, a.UserID)
	if err != nil {
		return u, Organization{}, err
	}
	org, err := s.visibleOrg(ctx, a, u.OrgID)
	return u, org, err
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	OrgID  string
	Role   Role
	Status string
	// Query matches names and emails, case-insensitively.
	Query string
	Page  page.Request
}

// ListUsers lists the users of the organizations the caller may see, oldest
// first.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]User, string, error) {
	a, err := Caller(ctx)
	if err != nil {
		return nil, "", err
	}
	v := validate.New()
	if f.OrgID != "" {
		v.ID("org_id", ids.Organization, f.OrgID)
	}
	if f.Role != "" && !f.Role.Valid() {
		v.Add("role", "invalid_enum", "is not a role")
	}
	if f.Status != "" {
		v.OneOf("status", f.Status, UserActive, UserDisabled)
	}
	v.Text("q", f.Query, 200)
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	q := db.NewQuery(`SELECT ` + userColumns + ` FROM users u WHERE `)
	q.Add(VisibleOrgs(a, "u.org_id", q))
	if f.OrgID != "" {
		q.Add(" AND u.org_id = " + q.Arg(f.OrgID))
	}
	if f.Role != "" {
		q.Add(" AND u.role = " + q.Arg(f.Role))
	}
	if f.Status != "" {
		q.Add(" AND u.status = " + q.Arg(f.Status))
	}
	if f.Query != "" {
		like := q.Arg("%" + strings.ToLower(f.Query) + "%")
		q.Add(" AND (lower(u.name) LIKE " + like + " OR u.email LIKE " + like + ")")
	}
	rows, next, err := page.List(ctx, s.db, q, "u.id", page.Ascending, f.Page, scanUser, func(u User) string { return u.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	return rows, next, nil
}

// UpdateUserInput changes a user; nil fields are left alone.
type UpdateUserInput struct {
	Name   *string
	Email  *string
	Role   *Role
	Status *string
	// CurrentPassword is required when users change their own email: the
	// address is where the account is recovered, so a borrowed session
	// must not be enough to take it.
	CurrentPassword *string
}

// UpdateUser changes a user the caller may manage (or the caller itself:
// name, and email given the current password; never under impersonation).
// Disabling a user revokes its sessions and API keys.
func (s *Service) UpdateUser(ctx context.Context, id string, in UpdateUserInput) (User, error) {
	a, err := Writer(ctx)
	if err != nil {
		return User{}, err
	}
	if err := validate.CheckID("id", ids.User, id); err != nil {
		return User{}, err
	}
	v := validate.New()
	if in.Name != nil {
		*in.Name = v.Name("name", *in.Name, 200)
	}
	if in.Email != nil {
		*in.Email = v.Email("email", *in.Email)
	}
	if in.Role != nil && !in.Role.Valid() {
		v.Add("role", "invalid_enum", "is not a role")
	}
	if in.Status != nil {
		v.OneOf("status", *in.Status, UserActive, UserDisabled)
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	var out User
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, org, err := s.manageableUser(ctx, a, id)
		if err != nil {
			return err
		}
		out = before
		if in.Name != nil {
			out.Name = *in.Name
		}
		if in.Email != nil && *in.Email != before.Email {
			if before.ID == a.UserID {
				if err := s.checkOwnPassword(ctx, a, before.ID, in.CurrentPassword, "change the user's email"); err != nil {
					return err
				}
			}
			out.Email = *in.Email
		}
		if in.Role != nil && *in.Role != before.Role {
			if before.ID == a.UserID {
				return errs.Forbidden("own_role", "you cannot change your own role")
			}
			if err := checkRoleGrant(a, org, *in.Role); err != nil {
				return err
			}
			out.Role = *in.Role
		}
		if in.Status != nil && *in.Status != before.Status {
			if before.ID == a.UserID {
				return errs.Forbidden("own_status", "you cannot disable yourself")
			}
			out.Status = *in.Status
		}
		changes := audit.Diff(before, out)
		if len(changes) == 0 {
			return nil
		}
		out.UpdatedAt = s.db.Now(ctx)
		_, err = s.db.Exec(ctx, `UPDATE users SET name = $2, email = $3, role = $4, status = $5, updated_at = $6 WHERE id = $1`,
			out.ID, out.Name, out.Email, out.Role, out.Status, out.UpdatedAt)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("email_taken", "a user with this email already exists").WithCause(err)
		}
		if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if out.Status == UserDisabled || out.Role != before.Role {
			// A disabled user, or one whose powers changed, signs in again.
			if err := s.revokeCredentials(ctx, `user_id = $1`, out.ID); err != nil {
				return err
			}
		}
		return s.rec.Record(ctx, "user.update", "user", out.ID, out.OrgID, changes, "user.updated", out)
	})
	return out, err
}

// DisableUser disables a user (users are never deleted: the audit log and
// orders keep pointing at them).
func (s *Service) DisableUser(ctx context.Context, id string) (User, error) {
	st := UserDisabled
	return s.UpdateUser(ctx, id, UpdateUserInput{Status: &st})
}

// SetPasswordInput changes a password. CurrentPassword is required when
// users change their own.
type SetPasswordInput struct {
	CurrentPassword string
	NewPassword     string
}

// SetPassword changes a user's password: users change their own by giving
// the current one; those who may manage a user set it directly. Every other
// session of the user is revoked (API keys stay: they belong to
// integrations and are revoked on their own).
func (s *Service) SetPassword(ctx context.Context, id string, in SetPasswordInput) error {
	a, err := Writer(ctx)
	if err != nil {
		return err
	}
	if err := validate.CheckID("id", ids.User, id); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		u, _, err := s.manageableUser(ctx, a, id)
		if err != nil {
			return err
		}
		v := validate.New()
		if u.ID == a.UserID {
			err := s.checkOwnPassword(ctx, a, u.ID, &in.CurrentPassword, "change the user's password")
			if e, ok := errs.As(err); ok && e.Kind == errs.KindInvalid {
				v.Add("current_password", e.Fields[0].Code, e.Fields[0].Message)
			} else if err != nil {
				return err
			}
		}
		if msg := checkPassword(in.NewPassword, u.Email, u.Name); msg != "" {
			v.Add("new_password", "weak_password", msg)
		}
		if err := v.Err(); err != nil {
			return err
		}
		hash, err := hashPassword(in.NewPassword, s.cfg.Hash)
		if err != nil {
			return err
		}
		now := s.db.Now(ctx)
		if _, err := s.db.Exec(ctx, `UPDATE users SET password_hash = $2, password_changed_at = $3, updated_at = $3 WHERE id = $1`, u.ID, hash, now); err != nil {
			return err
		}
		// Sign out everywhere else; keep the session making the change.
		if _, err := s.db.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND id <> $3`, u.ID, now, a.SessionID); err != nil {
			return err
		}
		if err := s.revokeOrphans(ctx); err != nil {
			return err
		}
		return s.rec.Record(ctx, "user.set_password", "user", u.ID, u.OrgID, map[string]audit.Change{"password": {From: "***", To: "***"}},
			"user.password_changed", map[string]string{"user_id": u.ID})
	})
}

// checkOwnPassword confirms a change users make to their own account with
// their current password (pw): impersonation_forbidden under
// impersonation (what names the change), a validation error on
// current_password when it is missing or wrong.
func (s *Service) checkOwnPassword(ctx context.Context, a actor.Actor, userID string, pw *string, what string) error {
	if a.Impersonated() {
		return errs.Forbidden("impersonation_forbidden", "an impersonator cannot "+what)
	}
	if pw == nil || *pw == "" {
		return errs.Invalid("validation_failed", "current_password: is required",
			errs.Field("current_password", "required", "is required to change your email or password"))
	}
	var hash string
	if err := s.db.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&hash); err != nil {
		return fmt.Errorf("password hash: %w", err)
	}
	if len(*pw) > 1024 || !verifyPassword(hash, *pw) {
		return errs.Invalid("validation_failed", "current_password: is not your current password",
			errs.Field("current_password", "wrong_password", "is not your current password"))
	}
	return nil
}
