package catalog

import (
	"context"
	"encoding/json"
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
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
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

const profileColumns = `v.org_id, v.status, v.website, v.description, v.reason, v.submitted_at, v.reviewed_at, v.reviewed_by`

// scanProfile reads a vendor's onboarding profile (profileColumns); the
// organization's name, e-mail and country come from identity (withOrg).
func scanProfile(s db.Scanner) (Vendor, error) {
	var v Vendor
	err := s.Scan(&v.OrgID, &v.Status, &v.Website, &v.Description, &v.Reason, &v.SubmittedAt, &v.ReviewedAt, &v.ReviewedBy)
	return v, err
}

// withOrg completes v with its organization's name and contacts.
func withOrg(v Vendor, o identity.Organization) Vendor {
	v.Name, v.Email, v.Country = o.Name, o.Email, o.Country
	return v
}

// vendor loads vendor orgID. A vendor organization whose set-up has not
// been handled yet (no profile: created by an administrator a moment ago)
// is approved since its creation, as its set-up will record.
func (s *Service) vendor(ctx context.Context, orgID string) (Vendor, error) {
	o, found, err := s.identity.Org(ctx, orgID)
	if err != nil {
		return Vendor{}, err
	}
	if !found || o.Kind != identity.VendorOrg {
		return Vendor{}, errVendorNotFound
	}
	v, err := db.Get(ctx, s.db, scanProfile, `SELECT `+profileColumns+` FROM vendor_profiles v WHERE v.org_id = $1`, orgID)
	if errors.Is(err, db.ErrNoRows) {
		v, err = Vendor{OrgID: o.ID, Status: VendorApproved, SubmittedAt: o.CreatedAt}, nil
	}
	return withOrg(v, o), err
}

// onOrganizationCreated gives a new vendor organization its profile:
// approved, since an administrator created it (a vendor registering itself
// stores its pending profile with its organization, which this leaves).
func (s *Service) onOrganizationCreated(ctx context.Context, ev outbox.Event) error {
	var o identity.Organization
	if err := json.Unmarshal(ev.Data, &o); err != nil {
		return fmt.Errorf("organization.created %s: %w", ev.ID, err)
	}
	if o.Kind != identity.VendorOrg {
		return nil
	}
	_, err := s.db.Exec(ctx, `INSERT INTO vendor_profiles (org_id, status, submitted_at, updated_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (org_id) DO NOTHING`, o.ID, VendorApproved, o.CreatedAt)
	return err
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
		return s.rec.Created(actx, "vendor.register", "vendor", org.ID, org.ID, out, "vendor.registered")
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
	v, err := s.vendor(ctx, orgID)
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
	q := db.NewQuery(`SELECT ` + profileColumns + ` FROM vendor_profiles v WHERE `)
	switch {
	case identity.IsStaff(a) && f.Status != "":
		q.Add("v.status = " + q.Arg(f.Status))
	case identity.IsStaff(a):
		q.Add("1 = 1")
	case a.OrgKind == string(identity.VendorOrg):
		q.Add("(v.status = 'approved' OR v.org_id = " + q.Arg(a.OrgID) + ")")
	default:
		q.Add("v.status = 'approved'")
	}
	profiles, next, err := page.List(ctx, s.db, q, "v.org_id", page.Ascending, f.Page, scanProfile, func(v Vendor) string { return v.OrgID })
	if err != nil {
		return nil, "", fmt.Errorf("list vendors: %w", err)
	}
	rows, err := s.withOrgs(ctx, profiles)
	if err != nil {
		return nil, "", err
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

// withOrgs completes profiles with their organizations, leaving out the
// archived ones.
func (s *Service) withOrgs(ctx context.Context, profiles []Vendor) ([]Vendor, error) {
	ids := make([]string, len(profiles))
	for i, v := range profiles {
		ids[i] = v.OrgID
	}
	orgs, err := s.identity.Orgs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Vendor, 0, len(profiles))
	for _, v := range profiles {
		if o, ok := orgs[v.OrgID]; ok && o.Status == identity.StatusActive {
			out = append(out, withOrg(v, o))
		}
	}
	return out, nil
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
		before, err := s.vendor(ctx, orgID)
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
