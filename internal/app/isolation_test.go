package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// foreign names the tenant whose objects a fixture user must not reach.
// vendor_a's organization is invisible to every party but vendor_a itself;
// vendor_a's foreign tenant is vendor_b. Staff see every organization, so
// for them the foreign objects are those of higher rank (the super admin).
type foreign struct {
	orgID, userID, keyID string
	secret               string // a string that must never appear in an answer
	// The foreign tenant's catalog: a draft product and its plan, a coupon,
	// and a vendor waiting for review.
	productID, planID, couponID, pendingVendorID string
	// The foreign tenant's price catalog, and a customer not of the caller.
	catalogID, customerID string
	// An order and a subscription of a customer not of the caller, for a
	// product of a vendor that is not the caller.
	orderID, subID string
	// Its invoice, a payment of it and a vendor line on the subscription;
	// a tax rate (global, staff's to change); a vendor and a reseller not
	// the caller (for their reports).
	invoiceID, paymentID, vendorLineID, taxRateID string
	vendorOrgID, resellerOrgID                    string
}

// isolationCase probes one operation as one fixture user against a foreign
// tenant. It returns the request to send and whether the operation applies
// to that user at all (with the reason when it does not).
type isolationCase func(en *env, who string, f foreign) (method, path string, body any, check func(t *testing.T, r response))

// refused expects 403 or 404 problem+json with nothing of the foreign tenant.
func refused(f foreign, also ...int) func(t *testing.T, r response) {
	return func(t *testing.T, r response) {
		t.Helper()
		ok := r.Status == http.StatusNotFound || r.Status == http.StatusForbidden
		for _, s := range also {
			ok = ok || r.Status == s
		}
		if !ok || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("status %d, want 403/404 problem+json: %.300s", r.Status, r.Body)
		}
		noTrace(t, r, f)
	}
}

// listedWithout expects a 200 list (or a 403) without the foreign tenant.
func listedWithout(f foreign) func(t *testing.T, r response) {
	return func(t *testing.T, r response) {
		t.Helper()
		if r.Status != http.StatusOK && r.Status != http.StatusForbidden {
			t.Errorf("status %d: %.300s", r.Status, r.Body)
		}
		noTrace(t, r, f)
	}
}

// noTrace checks the answer holds nothing of the foreign tenant. A
// problem's "instance" (the request path, which the caller wrote) is left
// out.
func noTrace(t *testing.T, r response, f foreign) {
	t.Helper()
	body := string(r.Body)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		var m map[string]any
		if json.Unmarshal(r.Body, &m) == nil {
			delete(m, "instance")
			b, _ := json.Marshal(m)
			body = string(b)
		}
	}
	for _, s := range []string{f.orgID, f.userID, f.keyID, f.secret, f.productID, f.planID, f.couponID, f.pendingVendorID, f.catalogID,
		f.orderID, f.subID, f.invoiceID, f.paymentID, f.vendorLineID} {
		if s != "" && strings.Contains(body, s) {
			t.Errorf("answer carries %q of the foreign tenant: %.300s", s, r.Body)
		}
	}
}

// selfOnly marks operations that act on the caller alone: there is no
// foreign object to name. They are still sent, and must not return foreign
// data.
func selfOnly(f foreign) func(t *testing.T, r response) {
	return func(t *testing.T, r response) {
		t.Helper()
		if r.Status >= 500 {
			t.Errorf("status %d: %.300s", r.Status, r.Body)
		}
		noTrace(t, r, f)
	}
}

