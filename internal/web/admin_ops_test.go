package web

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Staff see every vendor's orders and subscriptions on the vendor's pages
// under /admin, and approve orders there; vendors still see only theirs.
func TestPanelsAdminOrdersAndSubscriptions(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	drive := f.order("Drive")       // vendor_a
	pending := f.order("Vault Pro") // vendor_b, waiting for approval
	admin := f.client()
	admin.login("admin")

	res := admin.get("/admin/subscriptions")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, shortID(drive.SubscriptionID), "Drive", "Vault Pro")
	wantStatus(t, admin.get("/admin/subscriptions/"+drive.SubscriptionID), http.StatusOK)
	res = admin.get("/admin/orders")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, shortID(pending.ID))
	res = admin.postForm("/admin/orders", "/admin/orders/"+pending.ID+"/approve", url.Values{})
	wantStatus(t, res, http.StatusSeeOther)
	if o, err := f.subs.GetOrder(f.as("admin"), pending.ID); err != nil || o.Status == subscription.OrderRequiresApproval {
		t.Fatalf("after approval the order is %s (%v)", o.Status, err)
	}

	vendor := f.client()
	vendor.login("vendor_a")
	wantStatus(t, vendor.get("/admin/subscriptions"), http.StatusForbidden)
	res = vendor.get("/vendor/subscriptions")
	wantText(t, res, shortID(drive.SubscriptionID))
	wantNoText(t, res, "Vault Pro")
	wantStatus(t, vendor.get("/vendor/subscriptions/"+pending.SubscriptionID), http.StatusNotFound)
	cust := f.client()
	cust.login("customer_direct")
	wantStatus(t, cust.get("/admin/orders"), http.StatusForbidden)
}
