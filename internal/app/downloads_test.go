package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"mime"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// slipOf is a PDF-looking deposit slip of n bytes.
func slipOf(n int) []byte {
	return append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), n-9)...)
}

// The documented 5 MB deposit slip goes through the API (its endpoint takes
// bodies up to 7 MB, every other one 1 MB); a slip past that is a 413
// problem. Downloads name their file through mime.FormatMediaType, so a
// name with quotes or non-ASCII letters comes back whole, and say nosniff.
func TestDepositSlipsAndDownloads(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			sys := actor.With(context.Background(), actor.System)
			_, plans := catalogtest.Published(t, en.app.Catalog, en.world.Orgs["vendor_a"].ID, "Slips", catalog.PlanInput{
				Name: catalogtest.Ptr("Team"), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
				RecurringPrice: catalogtest.DP("50.00")})
			mustJSON(t, en.as("customer_direct", "POST", "/api/v1/orders", map[string]any{"plan_id": plans[0].ID}), &struct{}{})
			if _, err := en.app.Outbox.DeliverPending(sys); err != nil {
				t.Fatal(err)
			}
			if _, err := en.app.Billing.RunDue(sys); err != nil {
				t.Fatal(err)
			}
			var list struct {
				Data []struct{ ID string } `json:"data"`
			}
			mustJSON(t, en.as("customer_direct", "GET", "/api/v1/invoices", nil), &list)
			if len(list.Data) != 1 {
				t.Fatalf("invoices: %+v", list.Data)
			}
			pay := "/api/v1/invoices/" + list.Data[0].ID + "/payments"
			body := func(name string, slip []byte) map[string]any {
				return map[string]any{"reference": "BANK-4711", "received_on": "2026-01-01T00:00:00Z",
					"attachment": map[string]string{"name": name, "content": base64.StdEncoding.EncodeToString(slip)}}
			}
			// A 6 MB slip is refused as too large, and nothing is recorded;
			wantProblem(t, en.as("admin", "POST", pay, body("big.pdf", slipOf(6<<20))), 413, "")
			// every other endpoint still refuses a body over 1 MB;
			wantProblem(t, en.as("admin", "POST", "/api/v1/tax-rates", map[string]any{"country": "IT", "rate": "22",
				"name": strings.Repeat("x", 1<<20)}), 413, "")
			// a 4.5 MB slip is recorded.
			name := "Überweisung \"März\" 4711.pdf"
			slip := slipOf(9 << 19)
			var payment struct{ ID string }
			mustJSON(t, en.as("admin", "POST", pay, body(name, slip)), &payment)

			got := en.as("customer_direct", "GET", "/api/v1/payments/"+payment.ID+"/attachment", nil)
			if got.Status != 200 || !bytes.Equal(got.Body, slip) {
				t.Fatalf("attachment: %d, %d bytes", got.Status, len(got.Body))
			}
			_, params, err := mime.ParseMediaType(got.Header.Get("Content-Disposition"))
			if err != nil || params["filename"] != name {
				t.Fatalf("Content-Disposition %q: %v %q", got.Header.Get("Content-Disposition"), err, params["filename"])
			}
			for _, path := range []string{"/api/v1/payments/" + payment.ID + "/attachment", "/api/v1/invoices/" + list.Data[0].ID + "/pdf"} {
				if r := en.as("customer_direct", "GET", path, nil); r.Status != 200 || r.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Fatalf("%s: %d, X-Content-Type-Options %q", path, r.Status, r.Header.Get("X-Content-Type-Options"))
				}
			}
		})
	}
}
