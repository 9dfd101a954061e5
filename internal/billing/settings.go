package billing

import (
	"context"
	"errors"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

const settingsKey = "billing.settings"

// Settings are the marketplace's billing rules.
type Settings struct {
	// PaymentTermsDays is the time from an invoice's issue to its due date.
	PaymentTermsDays int `json:"payment_terms_days"`
	// PlatformFeePercent is the marketplace owner's fee on a vendor's
	// licence and usage revenue, unless the vendor has its own.
	PlatformFeePercent money.Decimal `json:"platform_fee_percent"`
	// AutoIssue issues invoices as a run makes them; without it they wait
	// as drafts until an administrator issues them.
	AutoIssue bool `json:"auto_issue"`
	// PaymentInstructions are printed on invoices with an amount due (bank
	// account, how to quote the reference).
	PaymentInstructions string `json:"payment_instructions"`
	// UpdatedAt is when they were last changed (absent: defaults).
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// DefaultSettings are the rules of a marketplace that never changed them.
var DefaultSettings = Settings{PaymentTermsDays: 15, PlatformFeePercent: money.DecimalFromInt(20), AutoIssue: true}

// SettingsInput changes some settings; nil fields keep theirs.
type SettingsInput struct {
	PaymentTermsDays    *int
	PlatformFeePercent  *money.Decimal
	AutoIssue           *bool
	PaymentInstructions *string
}

func (s *Service) settings(ctx context.Context) (Settings, error) {
	out := DefaultSettings
	at, err := s.db.LoadSetting(ctx, settingsKey, &out)
	out.UpdatedAt = at
	return out, err
}

// Settings returns the billing settings (anyone signed in).
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	if _, err := identity.Caller(ctx); err != nil {
		return Settings{}, err
	}
	return s.settings(ctx)
}

var hundred = money.DecimalFromInt(100)

func checkPercent(v *validate.Collector, field string, p money.Decimal) {
	if p.IsNegative() || p.Cmp(hundred) > 0 {
		v.Add(field, "out_of_range", "must be between 0 and 100")
	}
}

// UpdateSettings changes the billing settings (administrators with the
// wholesale pricing function). Errors: validation_failed
// (payment_terms_days 0..120, platform_fee_percent 0..100,
// payment_instructions at most 2000 characters), permission_denied.
func (s *Service) UpdateSettings(ctx context.Context, in SettingsInput) (Settings, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Settings{}, err
	}
	if err := identity.StaffMay(a, identity.WholesalePricing, "changing billing settings"); err != nil {
		return Settings{}, err
	}
	v := validate.New()
	if in.PaymentTermsDays != nil {
		v.Check(*in.PaymentTermsDays >= 0 && *in.PaymentTermsDays <= 120, "payment_terms_days", "out_of_range", "must be between 0 and 120")
	}
	if in.PlatformFeePercent != nil {
		checkPercent(v, "platform_fee_percent", *in.PlatformFeePercent)
	}
	if in.PaymentInstructions != nil {
		v.Text("payment_instructions", *in.PaymentInstructions, 2000)
	}
	if err := v.Err(); err != nil {
		return Settings{}, err
	}
	var out Settings
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.settings(ctx)
		if err != nil {
			return err
		}
		after := before
		if in.PaymentTermsDays != nil {
			after.PaymentTermsDays = *in.PaymentTermsDays
		}
		if in.PlatformFeePercent != nil {
			after.PlatformFeePercent = *in.PlatformFeePercent
		}
		if in.AutoIssue != nil {
			after.AutoIssue = *in.AutoIssue
		}
		if in.PaymentInstructions != nil {
			after.PaymentInstructions = *in.PaymentInstructions
		}
		before.UpdatedAt, after.UpdatedAt = nil, nil
		changes := audit.Diff(before, after)
		if len(changes) == 0 {
			out, err = s.settings(ctx)
			return err
		}
		now, err := s.db.SaveSetting(ctx, settingsKey, after)
		if err != nil {
			return err
		}
		after.UpdatedAt, out = &now, after
		return s.rec.Record(ctx, "billing_settings.updated", "settings", settingsKey, a.OrgID, changes, "", nil)
	})
	return out, err
}

