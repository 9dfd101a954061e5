package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// foreignSubscriptions publishes a product per vendor and has customers
// order them, keyed "customer/vendor".
func foreignSubscriptions(t *testing.T, en *env) map[string]subscription.Order {
	t.Helper()
	sys := actor.With(context.Background(), actor.System)
	plans := map[string]string{}
	for _, v := range []string{"vendor_a", "vendor_b"} {
		_, ps := catalogtest.Published(t, en.app.Catalog, en.world.Orgs[v].ID, "Isolation "+v, catalog.PlanInput{
			Name: catalogtest.Ptr("Monthly"), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
			RecurringPrice: catalogtest.DP("9.00")})
		plans[v] = ps[0].ID
	}
	out := map[string]subscription.Order{}
	for _, c := range []string{"customer_direct/vendor_a", "customer_direct/vendor_b", "customer_b1/vendor_a"} {
		customer, vendor := c[:len(c)-len("/vendor_a")], c[len(c)-len("vendor_a"):]
		o, err := en.app.Subs.PlaceOrder(en.world.As(t, customer), subscription.PlaceOrderInput{PlanID: plans[vendor]})
		if err != nil {
			t.Fatal(err)
		}
		out[c] = o
	}
	_ = sys
	return out
}

func init() {
	sub := func(suffix string) func(f foreign) string {
		return func(f foreign) string { return "/api/v1/subscriptions/" + f.subID + suffix }
	}
	ord := func(suffix string) func(f foreign) string {
		return func(f foreign) string { return "/api/v1/orders/" + f.orderID + suffix }
	}
	req := func(method string, path func(f foreign) string, body any, also ...int) isolationCase {
		return func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return method, path(f), body, refused(f, also...)
		}
	}
	for id, c := range map[string]isolationCase{
		"place-order": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			// On behalf of a customer that is not the caller's.
			return "POST", "/api/v1/orders", map[string]string{"plan_id": f.planID, "customer_org_id": f.customerID},
				refused(f, http.StatusUnprocessableEntity)
		},
		// A vendor sees the orders and subscriptions of its products (and so
		// the ids of their customers and sellers): what must never appear is
		// the foreign order and subscription.
		"list-orders": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", "/api/v1/orders?limit=200", nil, listedWithout(foreign{orderID: f.orderID, subID: f.subID})
		},
		"list-subscriptions": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", "/api/v1/subscriptions?limit=200", nil, listedWithout(foreign{orderID: f.orderID, subID: f.subID})
		},
		"get-order":                     req("GET", ord(""), nil),
		"approve-order":                 req("POST", ord("/approve"), nil),
		"reject-order":                  req("POST", ord("/reject"), map[string]string{"reason": "no"}),
		"get-subscription":              req("GET", sub(""), nil),
		"list-subscription-transitions": req("GET", sub("/transitions"), nil),
		"update-subscription":           req("PATCH", sub(""), map[string]bool{"auto_renew": false}),
		"change-subscription":           req("POST", sub("/change"), map[string]any{"quantities": map[string]string{}}),
		"preview-subscription-change":   req("POST", sub("/change/preview"), map[string]any{"quantities": map[string]string{}}),
		"vendor-upgrade-subscription":   req("POST", sub("/vendor-upgrade"), map[string]any{"result": "free", "quantities": map[string]string{}}),
		"renew-subscription":            req("POST", sub("/renew"), nil),
		"terminate-subscription":        req("POST", sub("/terminate"), map[string]string{"reason": "hijack"}),
		"set-subscription-provisioning": req("PUT", sub("/provisioning"), map[string]string{"status": "deployed"}),
		// Marketplace-wide settings: no tenant's data in them; only the
		// operator's administrators change them (an empty change here, so
		// the walk changes nothing).
		"get-subscription-settings": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", "/api/v1/settings/subscriptions", nil, selfOnly(f)
		},
		"update-subscription-settings": req("PATCH", func(foreign) string { return "/api/v1/settings/subscriptions" }, map[string]any{}),
	} {
		isolationCases[id] = c
	}
}