// isolationCases has one entry per API operation. A new operation without an
// entry fails TestTenantIsolation: every endpoint must say how it keeps
// tenants apart.
var isolationCases = map[string]isolationCase{
	"login": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		// Public: the only way at a foreign account is its password.
		return "POST", "/api/v1/auth/login", map[string]string{"email": f.secret, "password": "guessing-wrong-1"}, func(t *testing.T, r response) {
			// 401, or 429 once the guesses of the walk lock the account.
			if r.Status != http.StatusUnauthorized && r.Status != http.StatusTooManyRequests {
				t.Errorf("login as a foreign user with a wrong password: %d", r.Status)
			}
			noTrace(t, r, foreign{orgID: f.orgID, userID: f.userID})
		}
	},
	"logout": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "POST", "/api/v1/auth/logout", nil, selfOnly(f)
	},
	"impersonate": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "POST", "/api/v1/auth/impersonate", map[string]string{"user_id": f.userID}, refused(f)
	},
	"get-me": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "GET", "/api/v1/users/me", nil, selfOnly(f)
	},
	"list-organizations": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "GET", "/api/v1/organizations?limit=200", nil, listedWithout(f)
	},
	"create-organization": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		// Creating under a foreign parent: the parent is "not found" (422 on
		// the parent_id field) or the caller may not create at all (403).
		return "POST", "/api/v1/organizations", map[string]string{"kind": "customer", "name": "Intruder", "parent_id": f.orgID}, refused(f, http.StatusUnprocessableEntity)
	},
	"get-organization": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "GET", "/api/v1/organizations/" + f.orgID, nil, refused(f)
	},
	"update-organization": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "PATCH", "/api/v1/organizations/" + f.orgID, map[string]string{"name": "Hijacked"}, refused(f)
	},
	"archive-organization": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "DELETE", "/api/v1/organizations/" + f.orgID, nil, refused(f)
	},
	"list-users": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "GET", "/api/v1/users?limit=200&org_id=" + f.orgID, nil, listedWithout(f)
	},
	"create-user": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "POST", "/api/v1/users", map[string]string{"org_id": f.orgID, "email": "mole-" + who + "@example.com", "name": "Mole", "password": "a-fine-password-9"},
			refused(f, http.StatusUnprocessableEntity)
	},
	"get-user": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "GET", "/api/v1/users/" + f.userID, nil, refused(f)
	},
	"update-user": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "PATCH", "/api/v1/users/" + f.userID, map[string]string{"name": "Hijacked"}, refused(f)
	},
	"disable-user": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "DELETE", "/api/v1/users/" + f.userID, nil, refused(f)
	},
	"set-user-password": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "POST", "/api/v1/users/" + f.userID + "/password", map[string]string{"new_password": "taken-over-pw-99"}, refused(f)
	},
	"list-api-keys": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "GET", "/api/v1/api-keys?limit=200", nil, listedWithout(f)
	},
	"create-api-key": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "POST", "/api/v1/api-keys", map[string]string{"name": "mine"}, selfOnly(f)
	},
	"revoke-api-key": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "DELETE", "/api/v1/api-keys/" + f.keyID, nil, refused(f)
	},
	// The marketplace's branding is public; changing it is staff's.
	"get-branding": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "GET", "/api/v1/settings/marketplace", nil, selfOnly(f)
	},
	"update-branding": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		return "PATCH", "/api/v1/settings/marketplace", map[string]string{"tagline": "Changed by " + who}, refused(f)
	},
	"list-audit-events": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
		// Staff read the whole log (it is their function); every other role
		// is refused outright.
		return "GET", "/api/v1/audit-events?object_id=" + f.orgID, nil, func(t *testing.T, r response) {
			if identity.Role(en.world.Users[who].Role).Staff() {
				if r.Status != http.StatusOK {
					t.Errorf("staff reading the audit log: %d", r.Status)
				}
				return
			}
			refused(f)(t, r)
		}
	},
}

