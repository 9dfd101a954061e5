package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// bills holds the billing objects of the foreign subscriptions, by order.
type bills struct {
	invoice, payment, vendorLine map[string]string
	taxRate                      string
}

func (b bills) fill(f *foreign, orderID, vendorOrgID, resellerOrgID string) {
	f.invoiceID, f.paymentID, f.vendorLineID, f.taxRateID = b.invoice[orderID], b.payment[orderID], b.vendorLine[orderID], b.taxRate
	f.vendorOrgID, f.resellerOrgID = vendorOrgID, resellerOrgID
}

// foreignBills invoices the foreign subscriptions, pays each invoice with a
// deposit slip and gives each subscription a vendor line.
func foreignBills(t *testing.T, en *env, subs map[string]subscription.Order) bills {
	t.Helper()
	sys := actor.With(context.Background(), actor.System)
	if _, err := en.app.Outbox.DeliverPending(sys); err != nil {
		t.Fatal(err)
	}
	if _, err := en.app.Billing.RunDue(sys); err != nil {
		t.Fatal(err)
	}
	out := bills{invoice: map[string]string{}, payment: map[string]string{}, vendorLine: map[string]string{}}
	rate, err := en.app.Billing.CreateTaxRate(en.world.As(t, "admin"), billing.TaxRateInput{Country: catalogtest.Ptr("IT"),
		Rate: catalogtest.DP("22"), Name: catalogtest.Ptr("VAT IT")})
	if err != nil {
		t.Fatal(err)
	}
	out.taxRate = rate.ID
	paid := map[string]string{}
	for _, o := range subs {
		invs, _, err := en.app.Billing.ListInvoices(sys, billing.InvoiceFilter{SubscriptionID: o.SubscriptionID})
		if err != nil || len(invs) != 1 {
			t.Fatalf("invoices of %s: %d %v", o.SubscriptionID, len(invs), err)
		}
		out.invoice[o.ID] = invs[0].ID
		// A customer's subscriptions share one invoice: paid once.
		if paid[invs[0].ID] == "" {
			p, err := en.app.Billing.RecordPayment(en.world.As(t, "admin"), invs[0].ID, billing.PaymentInput{Reference: "SLIP " + o.ID,
				ReceivedOn: en.app.DB.Now(sys), Attachment: []byte("%PDF-1.4 slip"), AttachmentName: "slip.pdf"})
			if err != nil {
				t.Fatal(err)
			}
			paid[invs[0].ID] = p.ID
			if _, err := en.app.Outbox.DeliverPending(sys); err != nil { // invoice.paid pays the orders
				t.Fatal(err)
			}
		}
		out.payment[o.ID] = paid[invs[0].ID]
		vl, err := en.app.Billing.AddVendorLine(actor.With(context.Background(), actor.System), o.SubscriptionID, billing.VendorLineInput{
			Description: "Premium support", Quantity: catalogtest.D("1"), UnitPrice: catalogtest.D("10"), Recurring: true})
		if err != nil {
			t.Fatal(err)
		}
		out.vendorLine[o.ID] = vl.ID
	}
	return out
}

