package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// Vendor onboarding statuses. A vendor an administrator created directly is
// approved; one that registered itself waits for review.
const (
	VendorPending  = "pending"
	VendorApproved = "approved"
	VendorRejected = "rejected"
)

// Vendor is a vendor organization and its onboarding state.
type Vendor struct {
	OrgID       string     `json:"org_id"`
	Name        string     `json:"name"`
	Email       string     `json:"email"`
	Country     string     `json:"country"`
	Status      string     `json:"status"`
	Website     string     `json:"website"`
	Description string     `json:"description"`
	Reason      string     `json:"reason,omitempty"`
	SubmittedAt time.Time  `json:"submitted_at"`
	ReviewedAt  *time.Time `json:"reviewed_at,omitempty"`
	ReviewedBy  string     `json:"reviewed_by,omitempty"`
}

const vendorSelect = `SELECT o.id, o.name, o.email, o.country, coalesce(v.status, 'approved'), coalesce(v.website, ''),
	coalesce(v.description, ''), coalesce(v.reason, ''), v.submitted_at, o.created_at, v.reviewed_at, coalesce(v.reviewed_by, '')
	FROM organizations o LEFT JOIN vendor_profiles v ON v.org_id = o.id WHERE o.kind = 'vendor'`

// scanVendor reads a vendorSelect row. (Times are coalesced here, not in
// SQL: SQLite returns a coalesced timestamp as text.)
func scanVendor(s db.Scanner) (Vendor, error) {
	var v Vendor
	var submitted *time.Time
	var created time.Time
	err := s.Scan(&v.OrgID, &v.Name, &v.Email, &v.Country, &v.Status, &v.Website, &v.Description, &v.Reason, &submitted, &created, &v.ReviewedAt, &v.ReviewedBy)
	v.SubmittedAt = created
	if submitted != nil {
		v.SubmittedAt = *submitted
	}
	return v, err
}

var errVendorNotFound = errs.NotFound("vendor_not_found", "no such vendor")

// RegisterVendorInput is a vendor signing itself up.
type RegisterVendorInput struct {
	identity.RegisterInput
	Website     string
	Description string
}