// TestTenantIsolation walks every API operation × every role × an object of
// a foreign tenant, and checks the answer is a refusal (404/403) or a list
// without the foreign tenant, and that the foreign objects are unchanged.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			ops := en.app.API.Operations()
			// Deletions last, so an admin's legitimate archiving of the
			// target does not change what the other operations meet.
			sort.SliceStable(ops, func(i, j int) bool { return ops[i].Method != "DELETE" && ops[j].Method == "DELETE" })
			for _, op := range ops {
				if _, ok := isolationCases[op.OperationID]; !ok {
					t.Errorf("operation %s %s (%s) has no tenant isolation case", op.Method, op.Path, op.OperationID)
				}
			}
			if len(isolationCases) != len(ops) {
				t.Errorf("%d isolation cases for %d operations: remove cases of operations that no longer exist", len(isolationCases), len(ops))
			}

			// A foreign API key per vendor (and the super admin), and the
			// foreign tenant of each caller.
			keyOf := map[string]string{}
			for _, v := range []string{"vendor_a", "vendor_b", "super_admin"} {
				k, _, err := en.app.Identity.CreateAPIKey(en.world.As(t, v), identity.CreateAPIKeyInput{Name: "secret integration"})
				if err != nil {
					t.Fatal(err)
				}
				keyOf[v] = k.ID
			}
			cat := map[string]foreign{}
			for _, v := range []string{"vendor_a", "vendor_b"} {
				cat[v] = catalogTenant(t, en, v)
			}
			pendingVendor := registerPendingVendor(t, en)
			catalogOf := map[string]string{"reseller_a": resellerCatalog(t, en, "reseller_a"), "reseller_b": resellerCatalog(t, en, "reseller_b")}
			subs := foreignSubscriptions(t, en)
			bills := foreignBills(t, en, subs)
			before := snapshot(t, en)
			// Staff see every organization; what is beyond an admin or a
			// supervisor is the super admin. Their organization target is a
			// throwaway one, since an admin may legitimately change it.
			target, err := en.app.Identity.CreateOrganization(actor.With(context.Background(), actor.System),
				identity.CreateOrganizationInput{Kind: identity.CustomerOrg, Name: "Staff target"})
			if err != nil {
				t.Fatal(err)
			}
			// Staff may change any product and price list: theirs are
			// throwaway ones too.
			staffCat := catalogTenant(t, en, "vendor_b")
			staffCatalogObj, err := en.app.Channel.CreatePriceCatalog(en.world.As(t, "admin"), channel.PriceCatalogInput{Tier: channel.SellOut,
				Name: catalogtest.Ptr("Staff target catalog")})
			if err != nil {
				t.Fatal(err)
			}
			staffCatalog := staffCatalogObj.ID
			foreignOf := func(who string) foreign {
				if identity.Role(en.world.Users[who].Role).Staff() {
					sa := en.world.Users["super_admin"]
					f := staffCat
					f.orgID, f.userID, f.keyID, f.secret, f.pendingVendorID = target.ID, sa.ID, keyOf["super_admin"], sa.Email, pendingVendor
					f.catalogID, f.customerID = staffCatalog, target.ID
					o := subs["customer_b1/vendor_a"]
					f.orderID, f.subID = o.ID, o.SubscriptionID
					bills.fill(&f, o.ID, en.world.Orgs["vendor_a"].ID, en.world.Orgs["reseller_a"].ID)
					return f
				}
				owner := "vendor_a"
				if who == "vendor_a" {
					owner = "vendor_b"
				}
				u := en.world.Users[owner]
				f := cat[owner]
				f.orgID, f.userID, f.keyID, f.secret, f.pendingVendorID = en.world.Orgs[owner].ID, u.ID, keyOf[owner], u.Email, pendingVendor
				f.catalogID, f.customerID = catalogOf["reseller_b"], en.world.Orgs["customer_direct"].ID
				if who == "reseller_b" {
					f.catalogID = catalogOf["reseller_a"]
				}
				customer := "customer_direct"
				if who == "customer_direct" {
					customer = "customer_b1"
					f.customerID = en.world.Orgs["customer_b1"].ID
				}
				o := subs[customer+"/"+owner]
				f.orderID, f.subID = o.ID, o.SubscriptionID
				reseller := "reseller_b"
				if who == "reseller_b" {
					reseller = "reseller_a"
				}
				bills.fill(&f, o.ID, en.world.Orgs[owner].ID, en.world.Orgs[reseller].ID)
				return f
			}
			for _, who := range identitytest.Names {
				if who == "super_admin" {
					continue // nothing in the installation is foreign to the super admin
				}
				f := foreignOf(who)
				for _, op := range ops {
					c, ok := isolationCases[op.OperationID]
					if !ok || op.OperationID == "logout" {
						continue // ending the caller's own session would stop the walk; covered by the identity tests
					}
					method, path, body, check := c(en, who, f)
					if staffMay[who][op.OperationID] {
						// Authorized: the answer may still refuse for the
						// object's state (422), never for who is asking.
						check = func(t *testing.T, r response) {
							if r.Status == 401 || r.Status == 403 || r.Status == 404 || r.Status >= 500 {
								t.Errorf("%s may use %s on any organization: %d %.200s", who, op.OperationID, r.Status, r.Body)
							}
						}
					}
					t.Run(who+"/"+op.OperationID, func(t *testing.T) {
						check(t, en.do(method, path, en.tokens[who], body))
					})
				}
			}
			// Nothing that existed before the walk changed.
			after := snapshot(t, en)
			for k, v := range before {
				if after[k] != v {
					t.Errorf("%s changed during the walk: %q, then %q", k, v, after[k])
				}
			}
		})
	}
}

