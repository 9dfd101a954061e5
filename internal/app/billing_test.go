package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// The billing API end to end: an order's invoice, a payment with its
// deposit slip, bad input answered with problem+json codes, the PDF, the
// reports as CSV and PDF.
func TestBillingAPI(t *testing.T) {
	t.Parallel()
	en := newEnv(t, db.SQLite)
	sys := actor.With(context.Background(), actor.System)
	_, plans := catalogtest.Published(t, en.app.Catalog, en.world.Orgs["vendor_a"].ID, "Cloud Drive", catalog.PlanInput{
		Name: catalogtest.Ptr("Team"), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
		RecurringPrice: catalogtest.DP("50.00")})
	var rate struct{ ID string }
	mustJSON(t, en.as("admin", "POST", "/api/v1/tax-rates", map[string]any{"country": "IT", "rate": "22", "name": "VAT IT"}), &rate)
	wantProblem(t, en.as("admin", "POST", "/api/v1/tax-rates", map[string]any{"country": "IT", "rate": "22", "name": "VAT IT"}), 409, "tax_rate_exists")
	p := wantProblem(t, en.as("admin", "POST", "/api/v1/tax-rates", map[string]any{"country": "FR", "rate": "120", "name": "VAT FR"}), 422, "validation_failed")
	if !fieldNamed(p, "rate") {
		t.Fatalf("tax rate out of range: %v", p)
	}
	wantProblem(t, en.as("reseller_a", "POST", "/api/v1/tax-rates", map[string]any{"country": "FR", "rate": "20", "name": "VAT FR"}), 403, "permission_denied")

	mustJSON(t, en.as("customer_direct", "POST", "/api/v1/orders", map[string]any{"plan_id": plans[0].ID}), &struct{}{})
	if _, err := en.app.Outbox.DeliverPending(sys); err != nil {
		t.Fatal(err)
	}
	if _, err := en.app.Billing.RunDue(sys); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Data []struct {
			ID, Number string
			Total      struct{ Amount string }
		} `json:"data"`
	}
	mustJSON(t, en.as("customer_direct", "GET", "/api/v1/invoices", nil), &list)
	if len(list.Data) != 1 || list.Data[0].Total.Amount != "61.00" {
		t.Fatalf("invoices: %+v", list.Data)
	}
	id := list.Data[0].ID
	pay := "/api/v1/invoices/" + id + "/payments"
	for _, c := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"amount": "-1.00", "reference": "X", "received_on": "2026-01-01T00:00:00Z"}, 422, "validation_failed"},
		{map[string]any{"amount": "61.01", "reference": "X", "received_on": "2026-01-01T00:00:00Z"}, 422, "overpayment"},
		{map[string]any{"amount": "10", "received_on": "2026-01-01T00:00:00Z"}, 422, "validation_failed"},
	} {
		wantProblem(t, en.as("admin", "POST", pay, c.body), c.status, c.code)
	}
	slip := []byte("%PDF-1.4\n% deposit slip 4711\n")
	var payment struct {
		ID             string `json:"id"`
		AttachmentType string `json:"attachment_type"`
	}
	mustJSON(t, en.as("admin", "POST", pay, map[string]any{"amount": "61.00", "reference": "BANK-4711", "received_on": "2026-01-01T00:00:00Z",
		"attachment": map[string]string{"name": "slip.pdf", "content": base64.StdEncoding.EncodeToString(slip)}}), &payment)
	if payment.AttachmentType != "application/pdf" {
		t.Fatalf("payment: %+v", payment)
	}
	wantProblem(t, en.as("admin", "POST", pay, map[string]any{"amount": "1.00", "reference": "X", "received_on": "2026-01-01T00:00:00Z"}), 409, "invoice_already_paid")
	got := en.as("customer_direct", "GET", "/api/v1/payments/"+payment.ID+"/attachment", nil)
	if got.Status != 200 || !bytes.Equal(got.Body, slip) || got.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("attachment: %d %s", got.Status, got.Header.Get("Content-Type"))
	}
	pdf := en.as("customer_direct", "GET", "/api/v1/invoices/"+id+"/pdf", nil)
	if pdf.Status != 200 || !bytes.HasPrefix(pdf.Body, []byte("%PDF")) || !strings.Contains(pdf.Header.Get("Content-Disposition"), "INV-") {
		t.Fatalf("pdf: %d %q", pdf.Status, pdf.Header.Get("Content-Disposition"))
	}
	wantProblem(t, en.as("customer_a1", "GET", "/api/v1/invoices/"+id+"/pdf", nil), 404, "invoice_not_found")

	month := en.clock.Now().Format("2006-01")
	vendor := "/api/v1/vendors/" + en.world.Orgs["vendor_a"].ID
	csv := en.as("vendor_a", "GET", vendor+"/balance-report.csv?month="+month, nil)
	if csv.Status != 200 || !strings.Contains(string(csv.Body), "EUR,50.00,0.00,10.00,0.00,0.00,40.00") {
		t.Fatalf("balance csv: %d %s", csv.Status, csv.Body)
	}
	rep := en.as("vendor_a", "GET", vendor+"/balance-report.pdf?month="+month, nil)
	if rep.Status != 200 || !bytes.HasPrefix(rep.Body, []byte("%PDF")) {
		t.Fatalf("balance pdf: %d", rep.Status)
	}
	wantProblem(t, en.as("vendor_a", "GET", vendor+"/balance-report?month=2026-13", nil), 422, "validation_failed")
	wantProblem(t, en.as("vendor_b", "GET", vendor+"/balance-report?month="+month, nil), 404, "organization_not_found")
}
