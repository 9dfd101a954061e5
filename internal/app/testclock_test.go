package app_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/app"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// Without --test-clock the test-clock API does not exist.
func TestTestClockAbsentByDefault(t *testing.T) {
	t.Parallel()
	en := newEnv(t, db.SQLite)
	wantProblem(t, en.as("admin", "GET", "/api/v1/test-clock", nil), 404, "")
	wantProblem(t, en.as("admin", "POST", "/api/v1/test-clock/advance", map[string]string{"to": "2030-01-01T00:00:00Z"}), 404, "")
}

// With it, advancing runs the work that became due: a customer of the demo
// orders a monthly plan, it is paid, and two months later it has renewed
// twice. Going back is refused; only administrators move the clock.
func TestTestClockAdvanceRunsDueWork(t *testing.T) {
	t.Parallel()
	cfg := app.Config{DatabaseURL: dbtest.NewDatabaseURL(t, db.SQLite), MarketplaceName: "Demo", Version: "test", LogFormat: "json", TestClock: true}
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
	admin, customer := demoLogin(en, "admin@nephele.example"), demoLogin(en, "customer@umbrella.example")

	var clk struct{ Now time.Time }
	mustJSON(t, en.do("GET", "/api/v1/test-clock", admin, nil), &clk)
	wantProblem(t, en.do("GET", "/api/v1/test-clock", customer, nil), 403, "permission_denied")
	order, now := orderTeamPaid(en, admin, customer)
	clk.Now = now
	var invoices struct {
		Data []struct {
			ID     string `json:"id"`
			Number string `json:"number"`
			Status string `json:"status"`
		} `json:"data"`
	}

	to := clk.Now.AddDate(0, 2, 0).Add(time.Hour).UTC().Format(time.RFC3339)
	mustJSON(t, en.do("POST", "/api/v1/test-clock/advance", admin, map[string]string{"to": to}), &clk)
	// Sessions run on the real clock: two simulated months sign no one out.
	var renewals struct {
		Data []json.RawMessage `json:"data"`
	}
	mustJSON(t, en.do("GET", "/api/v1/orders?type=renewal&subscription_id="+order.SubscriptionID, customer, nil), &renewals)
	if len(renewals.Data) != 2 {
		t.Fatalf("%d renewals after two months", len(renewals.Data))
	}
	mustJSON(t, en.do("GET", "/api/v1/invoices?subscription_id="+order.SubscriptionID, customer, nil), &invoices)
	if len(invoices.Data) != 3 || invoices.Data[0].Status != "issued" || invoices.Data[2].Status != "paid" {
		t.Fatalf("invoices after two months: %+v", invoices.Data)
	}
	back := en.do("POST", "/api/v1/test-clock/advance", admin, map[string]string{"to": clk.Now.Add(-time.Hour).Format(time.RFC3339)})
	wantProblem(t, back, 422, "clock_backwards")
}

// demoLogin signs a demo user in and returns the token.
func demoLogin(en *env, email string) string {
	en.t.Helper()
	var tok struct{ Token string }
	mustJSON(en.t, en.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": app.DemoPassword}), &tok)
	return tok.Token
}

// teamOrder is the order orderTeamPaid places.
type teamOrder struct {
	ID             string `json:"id"`
	SubscriptionID string `json:"subscription_id"`
}

// orderTeamPaid has customer order the demo's CloudDrive Team (placed
// twice with one idempotency key: one order), advances the test clock to
// now so that its first invoice is issued, and has admin record it paid.
// It returns the order and the test clock's time.
func orderTeamPaid(en *env, admin, customer string) (teamOrder, time.Time) {
	t := en.t
	t.Helper()
	var clk struct{ Now time.Time }
	mustJSON(t, en.do("GET", "/api/v1/test-clock", admin, nil), &clk)
	var products struct {
		Data []struct{ ID, Name string } `json:"data"`
	}
	mustJSON(t, en.do("GET", "/api/v1/products?q=clouddrive", "", nil), &products)
	var productID string
	for _, p := range products.Data {
		if p.Name == "CloudDrive Business" {
			productID = p.ID
		}
	}
	var plans struct {
		Data []struct{ ID, Name string } `json:"data"`
	}
	mustJSON(t, en.do("GET", "/api/v1/products/"+productID+"/plans", "", nil), &plans)
	var team string
	for _, p := range plans.Data {
		if p.Name == "Team" {
			team = p.ID
		}
	}
	var order teamOrder
	r := en.do("POST", "/api/v1/orders", customer, map[string]any{"plan_id": team}, "Idempotency-Key", "order-1")
	mustJSON(t, r, &order)
	// The same order submitted again with the key is one order.
	again := en.do("POST", "/api/v1/orders", customer, map[string]any{"plan_id": team}, "Idempotency-Key", "order-1")
	if again.Status != 201 || string(again.Body) != string(r.Body) {
		t.Fatalf("replayed order: %d", again.Status)
	}
	// Advancing to now runs what is due now: the first invoice, which an
	// administrator records paid.
	mustJSON(t, en.do("POST", "/api/v1/test-clock/advance", admin, map[string]string{"to": clk.Now.Format(time.RFC3339Nano)}), &clk)
	var invoices struct {
		Data []struct {
			ID     string `json:"id"`
			Number string `json:"number"`
		} `json:"data"`
	}
	mustJSON(t, en.do("GET", "/api/v1/invoices?subscription_id="+order.SubscriptionID, customer, nil), &invoices)
	if len(invoices.Data) != 1 || !strings.HasPrefix(invoices.Data[0].Number, "INV-"+clk.Now.Format("2006")+"-") {
		t.Fatalf("first invoice: %+v", invoices.Data)
	}
	mustJSON(t, en.do("POST", "/api/v1/invoices/"+invoices.Data[0].ID+"/payments", admin,
		map[string]string{"reference": "BANK-1", "received_on": clk.Now.Format(time.RFC3339)}), &struct{}{})
	return order, clk.Now
}
