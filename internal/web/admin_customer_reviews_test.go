package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// reviewed gives customer_direct a paid subscription of a new product and
// its review of it.
func reviewed(t *testing.T, e *env) catalog.Review {
	t.Helper()
	sys := actor.With(context.Background(), actor.System)
	prod, plans := catalogtest.Published(t, e.cat, e.world.Orgs["vendor_a"].ID, "Moderated Drive", catalog.PlanInput{
		Name: catalogtest.Ptr("Team"), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
		RecurringPrice: catalogtest.DP("50.00")})
	if _, err := e.subs.PlaceOrder(e.world.As(t, "customer_direct"), subscription.PlaceOrderInput{PlanID: plans[0].ID}); err != nil {
		t.Fatal(err)
	}
	e.deliver()
	invs, _, err := e.bill.ListInvoices(sys, billing.InvoiceFilter{RecipientOrgID: e.world.Orgs["customer_direct"].ID})
	if err != nil || len(invs) != 1 {
		t.Fatalf("invoices: %v %v", invs, err)
	}
	if _, err := e.bill.RecordPayment(sys, invs[0].ID, billing.PaymentInput{Reference: "BANK-1", ReceivedOn: e.d.Now(sys)}); err != nil {
		t.Fatal(err)
	}
	e.deliver()
	r, err := e.cat.SubmitReview(e.world.As(t, "customer_direct"), prod.ID, catalog.ReviewInput{Rating: 2, Title: "Slow support", Body: "Tickets wait days."})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReviewModeration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := reviewed(t, e)
	admin := e.client()
	admin.login("admin")
	res := admin.get("/admin/reviews")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Moderated Drive", "Slow support", "Tickets wait days.", "★★☆☆☆", "Published")

	// Hiding needs a note, shown next to the field; nothing changes.
	res = admin.postForm("/admin/reviews", "/admin/reviews/"+r.ID+"/hide", url.Values{"note": {" "}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Why hide it is required")
	if got, _, _ := e.cat.MyReview(e.world.As(t, "customer_direct"), r.ProductID); got.Status != catalog.ReviewPublished {
		t.Fatalf("a refused hide changed the review: %+v", got)
	}
	// Without the page's token nothing happens.
	wantStatus(t, admin.post("/admin/reviews/"+r.ID+"/hide", url.Values{"note": {"x"}}), http.StatusForbidden)

	res = admin.postForm("/admin/reviews", "/admin/reviews/"+r.ID+"/hide", url.Values{"note": {"Personal details in the text"}})
	wantStatus(t, res, http.StatusSeeOther)
	got, _, _ := e.cat.MyReview(e.world.As(t, "customer_direct"), r.ProductID)
	if got.Status != catalog.ReviewHidden || got.ModerationNote != "Personal details in the text" {
		t.Fatalf("hidden: %+v", got)
	}
	res = admin.get("/admin/reviews?status=hidden")
	wantText(t, res, "Hidden: Personal details in the text", "Publish again")
	wantStatus(t, admin.postForm("/admin/reviews?status=hidden", "/admin/reviews/"+r.ID+"/restore", url.Values{}), http.StatusSeeOther)
	if got, _, _ := e.cat.MyReview(e.world.As(t, "customer_direct"), r.ProductID); got.Status != catalog.ReviewPublished {
		t.Fatalf("restored: %+v", got)
	}

	// Customers and vendors may not moderate.
	for _, who := range []string{"customer_direct", "vendor_a"} {
		c := e.client()
		c.login(who)
		res := c.get("/admin/reviews")
		wantStatus(t, res, http.StatusForbidden)
		if strings.Contains(res.Body, "Slow support") {
			t.Errorf("%s sees the moderation list", who)
		}
	}
}

// The product page shows the reviews; a subscribed customer writes and
// rewrites its own; others are refused and nothing is stored.
func TestProductPageReviews(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := reviewed(t, e)
	path := "/products/" + r.ProductID

	visitor := e.client()
	res := visitor.get(path)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Customer reviews", "Slow support", "Tickets wait days.", "out of 5, from 1 review")
	wantNoText(t, res, "Write a review")

	cust := e.client()
	cust.login("customer_direct")
	wantText(t, cust.get(path), "Your review", "Update your review")
	res = cust.postForm(path, path+"/review", url.Values{"rating": {"6"}, "title": {"Better now"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Rating must be 1 to 5 stars")
	if !strings.Contains(res.Body, `value="Better now"`) {
		t.Error("the title typed was not kept")
	}
	wantStatus(t, cust.post(path+"/review", url.Values{"rating": {"4"}}), http.StatusForbidden) // no CSRF token
	res = cust.postForm(path, path+"/review", url.Values{"rating": {"4"}, "title": {"Better now"}, "body": {"Support answers within a day."}})
	wantStatus(t, res, http.StatusSeeOther)
	got, _, err := e.cat.MyReview(e.world.As(t, "customer_direct"), r.ProductID)
	if err != nil || got.ID != r.ID || got.Rating != 4 || got.Title != "Better now" {
		t.Fatalf("rewritten review: %+v %v", got, err)
	}
	wantText(t, visitor.get(path), "Better now", "Support answers within a day.")

	// A customer without a subscription, and a vendor, are refused.
	for _, who := range []string{"customer_a1", "vendor_a"} {
		c := e.client()
		c.login(who)
		res := c.postForm(path, path+"/review", url.Values{"rating": {"1"}, "title": {"Planted by " + who}})
		wantStatus(t, res, http.StatusSeeOther)
		wantNoText(t, visitor.get(path), "Planted by "+who)
	}
}
