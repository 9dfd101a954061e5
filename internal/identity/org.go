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

// Organization is a party of the marketplace: the operator, a vendor, a
// distributor, a reseller or a customer. Its place in the channel (its
// parent) is fixed at creation.
type Organization struct {
	ID       string  `json:"id"`
	Kind     OrgKind `json:"kind"`
	ParentID string  `json:"parent_id,omitempty"`
	Name     string  `json:"name"`
	Email    string  `json:"email"`
	Country  string  `json:"country"`
	TaxID    string  `json:"tax_id"`
	// Address is the postal address printed on invoices (lines separated
	// by newlines).
	Address   string    `json:"address"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Organization statuses.
const (
	StatusActive   = "active"
	StatusArchived = "archived"
)

const orgColumns = `id, kind, parent_id, name, email, country, tax_id, status, created_at, updated_at, address`

func scanOrg(s db.Scanner) (Organization, error) {
	var o Organization
	var parent *string
	err := s.Scan(&o.ID, &o.Kind, &parent, &o.Name, &o.Email, &o.Country, &o.TaxID, &o.Status, &o.CreatedAt, &o.UpdatedAt, &o.Address)
	if parent != nil {
		o.ParentID = *parent
	}
	return o, err
}

var errOrgNotFound = errs.NotFound("organization_not_found", "no such organization")

// CreateOrganizationInput creates an organization.
type CreateOrganizationInput struct {
	Kind OrgKind
	// ParentID defaults to the caller's organization for distributors and
	// resellers, and to the operator for staff.
	ParentID string
	Name     string
	Email    string
	Country  string
	TaxID    string
	Address  string
}

// CreateOrganization creates an organization under a parent the caller may
// manage. Staff with user management create any kind; distributors create
// resellers and customers in their channel; resellers create customers under
// themselves. The operator is created once, at bootstrap.
func (s *Service) CreateOrganization(ctx context.Context, in CreateOrganizationInput) (Organization, error) {
	a, err := Writer(ctx)
	if err != nil {
		return Organization{}, err
	}
	v := validate.New()
	v.OneOf("kind", string(in.Kind), string(VendorOrg), string(DistributorOrg), string(ResellerOrg), string(CustomerOrg))
	in.Name = v.Name("name", in.Name, 200)
	in.Email = v.OptionalEmail("email", in.Email)
	in.Country = v.Country("country", in.Country)
	in.TaxID = strings.TrimSpace(in.TaxID)
	v.Text("tax_id", in.TaxID, 64)
	in.Address = address(v, in.Address)
	if in.ParentID != "" {
		v.ID("parent_id", ids.Organization, in.ParentID)
	}
	if err := v.Err(); err != nil {
		return Organization{}, err
	}
	var out Organization
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if in.ParentID == "" {
			if Role(a.Role).Staff() || a.Kind == actor.KindSystem {
				op, err := s.operator(ctx)
				if err != nil {
					return err
				}
				in.ParentID = op.ID
			} else {
				in.ParentID = a.OrgID
			}
		}
		parent, err := s.visibleOrg(ctx, a, in.ParentID)
		if errs.Is(err, "organization_not_found") {
			return errs.Invalid("validation_failed", "parent_id: no such organization",
				errs.Field("parent_id", "not_found", "no such organization"))
		}
		if err != nil {
			return err
		}
		if !slices.Contains(ParentKinds(in.Kind), parent.Kind) {
			return errs.Invalid("validation_failed", fmt.Sprintf("a %s cannot sit under a %s", in.Kind, parent.Kind),
				errs.Field("parent_id", "invalid_parent", fmt.Sprintf("a %s cannot sit under a %s", in.Kind, parent.Kind)))
		}
		if parent.Status != StatusActive {
			return errs.FailedPrecondition("organization_archived", "the parent organization is archived")
		}
		if err := s.authorizeCreateOrg(a, in.Kind, parent); err != nil {
			return err
		}
		now := s.db.Now(ctx)
		out = Organization{ID: ids.New(ids.Organization), Kind: in.Kind, ParentID: parent.ID, Name: in.Name, Email: in.Email,
			Country: in.Country, TaxID: in.TaxID, Address: in.Address, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := s.insertOrg(ctx, out); err != nil {
			return err
		}
		return s.rec.Created(ctx, "organization.create", "organization", out.ID, out.ID, out, "organization.created")
	})
	return out, err
}

// authorizeCreateOrg applies who may create which kind where.
func (s *Service) authorizeCreateOrg(a actor.Actor, kind OrgKind, parent Organization) error {
	r := Role(a.Role)
	switch {
	case a.Kind == actor.KindSystem:
		return nil
	case r.Staff():
		if Can(r, UserManagement) {
			return nil
		}
	case r == Distributor && (kind == ResellerOrg || kind == CustomerOrg):
		return nil // parent is visible, so it is the distributor or one of its resellers
	case r == Reseller && kind == CustomerOrg && parent.ID == a.OrgID:
		return nil
	}
	return errs.Forbidden("permission_denied", fmt.Sprintf("you may not create a %s here", kind))
}

func (s *Service) insertOrg(ctx context.Context, o Organization) error {
	var parent any
	if o.ParentID != "" {
		parent = o.ParentID
	}
	_, err := s.db.Exec(ctx, `INSERT INTO organizations (`+orgColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		o.ID, o.Kind, parent, o.Name, o.Email, o.Country, o.TaxID, o.Status, o.CreatedAt, o.UpdatedAt, o.Address)
	if err != nil {
		return fmt.Errorf("insert organization: %w", err)
	}
	// The closure rows: itself at depth 0, then every ancestor of the parent.
	_, err = s.db.Exec(ctx, `INSERT INTO org_tree (ancestor_id, descendant_id, depth) VALUES ($1, $1, 0)`, o.ID)
	if err == nil && o.ParentID != "" {
		_, err = s.db.Exec(ctx, `INSERT INTO org_tree (ancestor_id, descendant_id, depth)
			SELECT ancestor_id, $1, depth + 1 FROM org_tree WHERE descendant_id = $2`, o.ID, o.ParentID)
	}
	if err != nil {
		return fmt.Errorf("insert organization tree: %w", err)
	}
	return nil
}

// operator returns the operator organization.
func (s *Service) operator(ctx context.Context) (Organization, error) {
	o, err := db.Get(ctx, s.db, scanOrg, `SELECT `+orgColumns+` FROM organizations WHERE kind = 'operator'`)
	if errors.Is(err, db.ErrNoRows) {
		return o, errs.FailedPrecondition("no_operator", "the marketplace has no operator organization yet")
	}
	return o, err
}

// visibleOrg loads organization id if a may see it, else reports it not found.
func (s *Service) visibleOrg(ctx context.Context, a actor.Actor, id string) (Organization, error) {
	if !ids.Valid(ids.Organization, id) {
		return Organization{}, errOrgNotFound
	}
	q := db.NewQuery(`SELECT `+orgColumns+` FROM organizations WHERE id = $1 AND `, id)
	q.Add(VisibleOrgs(a, "id", q))
	o, err := db.Get(ctx, s.db, scanOrg, q.SQL(), q.Args()...)
	if errors.Is(err, db.ErrNoRows) {
		return o, errOrgNotFound
	}
	return o, err
}

// GetOrganization returns an organization the caller may see.
func (s *Service) GetOrganization(ctx context.Context, id string) (Organization, error) {
	a, err := Caller(ctx)
	if err != nil {
		return Organization{}, err
	}
	if err := validate.CheckID("id", ids.Organization, id); err != nil {
		return Organization{}, err
	}
	return s.visibleOrg(ctx, a, id)
}

// OrganizationFilter narrows ListOrganizations.
type OrganizationFilter struct {
	Kind     OrgKind
	ParentID string
	Status   string
	// Query matches names and emails, case-insensitively.
	Query string
	Page  page.Request
}

// ListOrganizations lists the organizations the caller may see, oldest first.
func (s *Service) ListOrganizations(ctx context.Context, f OrganizationFilter) ([]Organization, string, error) {
	a, err := Caller(ctx)
	if err != nil {
		return nil, "", err
	}
	v := validate.New()
	if f.Kind != "" {
		v.OneOf("kind", string(f.Kind), kindStrings()...)
	}
	if f.Status != "" {
		v.OneOf("status", f.Status, StatusActive, StatusArchived)
	}
	if f.ParentID != "" {
		v.ID("parent_id", ids.Organization, f.ParentID)
	}
	v.Text("q", f.Query, 200)
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	q := db.NewQuery(`SELECT ` + orgColumns + ` FROM organizations WHERE `)
	q.Add(VisibleOrgs(a, "id", q))
	if f.Kind != "" {
		q.Add(" AND kind = " + q.Arg(f.Kind))
	}
	if f.ParentID != "" {
		q.Add(" AND parent_id = " + q.Arg(f.ParentID))
	}
	if f.Status != "" {
		q.Add(" AND status = " + q.Arg(f.Status))
	}
	if f.Query != "" {
		like := q.Arg("%" + strings.ToLower(f.Query) + "%")
		q.Add(" AND (lower(name) LIKE " + like + " OR lower(email) LIKE " + like + ")")
	}
	rows, next, err := page.List(ctx, s.db, q, "id", page.Ascending, f.Page, scanOrg, func(o Organization) string { return o.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list organizations: %w", err)
	}
	return rows, next, nil
}

func kindStrings() []string {
	out := make([]string, len(OrgKinds))
	for i, k := range OrgKinds {
		out[i] = string(k)
	}
	return out
}

// UpdateOrganizationInput changes an organization's profile; nil fields are
// left alone.
type UpdateOrganizationInput struct {
	Name    *string
	Email   *string
	Country *string
	TaxID   *string
	Address *string
}

// UpdateOrganization changes the profile of an organization the caller may
// manage.
func (s *Service) UpdateOrganization(ctx context.Context, id string, in UpdateOrganizationInput) (Organization, error) {
	a, err := Writer(ctx)
	if err != nil {
		return Organization{}, err
	}
	if err := validate.CheckID("id", ids.Organization, id); err != nil {
		return Organization{}, err
	}
	v := validate.New()
	if in.Name != nil {
		*in.Name = v.Name("name", *in.Name, 200)
	}
	if in.Email != nil {
		*in.Email = v.OptionalEmail("email", *in.Email)
	}
	if in.Country != nil {
		*in.Country = v.Country("country", *in.Country)
	}
	if in.TaxID != nil {
		*in.TaxID = strings.TrimSpace(*in.TaxID)
		v.Text("tax_id", *in.TaxID, 64)
	}
	if in.Address != nil {
		*in.Address = address(v, *in.Address)
	}
	if err := v.Err(); err != nil {
		return Organization{}, err
	}
	var out Organization
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.manageableOrg(ctx, a, id)
		if err != nil {
			return err
		}
		out = before
		if in.Name != nil {
			out.Name = *in.Name
		}
		if in.Email != nil {
			out.Email = *in.Email
		}
		if in.Country != nil {
			out.Country = *in.Country
		}
		if in.TaxID != nil {
			out.TaxID = *in.TaxID
		}
		if in.Address != nil {
			out.Address = *in.Address
		}
		changes := audit.Diff(before, out)
		if len(changes) == 0 {
			return nil
		}
		out.UpdatedAt = s.db.Now(ctx)
		_, err = s.db.Exec(ctx, `UPDATE organizations SET name = $2, email = $3, country = $4, tax_id = $5, address = $6, updated_at = $7 WHERE id = $1`,
			out.ID, out.Name, out.Email, out.Country, out.TaxID, out.Address, out.UpdatedAt)
		if err != nil {
			return fmt.Errorf("update organization: %w", err)
		}
		return s.rec.Record(ctx, "organization.update", "organization", out.ID, out.ID, changes, "organization.updated", out)
	})
	return out, err
}

// manageableOrg loads organization id for a change: not found when a may not
// see it, forbidden when a may see but not manage it.
func (s *Service) manageableOrg(ctx context.Context, a actor.Actor, id string) (Organization, error) {
	o, err := s.visibleOrg(ctx, a, id)
	if err != nil {
		return o, err
	}
	// Visible to a distributor or reseller means inside its subtree.
	if !canManageOrg(a, o, true) {
		return o, errs.Forbidden("permission_denied", "you may not change this organization")
	}
	return o, nil
}

// ArchiveOrganization archives an organization: its users can no longer sign
// in and their sessions and keys stop working. Its history stays. An
// organization with active organizations under it, the operator and the
// caller's own organization cannot be archived.
func (s *Service) ArchiveOrganization(ctx context.Context, id string) (Organization, error) {
	a, err := Writer(ctx)
	if err != nil {
		return Organization{}, err
	}
	if err := validate.CheckID("id", ids.Organization, id); err != nil {
		return Organization{}, err
	}
	var out Organization
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.manageableOrg(ctx, a, id)
		if err != nil {
			return err
		}
		switch {
		case before.Kind == Operator:
			return errs.FailedPrecondition("operator_not_archivable", "the operator organization cannot be archived")
		case before.ID == a.OrgID:
			return errs.FailedPrecondition("own_organization", "you cannot archive your own organization")
		case before.Status == StatusArchived:
			out = before
			return nil
		}
		var children int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM organizations WHERE parent_id = $1 AND status = 'active'`, id).Scan(&children); err != nil {
			return err
		}
		if children > 0 {
			return errs.FailedPrecondition("organization_has_children", fmt.Sprintf("archive the %d organizations under it first", children))
		}
		out = before
		out.Status = StatusArchived
		out.UpdatedAt = s.db.Now(ctx)
		if _, err := s.db.Exec(ctx, `UPDATE organizations SET status = $2, updated_at = $3 WHERE id = $1`, id, out.Status, out.UpdatedAt); err != nil {
			return err
		}
		if err := s.revokeCredentials(ctx, `user_id IN (SELECT id FROM users WHERE org_id = $1)`, id); err != nil {
			return err
		}
		return s.rec.Record(ctx, "organization.archive", "organization", id, id, audit.Diff(before, out), "organization.archived", out)
	})
	return out, err
}

// revokeCredentials revokes the sessions and API keys matching a condition
// on user_id bound to $1.
func (s *Service) revokeCredentials(ctx context.Context, cond string, arg any) error {
	now := s.db.Now(ctx)
	if _, err := s.db.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE revoked_at IS NULL AND `+cond, arg, now); err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	if err := s.revokeOrphans(ctx); err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE revoked_at IS NULL AND `+cond, arg, now); err != nil {
		return fmt.Errorf("revoke api keys: %w", err)
	}
	return nil
}

// address normalises a postal address: trimmed lines, at most 6 of them
// and 500 characters.
func address(v *validate.Collector, s string) string {
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	out := strings.Join(lines, "\n")
	v.Text("address", out, 500)
	if len(lines) > 6 {
		v.Add("address", "too_many_lines", "at most 6 lines")
	}
	return out
}
