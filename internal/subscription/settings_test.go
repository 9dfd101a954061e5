package subscription_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/subscription"
)

func ptr[T any](v T) *T { return &v }

// Who reads and changes the settings, and what bad values are refused with
// nothing changed.
func TestSettingsAccessAndValidation(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		_, err := f.svc.Settings(context.Background())
		wantCode(t, err, "unauthenticated")
		got, err := f.svc.Settings(f.as("customer_a1"))
		if err != nil || got.PaymentDays != 15 || got.GraceDays != 15 || !slices.Equal(got.ReminderDays, []int{14, 10, 7, 4, 3, 2, 1}) ||
			!got.AutoApprovePush || got.AutoRenewalOnly || got.UpdatedAt != nil {
			t.Fatalf("defaults: %+v %v", got, err)
		}
		for _, who := range []string{"admin", "supervisor", "reseller_a", "vendor_a", "customer_a1"} {
			_, err := f.svc.UpdateSettings(f.as(who), subscription.SettingsInput{GraceDays: ptr(3)})
			wantCode(t, err, "permission_denied")
		}
		bad := []struct {
			in   subscription.SettingsInput
			code string
		}{
			{subscription.SettingsInput{PaymentDays: ptr(0)}, "out_of_range"},
			{subscription.SettingsInput{PaymentDays: ptr(91)}, "out_of_range"},
			{subscription.SettingsInput{GraceDays: ptr(-1)}, "out_of_range"},
			{subscription.SettingsInput{GraceDays: ptr(366)}, "out_of_range"},
			{subscription.SettingsInput{ReminderDays: &[]int{7, 7}}, "duplicate"},
			{subscription.SettingsInput{ReminderDays: &[]int{0}}, "out_of_range"},
			{subscription.SettingsInput{ReminderDays: &[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}, "too_many"},
		}
		for _, c := range bad {
			_, err := f.svc.UpdateSettings(f.as("super_admin"), c.in)
			wantCode(t, err, c.code)
		}
		if got, _ := f.svc.Settings(f.as("admin")); got.UpdatedAt != nil || got.GraceDays != 15 {
			t.Fatalf("changed by refused updates: %+v", got)
		}
		got, err = f.svc.UpdateSettings(f.as("super_admin"), subscription.SettingsInput{GraceDays: ptr(0), ReminderDays: &[]int{3, 10}})
		if err != nil || got.GraceDays != 0 || !slices.Equal(got.ReminderDays, []int{10, 3}) || got.PaymentDays != 15 || got.UpdatedAt == nil {
			t.Fatalf("updated: %+v %v", got, err)
		}
		if again, _ := f.svc.Settings(f.as("vendor_a")); again.GraceDays != 0 || !slices.Equal(again.ReminderDays, []int{10, 3}) {
			t.Fatalf("read back: %+v", again)
		}
	})
}

// The settings drive orders: push orders wait for approval when automatic
// approval is off; an automatic-renewal-only marketplace lets no one pick
// a duration or opt out of renewal.
func TestSettingsDriveOrders(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		push := subscription.PlaceOrderInput{PlanID: f.plans["Mail"].ID, CustomerOrgID: f.w.Orgs["customer_a1"].ID}
		if o := f.order("reseller_a", push); o.Status != subscription.OrderApproved {
			t.Fatalf("push order with automatic approval: %s", o.Status)
		}
		if _, err := f.svc.UpdateSettings(f.as("super_admin"), subscription.SettingsInput{AutoApprovePush: ptr(false), AutoRenewalOnly: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		push.CustomerOrgID = f.w.Orgs["customer_a2"].ID
		if o := f.order("reseller_a", push); o.Status != subscription.OrderRequiresApproval || o.AuditorOrgID != f.w.Orgs["reseller_a"].ID {
			t.Fatalf("push order without automatic approval: %s, auditor %s", o.Status, o.AuditorOrgID)
		}
		_, err := f.svc.PlaceOrder(f.as("customer_direct"), subscription.PlaceOrderInput{PlanID: f.plans["Yearly"].ID, Periods: 24})
		wantCode(t, err, "duration_not_selectable")
		_, err = f.svc.PlaceOrder(f.as("customer_direct"), subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID, AutoRenew: ptr(false)})
		wantCode(t, err, "auto_renewal_only")
		// The Manual plan does not renew by itself, but here everything does.
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Manual"].ID})
		if sub := f.sub(o.SubscriptionID); !sub.AutoRenew || o.Periods != 1 {
			t.Fatalf("automatic-renewal-only order: auto-renew %v, %d periods", sub.AutoRenew, o.Periods)
		}
	})
}

// A change reaches subscriptions already on their way where nothing was
// promised yet: a shorter payment period and new reminder days apply to
// them, while a grace period already granted is kept (the suspension
// announced its end) and the new length applies from the next one.
func TestSettingsReachRunningSubscriptions(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		unpaid := f.order("customer_a1", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		early := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Manual"].ID})
		f.pay(early.ID)
		f.deploy(early.SubscriptionID)
		f.advance(start.AddDate(0, 0, 1))
		if _, err := f.svc.UpdateSettings(f.as("super_admin"), subscription.SettingsInput{PaymentDays: ptr(3), ReminderDays: &[]int{5}}); err != nil {
			t.Fatal(err)
		}
		f.advance(start.AddDate(0, 0, 3).Add(time.Hour))
		if sub := f.sub(unpaid.SubscriptionID); sub.Provisioning != subscription.ProvPaymentExpired {
			t.Fatalf("unpaid three days with a three-day payment period: %s", sub.Provisioning)
		}
		f.advance(start.AddDate(0, 0, 5))
		late := f.order("customer_b1", subscription.PlaceOrderInput{PlanID: f.plans["Manual"].ID})
		f.pay(late.ID)
		f.deploy(late.SubscriptionID)

		expiry := start.AddDate(0, 1, 0)
		f.advance(expiry.Add(time.Hour))
		if n := f.events("subscription.expiry_reminder", early.SubscriptionID); n != 1 {
			t.Fatalf("%d reminders with one reminder day", n)
		}
		if sub := f.sub(early.SubscriptionID); sub.Status != subscription.StatusSuspended || !sub.GraceEnd.Equal(expiry.AddDate(0, 0, 15)) {
			t.Fatalf("suspended: %s until %v", sub.Status, sub.GraceEnd)
		}
		if _, err := f.svc.UpdateSettings(f.as("super_admin"), subscription.SettingsInput{GraceDays: ptr(2)}); err != nil {
			t.Fatal(err)
		}
		lateExpiry := start.AddDate(0, 0, 5).AddDate(0, 1, 0)
		f.advance(lateExpiry.AddDate(0, 0, 2).Add(time.Hour))
		if sub := f.sub(late.SubscriptionID); sub.Status != subscription.StatusExpired || sub.Provisioning != subscription.ProvUndeploySent {
			t.Fatalf("two days after expiry with a two-day grace: %s/%s", sub.Status, sub.Provisioning)
		}
		if sub := f.sub(early.SubscriptionID); sub.Status != subscription.StatusSuspended {
			t.Fatalf("the grace already granted was cut short: %s, grace end %v", sub.Status, sub.GraceEnd)
		}
	})
}
