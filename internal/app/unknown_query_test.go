package app_test

import (
	"net/http"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// A mistyped filter must not return everything: every operation refuses a
// query parameter it does not declare (422 unknown_field naming it), while
// its declared ones still work.
func TestUnknownQueryParametersAreRefused(t *testing.T) {
	t.Parallel()
	en := newEnv(t, db.SQLite)
	for _, c := range []struct{ who, path string }{
		{"customer_a1", "/api/v1/invoices?statuss=paid"},
		{"customer_a1", "/api/v1/orders?limit=5&sttus=paid"},
		{"customer_a1", "/api/v1/subscriptions?customer=org_x"},
		{"admin", "/api/v1/audit-events?actr=usr_x"},
		{"", "/api/v1/products?qq=clouddrive"},
		{"", "/api/v1/categories?x=1"},
	} {
		r := en.as(c.who, http.MethodGet, c.path, nil)
		p := wantProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
		if !problemHasField(p, "unknown_field") {
			t.Errorf("%s: no unknown_field error: %s", c.path, r.Body)
		}
	}
	for _, path := range []string{"/api/v1/invoices?status=paid&limit=5", "/api/v1/products?q=drive"} {
		if r := en.as("customer_a1", http.MethodGet, path, nil); r.Status != http.StatusOK {
			t.Errorf("%s: %d %s", path, r.Status, r.Body)
		}
	}
}

// problemHasField reports whether a problem lists a field error of code.
func problemHasField(p map[string]any, code string) bool {
	list, _ := p["errors"].([]any)
	for _, e := range list {
		if m, _ := e.(map[string]any); m["code"] == code {
			return true
		}
	}
	return false
}