// VendorFee is a vendor's platform fee.
type VendorFee struct {
	VendorOrgID string        `json:"vendor_org_id"`
	Percent     money.Decimal `json:"percent"`
	// Default is set when the vendor pays the marketplace's default fee.
	Default   bool       `json:"default"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// feePercent is the platform fee of a vendor.
func (s *Service) feePercent(ctx context.Context, set Settings, vendorID string) (money.Decimal, error) {
	var p money.Decimal
	err := s.db.QueryRow(ctx, `SELECT percent FROM vendor_fees WHERE vendor_org_id = $1`, vendorID).Scan(&p)
	if errors.Is(err, db.ErrNoRows) {
		return set.PlatformFeePercent, nil
	}
	return p, err
}

// GetVendorFee returns a vendor's platform fee (to the vendor itself and
// staff).
func (s *Service) GetVendorFee(ctx context.Context, vendorID string) (VendorFee, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return VendorFee{}, err
	}
	if err := validate.CheckID("id", ids.Organization, vendorID); err != nil {
		return VendorFee{}, err
	}
	if !identity.IsStaff(a) && a.OrgID != vendorID {
		return VendorFee{}, errs.NotFound("vendor_not_found", "no such vendor")
	}
	if err := s.checkVendor(ctx, vendorID); err != nil {
		return VendorFee{}, err
	}
	out := VendorFee{VendorOrgID: vendorID}
	err = s.db.QueryRow(ctx, `SELECT percent, updated_at FROM vendor_fees WHERE vendor_org_id = $1`, vendorID).Scan(&out.Percent, &out.UpdatedAt)
	if errors.Is(err, db.ErrNoRows) {
		set, err := s.settings(ctx)
		out.Percent, out.Default = set.PlatformFeePercent, true
		return out, err
	}
	return out, err
}

func (s *Service) checkVendor(ctx context.Context, id string) error {
	o, found, err := s.identity.Org(ctx, id)
	if err == nil && (!found || o.Kind != identity.VendorOrg) {
		return errs.NotFound("vendor_not_found", "no such vendor")
	}
	return err
}

// SetVendorFee sets a vendor's own platform fee, or with nil gives it the
// default back (administrators with the wholesale pricing function).
func (s *Service) SetVendorFee(ctx context.Context, vendorID string, percent *money.Decimal) (VendorFee, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return VendorFee{}, err
	}
	if err := identity.StaffMay(a, identity.WholesalePricing, "setting platform fees"); err != nil {
		return VendorFee{}, err
	}
	v := validate.New()
	v.ID("id", ids.Organization, vendorID)
	if percent != nil {
		checkPercent(v, "percent", *percent)
	}
	if err := v.Err(); err != nil {
		return VendorFee{}, err
	}
	var out VendorFee
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkVendor(ctx, vendorID); err != nil {
			return err
		}
		before, err := s.GetVendorFee(ctx, vendorID)
		if err != nil {
			return err
		}
		now := s.db.Now(ctx)
		if percent == nil {
			_, err = s.db.Exec(ctx, `DELETE FROM vendor_fees WHERE vendor_org_id = $1`, vendorID)
		} else {
			_, err = s.db.Exec(ctx, `INSERT INTO vendor_fees (vendor_org_id, percent, updated_at) VALUES ($1, $2, $3)
				ON CONFLICT (vendor_org_id) DO UPDATE SET percent = excluded.percent, updated_at = excluded.updated_at`, vendorID, *percent, now)
		}
		if err != nil {
			return err
		}
		if out, err = s.GetVendorFee(ctx, vendorID); err != nil {
			return err
		}
		return s.rec.Record(ctx, "vendor_fee.updated", "organization", vendorID, vendorID,
			map[string]audit.Change{"platform_fee_percent": {From: before.Percent.String(), To: out.Percent.String()}}, "", nil)
	})
	return out, err
}
