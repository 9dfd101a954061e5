package app_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/app"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// The "done means": on the demo marketplace, POST /api/v1/quotes for
// the plan whose extra resources reproduce the reference example gives
// 63.00 tiered, 45.00 volume and 100.00 stairstep for 15 users; through a
// reseller the same plan costs more, and coupons apply.
func TestDemoQuoteReproducesTheReferenceExample(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			cfg := app.Config{DatabaseURL: dbtest.NewDatabaseURL(t, e), MarketplaceName: "Demo", Version: "test", LogFormat: "json"}
			a, err := app.New(context.Background(), cfg, app.Options{Hash: identitytest.CheapHash, Log: discard()})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if _, err := a.SeedDemo(context.Background()); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(a.Handler())
			defer srv.Close()
			en := &env{t: t, app: a, srv: srv}

			// Find the Team plan and its extras through the public API.
			var products struct {
				Data []struct{ ID, Name string } `json:"data"`
			}
			mustJSON(t, en.do("GET", "/api/v1/products?q=clouddrive", "", nil), &products)
			productID := ""
			for _, p := range products.Data {
				if p.Name == "CloudDrive Business" {
					productID = p.ID
				}
			}
			if productID == "" {
				t.Fatalf("search: %+v", products)
			}
			var plans struct {
				Data []struct {
					ID, Name string
					Extras   []struct{ ID, Name string } `json:"extras"`
				} `json:"data"`
			}
			mustJSON(t, en.do("GET", "/api/v1/products/"+productID+"/plans", "", nil), &plans)
			var planID string
			quantities := map[string]string{}
			names := map[string]string{}
			for _, p := range plans.Data {
				if p.Name == "Team" {
					planID = p.ID
					for _, x := range p.Extras {
						quantities[x.ID] = "15"
						names[x.ID] = x.Name
					}
				}
			}
			type line struct {
				Kind    string            `json:"kind"`
				ExtraID string            `json:"extra_id"`
				Amount  map[string]string `json:"amount"`
			}
			var q struct {
				Lines        []line            `json:"lines"`
				FirstInvoice map[string]string `json:"first_invoice"`
			}
			r := en.do("POST", "/api/v1/quotes", "", map[string]any{"plan_id": planID, "quantities": quantities})
			mustJSON(t, r, &q)
			got := map[string]string{}
			for _, l := range q.Lines {
				if l.Kind == "extra_resource" {
					got[names[l.ExtraID]] = l.Amount["amount"] + " " + l.Amount["currency"]
				}
			}
			want := map[string]string{"Users (tiered)": "63.00 EUR", "Users (volume)": "45.00 EUR", "Support pack (stairstep)": "100.00 EUR"}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q (%s)", k, got[k], v, r.Body)
				}
			}

			// A Skyline customer pays Skyline's own Team price with the
			// Skyline markup on extras; WELCOME10 takes 10 % off.
			login := en.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "customer@acme.example", "password": app.DemoPassword})
			var tok struct{ Token string }
			mustJSON(t, login, &tok)
			var acme struct {
				Lines []line `json:"lines"`
			}
			mustJSON(t, en.do("POST", "/api/v1/quotes", tok.Token, map[string]any{"plan_id": planID}), &acme)
			for _, l := range acme.Lines {
				if l.Kind == "licence" && l.Amount["amount"] != "24.90" {
					t.Errorf("Skyline's Team licence: %v", l.Amount)
				}
			}
			var discounted struct {
				Lines []line `json:"lines"`
			}
			mustJSON(t, en.do("POST", "/api/v1/quotes", tok.Token, map[string]any{"plan_id": planID, "coupon_code": "welcome10"}), &discounted)
			found := false
			for _, l := range discounted.Lines {
				found = found || (l.Kind == "coupon_discount" && strings.HasPrefix(l.Amount["amount"], "-"))
			}
			if !found {
				t.Errorf("no coupon discount line")
			}
			// Invalid combinations: 422 with a specific code.
			bad := en.do("POST", "/api/v1/quotes", tok.Token, map[string]any{"plan_id": planID, "periods": 5})
			p := wantProblem(t, bad, 422, "")
			if !strings.Contains(string(bad.Body), "invalid_duration") {
				t.Errorf("duration 5 of a plan sold for 1 or 12 months: %v", p)
			}
		})
	}
}

func mustJSON(t *testing.T, r response, v any) {
	t.Helper()
	if r.Status >= 300 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
}
