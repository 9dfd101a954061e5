package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
)

// catalogTenant gives a vendor a draft product with a plan (invisible to
// everyone but the vendor and staff) and a coupon.
func catalogTenant(t *testing.T, en *env, vendor string) foreign {
	t.Helper()
	ctx := en.world.As(t, vendor)
	p, err := en.app.Catalog.CreateProduct(ctx, catalog.CreateProductInput{ProductInput: catalog.ProductInput{Name: catalogtest.Ptr("Secret " + vendor + " project")}})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := en.app.Catalog.CreatePlan(ctx, p.ID, catalogtest.SeedPlanInput("Hidden"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := en.app.Catalog.CreateCoupon(ctx, catalog.CouponInput{Kind: "discount_percent", Percent: catalogtest.D("50")})
	if err != nil {
		t.Fatal(err)
	}
	return foreign{productID: p.ID, planID: pl.ID, couponID: c.ID}
}

// registerPendingVendor signs a vendor up that waits for review.
func registerPendingVendor(t *testing.T, en *env) string {
	t.Helper()
	v, _, err := en.app.Catalog.RegisterVendor(actor.With(context.Background(), actor.Actor{}), catalog.RegisterVendorInput{
		RegisterInput: identity.RegisterInput{OrgName: "Pending Vendor Ltd", Name: "Pat Pending", Email: "pat@pending.example", Password: "pending-password-1"}})
	if err != nil {
		t.Fatal(err)
	}
	return v.OrgID
}

func init() {
	get := func(path func(f foreign) string) isolationCase {
		return func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", path(f), nil, refused(f)
		}
	}
	post := func(path func(f foreign) string, body any) isolationCase {
		return func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "POST", path(f), body, refused(f)
		}
	}
	list := func(path string) isolationCase {
		return func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", path, nil, listedWithout(f)
		}
	}
	product := func(suffix string) func(f foreign) string {
		return func(f foreign) string { return "/api/v1/products/" + f.productID + suffix }
	}
	plan := func(suffix string) func(f foreign) string {
		return func(f foreign) string { return "/api/v1/plans/" + f.planID + suffix }
	}
	vendor := func(suffix string) func(f foreign) string {
		return func(f foreign) string { return "/api/v1/vendors/" + f.pendingVendorID + suffix }
	}
	for id, c := range map[string]isolationCase{
		// Vendor onboarding: a pending vendor is the operator's business.
		"register-vendor": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "POST", "/api/v1/vendors/register", map[string]string{"org_name": "Sign-up " + who, "name": "N", "email": "signup-" + who + "@example.com",
					"password": "signup-password-1"}, func(t *testing.T, r response) {
					// 429 once the walk's sign-ups from one address pass the throttle.
					if r.Status != http.StatusCreated && r.Status != http.StatusTooManyRequests {
						t.Errorf("public registration: %d %.200s", r.Status, r.Body)
					}
					noTrace(t, r, f)
				}
		},
		// Approved vendors are public sellers; a pending one is not.
		"list-vendors": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", "/api/v1/vendors?limit=200", nil, listedWithout(foreign{pendingVendorID: f.pendingVendorID})
		},
		"get-vendor":     get(vendor("")),
		"approve-vendor": post(vendor("/approve"), nil),
		"reject-vendor":  post(vendor("/reject"), map[string]string{"reason": "no"}),
		// Products: a draft is its owner's; published ones are public.
		// Published products are public, owner included; a draft is not.
		"search-products": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", "/api/v1/products?limit=200&sort=newest", nil, listedWithout(foreign{productID: f.productID, planID: f.planID})
		},
		"list-categories":  list("/api/v1/categories"),
		"get-product":      get(product("")),
		"list-plans":       get(product("/plans?history=true")),
		"submit-product":   post(product("/submit"), nil),
		"withdraw-product": post(product("/withdraw"), nil),
		"approve-product":  post(product("/approve"), nil),
		"reject-product":   post(product("/reject"), map[string]string{"reason": "no"}),
		"retire-product":   post(product("/retire"), nil),
		"feature-product": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "PUT", product("/featured")(f), map[string]bool{"featured": true}, refused(f, http.StatusConflict)
		},
		"create-plan": post(product("/plans"), map[string]any{"name": "Intruder", "pricing_kind": "free", "currency": "EUR"}),
		"update-product": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "PATCH", product("")(f), map[string]string{"name": "Hijacked"}, refused(f)
		},
		"create-product": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			// For another vendor's organization.
			owner := en.world.Orgs["vendor_a"].ID
			if who == "vendor_a" {
				owner = en.world.Orgs["vendor_b"].ID
			}
			return "POST", "/api/v1/products", map[string]string{"name": "Planted", "owner_org_id": owner}, refused(f, http.StatusUnprocessableEntity)
		},
		"get-plan":    get(plan("")),
		"retire-plan": post(plan("/retire"), nil),
		"update-plan": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "PATCH", plan("")(f), map[string]string{"recurring_price": "0.01"}, refused(f)
		},
		// Reviews of a draft product: there is no product to review.
		"list-product-reviews": get(product("/reviews")),
		"submit-product-review": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "PUT", product("/reviews/mine")(f), map[string]any{"rating": 1, "title": "Planted"}, refused(f)
		},
		// Moderation is staff's: others are refused whatever the review;
		// staff meet a review that is not there.
		"hide-review":    post(func(foreign) string { return "/api/v1/reviews/" + ids.New(catalog.ReviewKind) + "/hide" }, map[string]string{"note": "no"}),
		"restore-review": post(func(foreign) string { return "/api/v1/reviews/" + ids.New(catalog.ReviewKind) + "/restore" }, nil),
		// Coupons belong to their owner organization.
		"list-coupons": list("/api/v1/coupons?limit=200"),
		"get-coupon":   get(func(f foreign) string { return "/api/v1/coupons/" + f.couponID }),
		"update-coupon": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "PATCH", "/api/v1/coupons/" + f.couponID, map[string]any{"max_redemptions": 1000}, refused(f)
		},
		"disable-coupon": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "DELETE", "/api/v1/coupons/" + f.couponID, nil, refused(f)
		},
		"create-coupon": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			// Restricted to the foreign tenant's (unpublished) plan.
			return "POST", "/api/v1/coupons", map[string]any{"kind": "discount_percent", "percent": "99", "plans": []string{f.planID}},
				refused(f, http.StatusUnprocessableEntity)
		},
	} {
		isolationCases[id] = c
	}
}
