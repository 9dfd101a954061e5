package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Issue 15: the dashboard added invoice totals in unchecked int64, so a
// month beyond what an Amount holds wrapped to a negative revenue. It
// shows "amount too large" instead, and neither wraps nor answers 500.
func TestPanelsAdminDashboardAmountTooLarge(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	for _, p := range []string{"Drive", "Vault"} {
		f.invoiceOf(f.order(p).SubscriptionID)
	}
	// Two issued invoices of the month whose totals (and dues) add up
	// beyond int64, both overdue.
	if _, err := f.d.Exec(context.Background(), `UPDATE invoices SET total_minor = 6000000000000000000, overdue_at = issued_at
		WHERE kind = 'invoice' AND status = 'issued'`); err != nil {
		t.Fatal(err)
	}
	c := f.client()
	c.login("admin")
	res := c.get("/admin")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "2 overdue invoices amount too large due", "A month's amount is too large to chart", "Jan 2026 amount too large")
	if strings.Contains(res.Body, "EUR -") || strings.Contains(res.Body, "-EUR") {
		t.Fatalf("a sum wrapped below zero: %s", res.Body)
	}
}

// Issue 15: a subscription whose lifecycle step failed alone is listed on
// the dashboard with why, and staff retry it there.
func TestPanelsAdminFailedStepRetry(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	sub := f.order("Drive").SubscriptionID
	if _, err := f.d.Exec(context.Background(), `UPDATE subscriptions SET step_error = 'amount_overflow: levels[1].recurring is too large',
		step_failed_at = started_at, next_action_at = NULL WHERE id = $1`, sub); err != nil {
		t.Fatal(err)
	}
	c := f.client()
	c.login("admin")
	wantText(t, c.get("/admin"), "Subscriptions whose lifecycle step failed", sub, "levels[1].recurring is too large")
	res := c.postForm("/admin", "/admin/subscriptions/"+sub+"/retry-step", url.Values{})
	wantStatus(t, res, http.StatusSeeOther)
	if page := c.get("/admin"); strings.Contains(page.Body, "lifecycle step failed") {
		t.Fatal("the retried subscription is still listed")
	}
	if s := f.getSub(sub); s.NextActionAt == nil {
		t.Fatal("the retried subscription is not due again")
	}
	// A second retry is refused with the reason.
	wantStatus(t, c.postForm("/admin", "/admin/subscriptions/"+sub+"/retry-step", url.Values{}), http.StatusSeeOther)
	wantText(t, c.get("/admin"), "has no failed step")
}
