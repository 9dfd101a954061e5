package app_test

import (
	"context"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// Customers holding a subscription review a product, once each; staff
// hide and restore reviews; everyone else is refused with a specific code.
func TestProductReviews(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			sys := actor.With(context.Background(), actor.System)
			prod, plans := catalogtest.Published(t, en.app.Catalog, en.world.Orgs["vendor_a"].ID, "Review Drive", catalog.PlanInput{
				Name: catalogtest.Ptr("Team"), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
				RecurringPrice: catalogtest.DP("50.00")})
			mine := "/api/v1/products/" + prod.ID + "/reviews/mine"
			list := "/api/v1/products/" + prod.ID + "/reviews"
			good := map[string]any{"rating": 4, "title": "Solid", "body": "Fast and simple."}

			wantProblem(t, en.as("customer_direct", "PUT", mine, good), 403, "no_subscription")
			mustJSON(t, en.as("customer_direct", "POST", "/api/v1/orders", map[string]any{"plan_id": plans[0].ID}), &struct{}{})
			if _, err := en.app.Outbox.DeliverPending(sys); err != nil {
				t.Fatal(err)
			}
			if _, err := en.app.Billing.RunDue(sys); err != nil {
				t.Fatal(err)
			}
			var invs struct {
				Data []struct{ ID string } `json:"data"`
			}
			mustJSON(t, en.as("customer_direct", "GET", "/api/v1/invoices", nil), &invs)
			if len(invs.Data) != 1 {
				t.Fatalf("invoices: %+v", invs)
			}
			mustJSON(t, en.as("admin", "POST", "/api/v1/invoices/"+invs.Data[0].ID+"/payments",
				map[string]any{"amount": "50.00", "reference": "BANK-1", "received_on": "2026-01-01T00:00:00Z"}), &struct{}{})
			if _, err := en.app.Outbox.DeliverPending(sys); err != nil {
				t.Fatal(err)
			}

			wantProblem(t, en.as("vendor_a", "PUT", mine, good), 403, "review_not_allowed")
			wantProblem(t, en.as("customer_a1", "PUT", mine, good), 403, "no_subscription")
			wantProblem(t, en.as("customer_direct", "PUT", mine, map[string]any{"rating": 6}), 422, "")
			wantProblem(t, en.as("customer_direct", "PUT", "/api/v1/products/prd_nope/reviews/mine", good), 404, "")
			var first, second catalog.Review
			mustJSON(t, en.as("customer_direct", "PUT", mine, good), &first)
			mustJSON(t, en.as("customer_direct", "PUT", mine, map[string]any{"rating": 5, "title": "Great"}), &second)
			if first.ID == "" || second.ID != first.ID || second.Rating != 5 || second.Title != "Great" || second.Status != "published" {
				t.Fatalf("reviews: %+v then %+v", first, second)
			}

			var page struct {
				Summary struct {
					Count   int
					Average string
					Stars   [5]int
				}
				Data []catalog.Review `json:"data"`
			}
			mustJSON(t, en.as("customer_a1", "GET", list, nil), &page)
			if page.Summary.Count != 1 || page.Summary.Average != "5" || page.Summary.Stars[4] != 1 || len(page.Data) != 1 {
				t.Fatalf("list: %+v", page)
			}

			hide := "/api/v1/reviews/" + first.ID + "/hide"
			wantProblem(t, en.as("reseller_a", "POST", hide, map[string]any{"note": "spam"}), 403, "permission_denied")
			p := wantProblem(t, en.as("admin", "POST", hide, map[string]any{"note": " "}), 422, "validation_failed")
			if !fieldNamed(p, "note") {
				t.Fatalf("hide without a note: %v", p)
			}
			var hidden catalog.Review
			mustJSON(t, en.as("admin", "POST", hide, map[string]any{"note": "Off-topic"}), &hidden)
			if hidden.Status != "hidden" || hidden.ModerationNote != "Off-topic" {
				t.Fatalf("hidden: %+v", hidden)
			}
			mustJSON(t, en.as("customer_a1", "GET", list, nil), &page)
			if page.Summary.Count != 0 || len(page.Data) != 0 {
				t.Fatalf("a hidden review is listed: %+v", page)
			}
			mustJSON(t, en.as("admin", "GET", list, nil), &page)
			if len(page.Data) != 1 || page.Data[0].ModerationNote != "Off-topic" {
				t.Fatalf("staff list: %+v", page)
			}
			mustJSON(t, en.as("admin", "POST", "/api/v1/reviews/"+first.ID+"/restore", nil), &hidden)
			wantProblem(t, en.as("admin", "POST", "/api/v1/reviews/rvw_nope/restore", nil), 404, "review_not_found")
			page.Data = nil
			mustJSON(t, en.as("customer_a1", "GET", list, nil), &page)
			if page.Summary.Count != 1 || page.Data[0].ModerationNote != "" {
				t.Fatalf("restored: %+v", page)
			}
		})
	}
}
