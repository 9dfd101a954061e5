package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// Issue 15: the dashboard added invoice totals in unchecked int64, so a
// month beyond what an Amount holds wrapped to a negative revenue. It
// shows "amount too large" instead, and neither wraps nor answers 500.
func TestPanelsAdminDashboardAmountTooLarge(t *testing.T) {
	t.Parallel()
	f := panelsSetup(t)
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