func init() {
	inv := func(suffix string) func(f foreign) string {
		return func(f foreign) string { return "/api/v1/invoices/" + f.invoiceID + suffix }
	}
	path := func(p func(f foreign) string) func(method string, body any, also ...int) isolationCase {
		return func(method string, body any, also ...int) isolationCase {
			return func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
				return method, p(f), body, refused(f, also...)
			}
		}
	}
	on := func(p string) func(f foreign) string { return func(foreign) string { return "/api/v1" + p } }
	// The month the test clock starts in: the foreign bills fall in it.
	month := "?month=" + dbtest.DefaultStart.Format("2006-01")
	vendor := func(suffix string) func(f foreign) string {
		return func(f foreign) string { return "/api/v1/vendors/" + f.vendorOrgID + suffix }
	}
	reseller := func(suffix string) func(f foreign) string {
		return func(f foreign) string { return "/api/v1/organizations/" + f.resellerOrgID + suffix }
	}
	statement := func(suffix string) func(f foreign) string {
		return func(f foreign) string {
			return "/api/v1/organizations/" + f.orgID + suffix + "?from=2020-01-01T00:00:00Z&to=2040-01-01T00:00:00Z"
		}
	}
	sub := func(suffix string) func(f foreign) string {
		return func(f foreign) string { return "/api/v1/subscriptions/" + f.subID + suffix }
	}
	payment := map[string]any{"reference": "SLIP", "received_on": "2026-01-01T00:00:00Z", "amount": "1.00"}
	for id, c := range map[string]isolationCase{
		"list-invoices": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", "/api/v1/invoices?limit=200", nil, listedWithout(foreign{invoiceID: f.invoiceID})
		},
		"get-invoice":                path(inv(""))("GET", nil),
		"get-invoice-pdf":            path(inv("/pdf"))("GET", nil),
		"record-payment":             path(inv("/payments"))("POST", payment),
		"list-payments":              path(inv("/payments"))("GET", nil),
		"declare-invoice-paid":       path(inv("/declare-paid"))("POST", map[string]string{}),
		"create-credit-note":         path(inv("/credit-notes"))("POST", map[string]string{"reason": "hijack"}),
		"void-invoice":               path(inv("/void"))("POST", map[string]string{"reason": "hijack"}),
		"mark-invoice-uncollectible": path(inv("/uncollectible"))("POST", map[string]string{"reason": "hijack"}),
		"issue-invoice":              path(inv("/issue"))("POST", nil),
		"get-payment-attachment":     path(func(f foreign) string { return "/api/v1/payments/" + f.paymentID + "/attachment" })("GET", nil),
		"get-upcoming-invoice":       path(func(f foreign) string { return "/api/v1/customers/" + f.customerID + "/upcoming-invoice" })("GET", nil),
		"record-usage":               path(sub("/usage"))("PUT", map[string]string{"item": "api_calls", "quantity": "1"}),
		"list-usage":                 path(sub("/usage"))("GET", nil),
		"add-vendor-line":            path(sub("/vendor-lines"))("POST", map[string]any{"description": "Hijack", "quantity": "1", "unit_price": "1"}),
		"list-vendor-lines":          path(sub("/vendor-lines"))("GET", nil),
		"remove-vendor-line":         path(func(f foreign) string { return "/api/v1/vendor-lines/" + f.vendorLineID })("DELETE", nil),
		// Tax rates and billing settings are the marketplace's: anyone
		// signed in reads them; only administrators change them.
		"list-tax-rates": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", "/api/v1/tax-rates", nil, selfOnly(f)
		},
		"create-tax-rate": path(on("/tax-rates"))("POST", map[string]any{"country": "FR", "rate": "20", "name": "VAT FR"}),
		"update-tax-rate": path(func(f foreign) string { return "/api/v1/tax-rates/" + f.taxRateID })("PATCH", map[string]any{"rate": "99"}),
		"delete-tax-rate": path(func(f foreign) string { return "/api/v1/tax-rates/" + f.taxRateID })("DELETE", nil),
		"get-billing-settings": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", "/api/v1/settings/billing", nil, selfOnly(f)
		},
		"update-billing-settings": path(on("/settings/billing"))("PATCH", map[string]any{}),
		"get-vendor-fee":          path(vendor("/platform-fee"))("GET", nil),
		"set-vendor-fee":          path(vendor("/platform-fee"))("PUT", map[string]any{"percent": "1"}),
		"get-balance-report":      path(func(f foreign) string { return vendor("/balance-report")(f) + month })("GET", nil),
		"get-balance-report-csv":  path(func(f foreign) string { return vendor("/balance-report.csv")(f) + month })("GET", nil),
		"get-balance-report-pdf":  path(func(f foreign) string { return vendor("/balance-report.pdf")(f) + month })("GET", nil),
		"get-proceeds":            path(func(f foreign) string { return reseller("/proceeds")(f) + month })("GET", nil),
		"get-proceeds-csv":        path(func(f foreign) string { return reseller("/proceeds.csv")(f) + month })("GET", nil),
		"get-statement":           path(statement("/statement"))("GET", nil),
		"get-statement-csv":       path(statement("/statement.csv"))("GET", nil),
	} {
		isolationCases[id] = c
	}
	_ = http.StatusOK
}