// staffMay lists what staff legitimately do to any organization: the
// isolation walk checks those are authorized instead of refused.
var staffMay = map[string]map[string]bool{
	"admin": {"update-branding": true, "feature-product": true, "list-organizations": true, "get-organization": true, "update-organization": true, "archive-organization": true,
		"list-users": true, "get-user": true, "create-user": true, "list-audit-events": true,
		"get-vendor": true, "approve-vendor": true, "reject-vendor": true, "get-product": true, "list-product-reviews": true, "update-product": true,
		"create-product": true, "submit-product": true, "withdraw-product": true, "approve-product": true, "reject-product": true,
		"retire-product": true, "list-plans": true, "create-plan": true, "get-plan": true, "update-plan": true, "retire-plan": true,
		"get-coupon": true, "disable-coupon": true, "update-coupon": true, "create-coupon": true, "list-coupons": true, "search-products": true, "list-vendors": true,
		"list-price-catalogs": true, "get-price-catalog": true, "update-price-catalog": true, "archive-price-catalog": true,
		"list-catalog-prices": true, "offer-product": true, "withdraw-product-offer": true, "set-plan-rule": true,
		"get-buyer-catalog": true, "assign-buyer-catalog": true, "create-quote": true, "create-price-catalog": true,
		"list-orders": true, "get-order": true, "approve-order": true, "reject-order": true, "place-order": true,
		"list-subscriptions": true, "get-subscription": true, "list-subscription-transitions": true, "update-subscription": true,
		"change-subscription": true, "preview-subscription-change": true, "vendor-upgrade-subscription": true, "renew-subscription": true, "terminate-subscription": true,
		"set-subscription-provisioning": true,
		"list-invoices":                 true, "get-invoice": true, "get-invoice-pdf": true, "record-payment": true, "list-payments": true,
		"get-payment-attachment": true, "declare-invoice-paid": true, "create-credit-note": true, "void-invoice": true,
		"mark-invoice-uncollectible": true, "issue-invoice": true, "get-upcoming-invoice": true, "record-usage": true, "list-usage": true,
		"add-vendor-line": true, "list-vendor-lines": true, "remove-vendor-line": true, "create-tax-rate": true, "update-tax-rate": true,
		"delete-tax-rate": true, "update-billing-settings": true, "get-vendor-fee": true, "set-vendor-fee": true,
		"get-balance-report": true, "get-balance-report-csv": true, "get-balance-report-pdf": true, "get-proceeds": true,
		"get-proceeds-csv": true, "get-statement": true, "get-statement-csv": true},
	"supervisor": {"list-organizations": true, "get-organization": true, "list-users": true, "get-user": true, "list-audit-events": true,
		"get-vendor": true, "approve-vendor": true, "reject-vendor": true, "get-product": true, "list-product-reviews": true, "approve-product": true,
		"reject-product": true, "list-plans": true, "get-plan": true, "get-coupon": true, "list-coupons": true, "search-products": true,
		"list-vendors": true, "list-price-catalogs": true, "get-price-catalog": true, "list-catalog-prices": true, "get-buyer-catalog": true,
		"list-orders": true, "get-order": true, "list-subscriptions": true, "get-subscription": true, "list-subscription-transitions": true,
		"list-invoices": true, "get-invoice": true, "get-invoice-pdf": true, "list-payments": true, "get-payment-attachment": true,
		"get-upcoming-invoice": true, "list-usage": true, "list-vendor-lines": true, "get-vendor-fee": true,
		"get-balance-report": true, "get-balance-report-csv": true, "get-balance-report-pdf": true, "get-proceeds": true,
		"get-proceeds-csv": true, "get-statement": true, "get-statement-csv": true},
}

