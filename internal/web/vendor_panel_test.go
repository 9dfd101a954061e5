package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/subscription"
)

func TestPanelsRoleGuards(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	cust := f.client()
	cust.login("customer_direct")
	for _, p := range []string{"/vendor", "/vendor/orders", "/vendor/subscriptions", "/vendor/reports", "/vendor/reports/2026-01.csv",
		"/admin", "/admin/invoices", "/admin/tax-rates"} {
		wantStatus(t, cust.get(p), http.StatusForbidden)
	}
	// A vendor is no administrator, an administrator no vendor.
	vendor := f.client()
	vendor.login("vendor_a")
	wantStatus(t, vendor.get("/admin"), http.StatusForbidden)
	admin := f.client()
	admin.login("admin")
	wantStatus(t, admin.get("/vendor"), http.StatusForbidden)
	// Anonymous visitors are sent to sign in.
	wantRedirect(t, f.client().get("/vendor/orders"), "/login?next=%2Fvendor%2Forders")
}

func TestPanelsVendorOrders(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	mine := f.order("Drive Pro")
	other := f.order("Vault Pro")
	second := f.order("Drive Pro")

	c := f.client()
	c.login("vendor_a")
	res := c.get("/vendor")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "2 orders to approve", "Waiting for approval 2")
	if !strings.Contains(res.Body, `href="/vendor/products"`) {
		t.Error("the overview does not link the products")
	}

	res = c.get("/vendor/orders")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Waiting for your approval 2", "Drive Pro · Monthly", shortID(f.world.Orgs["customer_direct"].ID), "Approve order "+shortID(mine.ID))
	wantNoText(t, res, "Vault Pro", shortID(other.ID))

	// Another vendor's order is not found, and stays as it was.
	wantStatus(t, c.postForm("/vendor/orders", "/vendor/orders/"+other.ID+"/approve", url.Values{}), http.StatusNotFound)
	wantStatus(t, c.postForm("/vendor/orders", "/vendor/orders/"+other.ID+"/reject", url.Values{"reason": {"no"}}), http.StatusNotFound)
	if o := f.getOrder(other.ID); o.Status != subscription.OrderRequiresApproval {
		t.Fatalf("another vendor's order is %s", o.Status)
	}

	// Without the CSRF token nothing happens.
	wantStatus(t, c.post("/vendor/orders/"+mine.ID+"/approve", url.Values{}), http.StatusForbidden)
	if o := f.getOrder(mine.ID); o.Status != subscription.OrderRequiresApproval {
		t.Fatalf("approved without a CSRF token: %s", o.Status)
	}

	// Rejecting needs a reason, shown next to the field; nothing is stored.
	res = c.postForm("/vendor/orders", "/vendor/orders/"+mine.ID+"/reject", url.Values{"reason": {"  "}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Reason is required")
	if o := f.getOrder(mine.ID); o.Status != subscription.OrderRequiresApproval {
		t.Fatalf("rejected without a reason: %s", o.Status)
	}

	res = c.postForm("/vendor/orders", "/vendor/orders/"+mine.ID+"/reject", url.Values{"reason": {"We do not serve your region."}})
	wantRedirect(t, res, "/vendor/orders")
	o := f.getOrder(mine.ID)
	if o.Status != subscription.OrderRejected || o.Reason != "We do not serve your region." {
		t.Fatalf("rejected order: %s %q", o.Status, o.Reason)
	}
	if s := f.getSub(o.SubscriptionID); s.Status != subscription.StatusRejected || s.Provisioning != subscription.ProvUndeployed {
		t.Fatalf("rejected order's subscription: %s/%s", s.Status, s.Provisioning)
	}

	res = c.postForm("/vendor/orders", "/vendor/orders/"+second.ID+"/approve", url.Values{})
	wantRedirect(t, res, "/vendor/orders")
	if o := f.getOrder(second.ID); o.Status != subscription.OrderApproved {
		t.Fatalf("approved order: %s", o.Status)
	}
	res = c.get("/vendor/orders")
	wantText(t, res, "was approved", "No order is waiting for your approval.", "We do not serve your region.")

	// Deciding twice is refused with a message, not an error page.
	res = c.postForm("/vendor/orders", "/vendor/orders/"+second.ID+"/approve", url.Values{})
	wantRedirect(t, res, "/vendor/orders")
	wantText(t, c.get("/vendor/orders"), "The order is approved.")
}

func TestPanelsVendorSubscriptions(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	o := f.order("Drive")
	if _, err := f.bill.RecordPayment(f.as("admin"), f.invoiceOf(o.SubscriptionID).ID, panelPayment("SLIP-1")); err != nil {
		t.Fatal(err)
	}
	f.deliver()
	other := f.order("Vault")
	sub := o.SubscriptionID
	if s := f.getSub(sub); s.Provisioning != subscription.ProvPending {
		t.Fatalf("paid subscription is %s", s.Provisioning)
	}

	c := f.client()
	c.login("vendor_a")
	res := c.get("/vendor/subscriptions")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, shortID(sub), "Drive · Monthly", "Being set up")
	wantNoText(t, res, shortID(other.SubscriptionID), "Vault")
	wantStatus(t, c.get("/vendor/subscriptions/"+other.SubscriptionID), http.StatusNotFound)
	wantStatus(t, c.get("/vendor/subscriptions/not-an-id"), http.StatusNotFound)
	wantStatus(t, c.postForm("/vendor/subscriptions", "/vendor/subscriptions/"+other.SubscriptionID+"/failed", url.Values{}), http.StatusNotFound)

	page := "/vendor/subscriptions/" + sub
	res = c.get(page)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Report the service deployed", "Report provisioning failed", "waiting_payment → pending")

	// A bad URL is refused next to the endpoints; nothing changes.
	res = c.postForm(page, page+"/deployed", url.Values{"endpoints": {"Console | ftp://console.example.com"}, "instructions": {"Sign in."},
		"credentials": {"user = admin"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Endpoints: must be an absolute http(s) URL")
	if !strings.Contains(res.Body, "ftp://console.example.com</textarea>") {
		t.Error("the endpoints typed were not kept")
	}
	res = c.postForm(page, page+"/deployed", url.Values{"credentials": {"just a line"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Credentials: line 1 is not “name = value”")
	if s := f.getSub(sub); s.Provisioning != subscription.ProvPending || len(s.Endpoints) != 0 || len(s.Credentials) != 0 {
		t.Fatalf("changed despite the errors: %s %v %v", s.Provisioning, s.Endpoints, s.Credentials)
	}

	// Missing CSRF token: 403, nothing changes.
	wantStatus(t, c.post(page+"/deployed", url.Values{"endpoints": {"https://x.example.com"}}), http.StatusForbidden)

	res = c.postForm(page, page+"/deployed", url.Values{"endpoints": {"Console | https://console.example.com\r\nhttps://api.example.com/v1"},
		"instructions": {"Sign in with the credentials below."}, "credentials": {"user = admin\r\npassword: s3cret=1"}})
	wantRedirect(t, res, page)
	s := f.getSub(sub)
	if s.Provisioning != subscription.ProvDeployed || len(s.Endpoints) != 2 || s.Endpoints[0] != (subscription.Endpoint{Name: "Console", URL: "https://console.example.com"}) ||
		s.Endpoints[1] != (subscription.Endpoint{Name: "api.example.com", URL: "https://api.example.com/v1"}) ||
		s.Instructions != "Sign in with the credentials below." || s.Credentials["user"] != "admin" || s.Credentials["password"] != "s3cret=1" {
		t.Fatalf("deployed: %+v", s)
	}
	res = c.get(page)
	wantText(t, res, "reported deployed", "Update the access details", "https://console.example.com")

	res = c.postForm(page, page+"/failed", url.Values{})
	wantRedirect(t, res, page)
	if s := f.getSub(sub); s.Provisioning != subscription.ProvFailed {
		t.Fatalf("failed: %s", s.Provisioning)
	}
	wantText(t, c.get("/vendor/subscriptions?provisioning=failed"), shortID(sub))
	wantNoText(t, c.get("/vendor/subscriptions?provisioning=deployed"), shortID(sub))
	wantText(t, c.get("/vendor/subscriptions?status=active"), shortID(sub))
	wantText(t, c.get("/vendor"), "Setup failed 1")

	// Another vendor cannot report on it.
	b := f.client()
	b.login("vendor_b")
	wantStatus(t, b.get(page), http.StatusNotFound)
}

func TestPanelsVendorReports(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	o := f.order("Drive")
	if _, err := f.bill.RecordPayment(f.as("admin"), f.invoiceOf(o.SubscriptionID).ID, panelPayment("SLIP-2")); err != nil {
		t.Fatal(err)
	}
	f.deliver()
	rep, err := f.bill.VendorBalance(f.as("vendor_a"), f.world.Orgs["vendor_a"].ID, "2026-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Lines) != 1 || rep.Lines[0].LicenceRevenue.String() != "30.00" || rep.Lines[0].AmountDue.String() != "24.00" {
		t.Fatalf("report: %+v", rep.Lines)
	}

	c := f.client()
	c.login("vendor_a")
	res := c.get("/vendor/reports")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Balance of 2026-01", "Licence revenue EUR 30.00", "Platform fee − EUR 6.00", "Amount due to you EUR 24.00")
	if !strings.Contains(res.Body, `href="/vendor/reports/2026-01.csv"`) || !strings.Contains(res.Body, `href="/vendor/reports/2026-01.pdf"`) {
		t.Error("no download links")
	}
	wantText(t, c.get("/vendor"), "EUR 24.00 Amount due to you for 2026-01")

	csv := c.get("/vendor/reports/2026-01.csv")
	wantStatus(t, csv, http.StatusOK)
	if csv.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(csv.Header.Get("Content-Disposition"), "balance-2026-01.csv") {
		t.Errorf("csv headers: %v", csv.Header)
	}
	if csv.Body != string(rep.CSV()) {
		t.Fatalf("csv:\n%s\nwant:\n%s", csv.Body, rep.CSV())
	}
	if !strings.Contains(csv.Body, "vendor_a,2026-01,EUR,30.00,0.00,6.00,0.00,0.00,24.00") {
		t.Errorf("csv lacks the report's numbers:\n%s", csv.Body)
	}
	pdf := c.get("/vendor/reports/2026-01.pdf")
	wantStatus(t, pdf, http.StatusOK)
	if pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF") {
		t.Errorf("pdf: %v", pdf.Header)
	}

	// Another month is empty; a bad one is refused next to the picker.
	wantText(t, c.get("/vendor/reports?month=2025-12"), "Nothing was recorded for you in 2025-12.")
	res = c.get("/vendor/reports?month=December")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Month a month such as 2026-11")
	wantStatus(t, c.get("/vendor/reports/2026-01.xls"), http.StatusNotFound)

	// vendor_b sees its own (empty) balance, never vendor_a's.
	b := f.client()
	b.login("vendor_b")
	res = b.get("/vendor/reports/2026-01.csv")
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.Body, "30.00") || strings.Contains(res.Body, "vendor_a") {
		t.Fatalf("vendor_b sees vendor_a's report:\n%s", res.Body)
	}
}