// RegisterVendor signs a vendor up: its organization and first user are
// created at once (it can sign in and prepare products), and its
// onboarding waits for review by the operator's staff.
func (s *Service) RegisterVendor(ctx context.Context, in RegisterVendorInput) (Vendor, identity.User, error) {
	v := validate.New()
	in.Website = strings.TrimSpace(in.Website)
	checkURL(v, "website", in.Website)
	in.Description = strings.TrimSpace(in.Description)
	v.Text("description", in.Description, 2000)
	if err := v.Err(); err != nil {
		return Vendor{}, identity.User{}, err
	}
	in.Kind = identity.VendorOrg
	// Counted before the transaction: a sign-up refused inside it (a taken
	// e-mail) still counts against its source.
	signUp, err := s.identity.PrepareSignUp(ctx, in.RegisterInput)
	if err != nil {
		return Vendor{}, identity.User{}, err
	}
	var out Vendor
	var user identity.User
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		org, u, err := signUp.Create(ctx)
		if err != nil {
			return err
		}
		user = u
		now := s.db.Now(ctx)
		_, err = s.db.Exec(ctx, `INSERT INTO vendor_profiles (org_id, status, website, description, submitted_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
			org.ID, VendorPending, in.Website, in.Description, now)
		if err != nil {
			return fmt.Errorf("insert vendor profile: %w", err)
		}
		out = Vendor{OrgID: org.ID, Name: org.Name, Email: org.Email, Country: org.Country, Status: VendorPending,
			Website: in.Website, Description: in.Description, SubmittedAt: now}
		actx := actor.With(ctx, actor.Actor{Kind: actor.KindUser, UserID: u.ID, OrgID: org.ID, OrgKind: string(org.Kind), Role: string(u.Role)})
		return s.rec.Record(actx, "vendor.register", "vendor", org.ID, org.ID, audit.Diff(nil, out), "vendor.registered", out)
	})
	return out, user, err
}

// GetVendor returns a vendor the caller may see: staff see every vendor, a
// vendor sees itself, and approved vendors are public (buyers see who
// sells).
func (s *Service) GetVendor(ctx context.Context, orgID string) (Vendor, error) {
	if err := validate.CheckID("id", ids.Organization, orgID); err != nil {
		return Vendor{}, err
	}
	v, err := db.Get(ctx, s.db, scanVendor, vendorSelect+` AND o.id = $1`, orgID)
	if errors.Is(err, db.ErrNoRows) {
		return v, errVendorNotFound
	}
	if err != nil {
		return v, err
	}
	a := actor.From(ctx)
	if v.Status != VendorApproved && !identity.IsStaff(a) && a.OrgID != v.OrgID {
		return Vendor{}, errVendorNotFound
	}
	if !identity.IsStaff(a) && a.OrgID != v.OrgID {
		v.Reason, v.ReviewedBy = "", "" // review notes are between the vendor and the operator
	}
	return v, nil
}

// VendorFilter narrows ListVendors.
type VendorFilter struct {
	Status string
	Page   page.Request
}

// ListVendors lists vendors for review: staff see all (filter by status);
// anyone else sees approved vendors only.
func (s *Service) ListVendors(ctx context.Context, f VendorFilter) ([]Vendor, string, error) {
	v := validate.New()
	if f.Status != "" {
		v.OneOf("status", f.Status, VendorPending, VendorApproved, VendorRejected)
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	a := actor.From(ctx)
	q := db.NewQuery(vendorSelect + ` AND o.status = 'active'`)
	switch {
	case identity.IsStaff(a):
		if f.Status != "" {
			q.Add(" AND coalesce(v.status, 'approved') = " + q.Arg(f.Status))
		}
	case a.OrgKind == string(identity.VendorOrg):
		q.Add(" AND (coalesce(v.status, 'approved') = 'approved' OR o.id = " + q.Arg(a.OrgID) + ")")
	default:
		q.Add(" AND coalesce(v.status, 'approved') = 'approved'")
	}
	rows, next, err := page.List(ctx, s.db, q, "o.id", page.Ascending, f.Page, scanVendor, func(v Vendor) string { return v.OrgID })
	if err != nil {
		return nil, "", fmt.Errorf("list vendors: %w", err)
	}
	if !identity.IsStaff(a) {
		for i := range rows {
			if rows[i].OrgID != a.OrgID {
				rows[i].Reason, rows[i].ReviewedBy = "", ""
			}
		}
	}
	return rows, next, nil
}

// ApproveVendor approves a pending (or earlier rejected) vendor.
func (s *Service) ApproveVendor(ctx context.Context, orgID string) (Vendor, error) {
	return s.reviewVendor(ctx, orgID, VendorApproved, "")
}

// RejectVendor rejects a vendor with a reason it can read.
func (s *Service) RejectVendor(ctx context.Context, orgID, reason string) (Vendor, error) {
	return s.reviewVendor(ctx, orgID, VendorRejected, reason)
}

func (s *Service) reviewVendor(ctx context.Context, orgID, status, reason string) (Vendor, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Vendor{}, err
	}
	if !identity.May(a, identity.VendorReview) {
		return Vendor{}, errs.Forbidden("permission_denied", "reviewing vendors needs the vendor review function")
	}
	if err := validate.CheckID("id", ids.Organization, orgID); err != nil {
		return Vendor{}, err
	}
	reason = strings.TrimSpace(reason)
	if status == VendorRejected {
		v := validate.New()
		v.Name("reason", reason, 2000)
		if err := v.Err(); err != nil {
			return Vendor{}, err
		}
	}
	var out Vendor
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := db.Get(ctx, s.db, scanVendor, vendorSelect+` AND o.id = $1`, orgID)
		if errors.Is(err, db.ErrNoRows) {
			return errVendorNotFound
		}
		if err != nil {
			return err
		}
		if before.Status == status {
			return errs.FailedPrecondition("vendor_already_"+status, "the vendor is already "+status)
		}
		now := s.db.Now(ctx)
		out = before
		out.Status, out.Reason, out.ReviewedAt, out.ReviewedBy = status, reason, &now, a.UserID
		_, err = s.db.Exec(ctx, `INSERT INTO vendor_profiles (org_id, status, reason, submitted_at, reviewed_at, reviewed_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $5)
			ON CONFLICT (org_id) DO UPDATE SET status = excluded.status, reason = excluded.reason, reviewed_at = excluded.reviewed_at,
				reviewed_by = excluded.reviewed_by, updated_at = excluded.updated_at`,
			orgID, status, reason, before.SubmittedAt, now, a.UserID)
		if err != nil {
			return fmt.Errorf("review vendor: %w", err)
		}
		action := map[string]string{VendorApproved: "vendor.approve", VendorRejected: "vendor.reject"}[status]
		return s.rec.Record(ctx, action, "vendor", orgID, orgID, audit.Diff(before, out), "vendor."+status, out)
	})
	return out, err
}

// vendorApproved reports whether vendor orgID may publish products.
func (s *Service) vendorApproved(ctx context.Context, orgID string) (bool, error) {
	var status string
	err := s.db.QueryRow(ctx, `SELECT status FROM vendor_profiles WHERE org_id = $1`, orgID).Scan(&status)
	if errors.Is(err, db.ErrNoRows) {
		return true, nil // created by an administrator
	}
	return status == VendorApproved, err
}
