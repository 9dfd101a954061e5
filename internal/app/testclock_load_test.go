package app_test

import (
	"context"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/app"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// The test clock's advance over a boundary of 3,000 subscriptions (600
// customers) completes, with the workers on: the lifecycle renews them in
// batches, each batch's periods reach billing as one event, and the
// advance's wait for an idle queue (a minute at most) is not exceeded.
// (It was: one job per event, three events per subscription, "1688 jobs
// still pending" after 60 s.)
func TestTestClockAdvancesOverThousandsOfSubscriptions(t *testing.T) {
	if testing.Short() {
		t.Skip("3,000 subscriptions")
	}
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			cfg := app.Config{DatabaseURL: dbtest.NewDatabaseURL(t, e), MarketplaceName: "Demo", Version: "test", LogFormat: "json",
				TestClock: true, Workers: 10}
			a, err := app.New(context.Background(), cfg, app.Options{Hash: identitytest.CheapHash, Log: discard(), PollInterval: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() }) // after serving's own clean-up, which stops the process
			ctx := context.Background()
			if _, err := a.SeedDemo(ctx); err != nil {
				t.Fatal(err)
			}
			en := serving(t, a)
			admin, customer := demoLogin(en, "admin@nephele.example"), demoLogin(en, "customer@umbrella.example")

			// One subscription ordered, invoiced and paid through the API,
			order, now := orderTeamPaid(en, admin, customer)
			// copied to 3,000 of 600 customers, once the payment's work is done.
			wctx, stop := context.WithTimeout(ctx, time.Minute)
			defer stop()
			if err := a.Queue.WaitIdle(wctx); err != nil {
				t.Fatal(err)
			}
			const subs, customers = 3000, 600
			var customerID string
			if err := a.DB.QueryRow(ctx, `SELECT customer_org_id FROM subscriptions WHERE id = $1`, order.SubscriptionID).Scan(&customerID); err != nil {
				t.Fatal(err)
			}
			dbtest.CloneRows(t, a.DB, "organizations", customerID, customers-1, map[string]string{"id": dbtest.IDExpr(e, "org", "g.n"),
				"name": "'Customer ' || " + dbtest.TextExpr(e, "g.n"), "email": "''"})
			dbtest.CloneRows(t, a.DB, "subscriptions", order.SubscriptionID, subs-1, map[string]string{"id": dbtest.IDExpr(e, "sub", "g.n"),
				"customer_org_id": dbtest.IDExpr(e, "org", "((g.n - 1) % "+strconv.Itoa(customers-1)+") + 1")})

			// The customers of the copies, and how many of their subscriptions
			// run (the demo may have more than the copies).
			theirs := `(customer_org_id = $1 OR customer_org_id IN (SELECT id FROM organizations WHERE name LIKE 'Customer %'))`
			count := func(q string, args ...any) int {
				t.Helper()
				var n int
				if err := a.DB.QueryRow(ctx, q, args...).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			active := count(`SELECT count(*) FROM subscriptions WHERE status = 'active' AND `+theirs, customerID)
			if active < subs {
				t.Fatalf("%d active subscriptions before the boundary, want at least %d", active, subs)
			}

			to := now.AddDate(0, 1, 0).Add(time.Hour)
			r := en.do("POST", "/api/v1/test-clock/advance", admin, map[string]string{"to": to.Format(time.RFC3339)})
			if r.Status != 200 {
				t.Fatalf("advance over %d subscriptions: %d %s", subs, r.Status, r.Body)
			}
			renewed := count(`SELECT count(*) FROM subscriptions WHERE status = 'active' AND current_period_start > $2 AND `+theirs, customerID, now)
			invoiced := count(`SELECT count(DISTINCT recipient_org_id) FROM invoices WHERE issued_at > $2 AND `+
				strings.ReplaceAll(theirs, "customer_org_id", "recipient_org_id"), customerID, now.Add(time.Hour))
			if renewed != active || invoiced != customers {
				t.Fatalf("after the advance: %d of %d subscriptions renewed, %d of %d customers invoiced", renewed, active, invoiced, customers)
			}
		})
	}
}

// serving runs a (serving requests and working jobs, as a process does)
// until the test ends, and returns a client environment for it.
func serving(t *testing.T, a *app.App) *env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- a.Run(ctx, ln, func(addr string) { ready <- addr }) }()
	t.Cleanup(func() { cancel(); <-done })
	<-ready
	srv := httptest.NewServer(a.Handler()) // beside Run's listener, for its client
	t.Cleanup(srv.Close)
	return &env{t: t, app: a, srv: srv}
}
