package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// TestOrderMoneyAgreesEverywhere: the checkout button, the confirmation,
// the order pages and the invoice say the same total, with tax, in one
// vocabulary (subtotal, tax, total, amount due), and a paid order shows
// nothing due (issue 15: "Place order · EUR 108.21", then "Order total EUR
// 88.70", then "Due EUR 88.70" on the paid order).
func TestOrderMoneyAgreesEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := storeCheckoutFixture(t, e)
	plan := s.mailPlans[0]
	tiered := plan.Extras[0].ID
	c := e.client()
	c.login("customer_direct")
	from := "/checkout?plan=" + plan.ID + "&coupon=SAVE10&quantities." + tiered + "=15"

	// 88.70 before tax, VAT IT 22 % 19.51: 108.21.
	res := c.get(from)
	wantText(t, res, "Subtotal EUR 88.70", "VAT IT 22 % (estimated) EUR 19.51", "Total due now EUR 108.21", "Place order · EUR 108.21")
	ref := regexp.MustCompile(`name="client_ref" value="([A-Za-z0-9]+)"`).FindStringSubmatch(res.Body)
	if ref == nil {
		t.Fatal("the order form carries no client reference")
	}
	res = c.postForm(from, "/checkout", url.Values{"plan": {plan.ID}, "quantities." + tiered: {"15"}, "periods": {"1"},
		"auto_renew": {"on"}, "coupon": {"SAVE10"}, "client_ref": {ref[1]}})
	wantStatus(t, res, http.StatusSeeOther)
	o := storeOrders(t, e, "customer_direct")[0]

	money := []string{"Subtotal EUR 88.70", "Tax (estimated) EUR 19.51", "Total EUR 108.21"}
	res = c.get("/checkout/orders/" + o.ID)
	wantText(t, res, append(money, "Amount due EUR 108.21")...)
	wantNoText(t, res, "Order total EUR 88.70")
	res = c.get("/my/orders/" + o.ID)
	wantText(t, res, append(money, "Amount due EUR 108.21")...)
	wantNoText(t, res, "before tax")
	res = c.get("/my/orders")
	wantText(t, res, "Total Amount due", "EUR 108.21 EUR 108.21")

	// The invoice says the same; once it is paid, nothing is due.
	e.deliver()
	invs, _, err := e.bill.ListInvoices(e.world.As(t, "customer_direct"), billing.InvoiceFilter{SubscriptionID: o.SubscriptionID,
		Page: page.Request{Limit: page.MaxLimit}})
	if err != nil || len(invs) != 1 || invs[0].Total.String() != "108.21" || invs[0].Tax.String() != "19.51" {
		t.Fatalf("invoices %+v, %v", invs, err)
	}
	if _, err := e.bill.RecordPayment(e.world.As(t, "admin"), invs[0].ID, billing.PaymentInput{Reference: "SLIP-1", ReceivedOn: e.d.Now(context.Background())}); err != nil {
		t.Fatal(err)
	}
	e.deliver() // invoice.paid pays the order
	res = c.get("/my/orders/" + o.ID)
	wantText(t, res, append(money, "Paid EUR 108.21")...)
	wantNoText(t, res, "Amount due", "Due EUR", "Payment due")
	res = c.get("/my/orders")
	wantText(t, res, "EUR 108.21 Paid")
	res = c.get("/checkout/orders/" + o.ID)
	wantText(t, res, append(money, "Paid EUR 108.21")...)
	wantNoText(t, res, "Amount due EUR 108.21")

	// The marketplace's staff read the same total in the orders list; the
	// vendor, who may not see the customer's price, reads none.
	admin := e.client()
	admin.login("admin")
	wantText(t, admin.get("/admin/orders"), "Total Amount due", "EUR 108.21 Paid")
	vendor := e.client()
	vendor.login("vendor_a")
	res = vendor.get("/vendor/orders")
	wantStatus(t, res, http.StatusOK)
	wantNoText(t, res, "EUR 108.21", "EUR 88.70", "Amount due")
}
