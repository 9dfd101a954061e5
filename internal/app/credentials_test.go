package app_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/app"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/secret"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Credentials a vendor reports through the API are stored sealed under
// NEPHELE_SECRET_KEY and shown opened; after a rotation (the new key
// current, the old one in NEPHELE_SECRET_KEYS_OLD) the next start seals
// them under the new key, and they still read.
func TestCredentialsSealedThroughTheAPI(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			url := dbtest.NewDatabaseURL(t, e)
			oldKey, _ := secret.GenerateKey()
			newKey, _ := secret.GenerateKey()
			start := func(current, old string) (*app.App, *env) {
				t.Helper()
				cfg := app.Config{DatabaseURL: url, MarketplaceName: "M", Version: "test", LogFormat: "json", SecretKey: current, OldSecretKeys: old}
				a, err := app.New(context.Background(), cfg, app.Options{Hash: identitytest.CheapHash, Log: discard()})
				if err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewServer(a.Handler())
				t.Cleanup(srv.Close)
				return a, &env{t: t, app: a, srv: srv}
			}
			raw := func(a *app.App, id string) string {
				t.Helper()
				var s string
				if err := a.DB.QueryRow(context.Background(), `SELECT credentials FROM subscriptions WHERE id = $1`, id).Scan(&s); err != nil {
					t.Fatal(err)
				}
				return s
			}

			a, en := start(oldKey, "")
			w := identitytest.NewWorld(t, a.Identity)
			_, plans := catalogtest.Published(t, a.Catalog, w.Orgs["vendor_a"].ID, "Vault", catalog.PlanInput{
				Name: catalogtest.Ptr("Monthly"), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
				RecurringPrice: catalogtest.DP("9.00")})
			o, err := a.Subs.PlaceOrder(w.As(t, "customer_direct"), subscription.PlaceOrderInput{PlanID: plans[0].ID})
			if err != nil {
				t.Fatal(err)
			}
			_, vendor := w.Login(t, "vendor_a")
			_, customer := w.Login(t, "customer_direct")
			r := en.do("PUT", "/api/v1/subscriptions/"+o.SubscriptionID+"/provisioning", vendor,
				map[string]any{"credentials": map[string]string{"password": "hunter2"}})
			if r.Status != 200 {
				t.Fatalf("provisioning: %d %s", r.Status, r.Body)
			}
			if s := raw(a, o.SubscriptionID); strings.Contains(s, "hunter2") || !strings.Contains(s, "nsk1."+keyID(t, oldKey)+".") {
				t.Fatalf("stored %s", s)
			}
			shown := func(en *env) string {
				t.Helper()
				var sub struct{ Credentials map[string]string }
				mustJSON(t, en.do("GET", "/api/v1/subscriptions/"+o.SubscriptionID, customer, nil), &sub)
				return sub.Credentials["password"]
			}
			if got := shown(en); got != "hunter2" {
				t.Fatalf("shown %q", got)
			}
			a.Close()

			// Rotation: the next start seals under the new key.
			b, en2 := start(newKey, oldKey)
			defer b.Close()
			if s := raw(b, o.SubscriptionID); !strings.Contains(s, "nsk1."+keyID(t, newKey)+".") {
				t.Fatalf("after rotation: %s", s)
			}
			if got := shown(en2); got != "hunter2" {
				t.Fatalf("shown after rotation %q", got)
			}
		})
	}
}

func keyID(t *testing.T, key string) string {
	t.Helper()
	k, err := secret.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return secret.KeyID(k)
}