// snapshot records every organization, user and API key as the system sees
// them.
func snapshot(t *testing.T, en *env) map[string]string {
	t.Helper()
	out := map[string]string{}
	ctx := actor.With(context.Background(), actor.System)
	orgs, _, err := en.app.Identity.ListOrganizations(ctx, identity.OrganizationFilter{Page: page.Request{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		out[o.ID] = o.Name + "|" + o.Status
	}
	users, _, err := en.app.Identity.ListUsers(ctx, identity.UserFilter{Page: page.Request{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		out[u.ID] = u.Name + "|" + u.Status + "|" + string(u.Role) + "|" + u.Email
	}
	products, _, err := en.app.Catalog.SearchProducts(ctx, catalog.ProductFilter{Sort: "newest", Page: page.Request{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range products {
		out[p.ID] = p.Name + "|" + p.Status
	}
	coupons, _, err := en.app.Catalog.ListCoupons(ctx, page.Request{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range coupons {
		out[c.ID] = c.Status + "|" + fmt.Sprint(c.Redemptions)
	}
	rows, err := en.app.DB.Query(ctx, `SELECT id, revoked_at IS NULL FROM api_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var active bool
		if err := rows.Scan(&id, &active); err != nil {
			t.Fatal(err)
		}
		out[id] = fmt.Sprint(active)
	}
	return out
}

// TestChannelPartiesDoNotManageCustomerUsers: a distributor or a reseller
// creates a customer organization with its first user, and nothing of its
// users after that: no more users, no password resets, no e-mail, name,
// role or status changes (each would hand the channel party a login that
// sees what the customer alone may see). Every write is refused and
// changes nothing; the customers still sign in with their own passwords.
func TestChannelPartiesDoNotManageCustomerUsers(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			w := en.world
			type write struct {
				who, method, path string
				body              any
			}
			var writes []write
			// A customer's API key is the customer's to revoke.
			key, _, err := en.app.Identity.CreateAPIKey(w.As(t, "customer_a1"), identity.CreateAPIKeyInput{Name: "customer integration"})
			if err != nil {
				t.Fatal(err)
			}
			writes = append(writes, write{"reseller_a", "DELETE", "/api/v1/api-keys/" + key.ID, nil}, write{"distributor", "DELETE", "/api/v1/api-keys/" + key.ID, nil})
			for _, c := range []struct{ who, org string }{
				{"reseller_a", "customer_a1"}, {"distributor", "customer_a1"}, {"distributor", "customer_dist"}, {"distributor", "reseller_a"},
			} {
				u := w.Users[c.org]
				writes = append(writes,
					write{c.who, "POST", "/api/v1/users", map[string]string{"org_id": w.Orgs[c.org].ID, "email": "mole-" + c.who + "-" + c.org + "@example.com",
						"name": "Mole", "password": "a-fine-password-9"}},
					write{c.who, "POST", "/api/v1/users/" + u.ID + "/password", map[string]string{"new_password": "taken-over-pw-99"}},
					write{c.who, "PATCH", "/api/v1/users/" + u.ID, map[string]string{"email": "mole-" + c.who + "@example.com"}},
					write{c.who, "PATCH", "/api/v1/users/" + u.ID, map[string]string{"name": "Renamed"}},
					write{c.who, "PATCH", "/api/v1/users/" + u.ID, map[string]string{"status": "disabled"}},
					write{c.who, "DELETE", "/api/v1/users/" + u.ID, nil},
				)
			}
			before := snapshot(t, en)
			for _, wr := range writes {
				t.Run(wr.who+"/"+wr.method+wr.path, func(t *testing.T) {
					r := en.as(wr.who, wr.method, wr.path, wr.body)
					if r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
						t.Errorf("status %d, want 403/404: %.300s", r.Status, r.Body)
					}
				})
			}
			after := snapshot(t, en)
			for k, v := range before {
				if after[k] != v {
					t.Errorf("%s changed: %q, then %q", k, v, after[k])
				}
			}
			if len(after) != len(before) {
				t.Errorf("%d objects before the writes, %d after", len(before), len(after))
			}
			for _, who := range []string{"customer_a1", "customer_dist", "reseller_a"} {
				if r := en.as(who, "GET", "/api/v1/users/me", nil); r.Status != http.StatusOK {
					t.Errorf("%s's session after the writes: %d", who, r.Status)
				}
				if r := en.do("POST", "/api/v1/auth/login", "", map[string]string{"email": w.Users[who].Email, "password": identitytest.Password}); r.Status != http.StatusOK {
					t.Errorf("%s signs in after the writes: %d %s", who, r.Status, r.Body)
				}
			}

			// The one user a channel party creates is the first of a new
			// customer: the customer's administrator, from then on its own.
			r := en.as("reseller_a", "POST", "/api/v1/organizations", map[string]string{"kind": "customer", "name": "Newco", "country": "IT"})
			if r.Status != http.StatusCreated {
				t.Fatalf("new customer: %d %s", r.Status, r.Body)
			}
			orgID := r.json(t)["id"].(string)
			first := en.as("reseller_a", "POST", "/api/v1/users", map[string]string{"org_id": orgID, "email": "first@newco.example", "name": "First", "password": "a-fine-password-9"})
			if first.Status != http.StatusCreated {
				t.Fatalf("first user of a new customer: %d %s", first.Status, first.Body)
			}
			second := en.as("reseller_a", "POST", "/api/v1/users", map[string]string{"org_id": orgID, "email": "second@newco.example", "name": "Second", "password": "a-fine-password-9"})
			if second.Status != http.StatusForbidden {
				t.Errorf("second user of the customer: %d %s", second.Status, second.Body)
			}
			firstID := first.json(t)["id"].(string)
			if r := en.as("reseller_a", "POST", "/api/v1/users/"+firstID+"/password", map[string]string{"new_password": "taken-over-pw-99"}); r.Status != http.StatusForbidden {
				t.Errorf("reset of the first user's password: %d %s", r.Status, r.Body)
			}
		})
	}
}
