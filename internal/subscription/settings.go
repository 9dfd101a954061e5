package subscription

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// settingsKey is the row of the settings table that holds the marketplace's
// order and lifecycle settings.
const settingsKey = "subscription.settings"

// Settings are the marketplace's order and lifecycle rules. The operator
// changes them at run time (UpdateSettings); Config gives the defaults of
// a marketplace that never did.
type Settings struct {
	// PaymentDays is how long a new subscription waits for its first
	// payment before its payment expires.
	PaymentDays int `json:"payment_days"`
	// GraceDays is how long a subscription stays suspended (stopped, data
	// kept) after it expired unpaid or its payment expired, before it is
	// destroyed.
	GraceDays int `json:"grace_days"`
	// ReminderDays are the days before expiry a subscription without
	// auto-renew reminds its customer.
	ReminderDays []int `json:"reminder_days"`
	// AutoApprovePush approves orders a reseller or distributor places on a
	// customer's behalf even when the product asks for approval.
	AutoApprovePush bool `json:"auto_approve_push"`
	// AutoRenewalOnly runs the marketplace with automatic renewal only:
	// customers do not choose an order duration (it is the plan's minimum).
	AutoRenewalOnly bool `json:"auto_renewal_only"`
	// UpdatedAt is when the operator last changed them (absent: defaults).
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Config is the default Settings.
type Config = Settings

// DefaultConfig is the production default.
var DefaultConfig = Config{PaymentDays: 15, GraceDays: 15, ReminderDays: []int{14, 10, 7, 4, 3, 2, 1}, AutoApprovePush: true}

// Limits of the settings.
const (
	MaxPaymentDays  = 90
	MaxGraceDays    = 365
	MaxReminderDays = 90
	MaxReminders    = 10
)

// SettingsInput changes some settings; nil fields keep theirs.
type SettingsInput struct {
	PaymentDays     *int
	GraceDays       *int
	ReminderDays    *[]int
	AutoApprovePush *bool
	AutoRenewalOnly *bool
}

// settings reads the current settings (the defaults until the operator
// changes them).
func (s *Service) settings(ctx context.Context) (Settings, error) {
	return memo.Get(ctx, "subscription.settings", func() (Settings, error) { return s.loadSettings(ctx) })
}

// loadSettings reads what settings answers.
func (s *Service) loadSettings(ctx context.Context) (Settings, error) {
	out := s.cfg
	out.ReminderDays = slices.Clone(s.cfg.ReminderDays)
	at, err := s.db.LoadSetting(ctx, settingsKey, &out)
	out.UpdatedAt = at
	return out, err
}

// Settings returns the marketplace's order and lifecycle settings. Anyone
// signed in may read them: a storefront needs to know whether buyers
// choose a duration.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	if _, err := identity.Caller(ctx); err != nil {
		return Settings{}, err
	}
	return s.settings(ctx)
}

// UpdateSettings changes the settings (platform configuration: super admins).
// A change applies to whatever was not yet promised: every live
// subscription's next due date is looked at again by the lifecycle job, so
// a new payment period and new reminder days reach subscriptions already
// waiting, while a grace period already granted (announced with the
// suspension) keeps its end.
//
// Errors: validation_failed (payment_days 1..90, grace_days 0..365,
// reminder_days at most 10 distinct days in 1..90), permission_denied.
func (s *Service) UpdateSettings(ctx context.Context, in SettingsInput) (Settings, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Settings{}, err
	}
	if !identity.IsStaff(a) || !identity.May(a, identity.PlatformConfiguration) {
		return Settings{}, errs.Forbidden("permission_denied", "only a super admin changes the platform settings")
	}
	v := validate.New()
	if in.PaymentDays != nil {
		v.Check(*in.PaymentDays >= 1 && *in.PaymentDays <= MaxPaymentDays, "payment_days", "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxPaymentDays))
	}
	if in.GraceDays != nil {
		v.Check(*in.GraceDays >= 0 && *in.GraceDays <= MaxGraceDays, "grace_days", "out_of_range", fmt.Sprintf("must be between 0 and %d", MaxGraceDays))
	}
	if in.ReminderDays != nil {
		ds := *in.ReminderDays
		v.Check(len(ds) <= MaxReminders, "reminder_days", "too_many", fmt.Sprintf("at most %d reminders", MaxReminders))
		seen := map[int]bool{}
		for i, d := range ds {
			f := "reminder_days[" + strconv.Itoa(i) + "]"
			v.Check(d >= 1 && d <= MaxReminderDays, f, "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxReminderDays))
			v.Check(!seen[d], f, "duplicate", "each day once")
			seen[d] = true
		}
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
		changes := map[string]audit.Change{}
		if in.PaymentDays != nil && *in.PaymentDays != before.PaymentDays {
			after.PaymentDays, changes["payment_days"] = *in.PaymentDays, audit.Change{From: before.PaymentDays, To: *in.PaymentDays}
		}
		if in.GraceDays != nil && *in.GraceDays != before.GraceDays {
			after.GraceDays, changes["grace_days"] = *in.GraceDays, audit.Change{From: before.GraceDays, To: *in.GraceDays}
		}
		if in.ReminderDays != nil {
			ds := slices.Sorted(slices.Values(*in.ReminderDays))
			slices.Reverse(ds)
			if !slices.Equal(ds, before.ReminderDays) {
				after.ReminderDays, changes["reminder_days"] = ds, audit.Change{From: before.ReminderDays, To: ds}
			}
		}
		if in.AutoApprovePush != nil && *in.AutoApprovePush != before.AutoApprovePush {
			after.AutoApprovePush, changes["auto_approve_push"] = *in.AutoApprovePush, audit.Change{From: before.AutoApprovePush, To: *in.AutoApprovePush}
		}
		if in.AutoRenewalOnly != nil && *in.AutoRenewalOnly != before.AutoRenewalOnly {
			after.AutoRenewalOnly, changes["auto_renewal_only"] = *in.AutoRenewalOnly, audit.Change{From: before.AutoRenewalOnly, To: *in.AutoRenewalOnly}
		}
		if len(changes) == 0 {
			out = before
			return nil
		}
		after.UpdatedAt = nil
		now, err := s.db.SaveSetting(ctx, settingsKey, after)
		if err != nil {
			return err
		}
		// Deadlines already scheduled were computed with the old values:
		// make every live subscription due so the lifecycle job recomputes
		// (or performs) its next action.
		if _, err := s.db.Exec(ctx, `UPDATE subscriptions SET next_action_at = $1 WHERE next_action_at > $1`, now); err != nil {
			return err
		}
		after.UpdatedAt = &now
		out = after
		return s.rec.Record(ctx, "subscription_settings.updated", "settings", settingsKey, a.OrgID, changes, "", nil)
	})
	return out, err
}
