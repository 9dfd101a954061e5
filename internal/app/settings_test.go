package app_test

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// The settings resource: anyone signed in reads it, only a super admin
// changes it, bad values are a 422 naming each field and change nothing.
func TestSubscriptionSettingsAPI(t *testing.T) {
	t.Parallel()
	en := newEnv(t, db.SQLite)
	var got struct {
		PaymentDays  int   `json:"payment_days"`
		GraceDays    int   `json:"grace_days"`
		ReminderDays []int `json:"reminder_days"`
	}
	mustJSON(t, en.as("customer_a1", "GET", "/api/v1/settings/subscriptions", nil), &got)
	if got.PaymentDays != 15 || got.GraceDays != 15 || len(got.ReminderDays) != 7 {
		t.Fatalf("defaults: %+v", got)
	}
	wantProblem(t, en.do("GET", "/api/v1/settings/subscriptions", "", nil), 401, "unauthenticated")
	wantProblem(t, en.as("admin", "PATCH", "/api/v1/settings/subscriptions", map[string]int{"grace_days": 3}), 403, "permission_denied")
	p := wantProblem(t, en.as("super_admin", "PATCH", "/api/v1/settings/subscriptions", map[string]any{"grace_days": 3, "payment_days": 0}), 422, "validation_failed")
	if fields, _ := p["errors"].([]any); len(fields) != 1 || !fieldNamed(p, "payment_days") {
		t.Fatalf("field errors: %v", p["errors"])
	}
	mustJSON(t, en.as("super_admin", "GET", "/api/v1/settings/subscriptions", nil), &got)
	if got.GraceDays != 15 {
		t.Fatalf("changed by a refused update: %+v", got)
	}
	mustJSON(t, en.as("super_admin", "PATCH", "/api/v1/settings/subscriptions", map[string]any{"grace_days": 3, "reminder_days": []int{1, 7}}), &got)
	if got.GraceDays != 3 || len(got.ReminderDays) != 2 || got.ReminderDays[0] != 7 {
		t.Fatalf("updated: %+v", got)
	}
}
