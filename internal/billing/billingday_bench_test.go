package billing_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/services/servicestest"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// BenchmarkBillingDay measures a billing day end to end: NEPHELE_BENCH_SUBSCRIPTIONS
// active monthly subscriptions (default 100,000), five per customer, each
// with a setup fee, a tiered extra resource and a metric, stored as
// subscriptions (copies of one placed, paid and started through the
// services). The clock moves past their period's end and the day runs as
// the test clock runs it without workers: the lifecycle renews every
// subscription (pricing the renewal, starting its next period), the events
// reach billing, and billing runs, until nothing is left; the time is from
// the boundary to the last invoice. The events are delivered while the
// lifecycle works, as a process with workers delivers them (one worker
// here; NEPHELE_BENCH_SEQUENTIAL=1 delivers them after it, as the test
// clock does without workers). Beside it, a plain batched insert of as
// many rows. Run it once:
//
//	go test ./internal/billing -run '^$' -bench BillingDay -benchtime 1x -timeout 60m
func BenchmarkBillingDay(b *testing.B) {
	n := benchSubscriptions()
	for _, e := range dbtest.Engines(b) {
		b.Run(string(e), func(b *testing.B) { benchDay(b, e, n) })
	}
}

func benchDay(b *testing.B, e db.Engine, n int) {
	ctx := sys()
	clk := clock.NewTest(start)
	d, _ := dbtest.OpenURL(b, e, dbtest.Options{Clock: clk})
	w := servicestest.New(b, d, servicestest.Options{Billing: billing.DefaultConfig})
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	plan := benchPlan(b, w.Billing, w.Catalog, w.Market)

	// One subscription placed, invoiced, paid and started for real.
	customer := w.Market.Orgs["customer_direct"].ID
	o, err := w.Subs.PlaceOrder(w.Market.As(b, "customer_direct"), subscription.PlaceOrderInput{PlanID: plan.ID,
		Quantities: decimals(map[string]string{plan.Extras[0].ID: "15"})})
	must(err)
	day := func() {
		b.Helper()
		for {
			t0 := clock.Stopwatch()
			renewed, delivered, stepsTook := steps(b, w, ctx)
			more, err := w.Outbox.DeliverPending(ctx)
			must(err)
			delivered += more
			t2 := t0()
			invoiced, err := w.Billing.RunDue(ctx)
			must(err)
			if os.Getenv("NEPHELE_BENCH_TRACE") != "" {
				fmt.Printf("  pass: %d steps in %.2fs, %d events delivered by %.2fs, %d invoices in %.2fs\n", renewed, stepsTook.Seconds(),
					delivered, t2.Seconds(), invoiced, (t0() - t2).Seconds())
			}
			if renewed+delivered+invoiced == 0 {
				return
			}
		}
	}
	day()
	invs, _, err := w.Billing.ListInvoices(ctx, billing.InvoiceFilter{RecipientOrgID: customer})
	must(err)
	_, err = w.Billing.RecordPayment(w.Market.As(b, "admin"), invs[0].ID, billing.PaymentInput{Reference: "SLIP", ReceivedOn: start})
	must(err)
	day()

	// The population: copies of its customer and of its subscription.
	customers := n / 5
	dbtest.CloneRows(b, d, "organizations", customer, customers, map[string]string{"id": dbtest.IDExpr(e, "org", "g.n"),
		"name": "'Customer ' || " + dbtest.TextExpr(e, "g.n"), "email": "''"})
	dbtest.CloneRows(b, d, "subscriptions", o.SubscriptionID, n, map[string]string{"id": dbtest.IDExpr(e, "sub", "g.n"),
		"customer_org_id": dbtest.IDExpr(e, "org", "((g.n - 1) % "+strconv.Itoa(customers)+") + 1")})
	// Statistics as a live database has them: taken before the day.
	_, err = d.Exec(ctx, `ANALYZE`)
	must(err)

	// The boundary, an hour past the hold of the last period's usage.
	boundary := start.AddDate(0, 1, 0)
	clk.Set(boundary.Add(2 * time.Hour))
	self0, server0 := cpuSeconds(e)
	resetPeakRSS()
	heap := watchHeap()
	t0 := clock.Stopwatch()
	day()
	el := t0()
	heapPeak := heap()
	self1, server1 := cpuSeconds(e)
	var issued, renewed int
	must(d.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE issued_at >= $1`, boundary).Scan(&issued))
	must(d.QueryRow(ctx, `SELECT count(*) FROM subscriptions WHERE current_period_start = $1`, boundary).Scan(&renewed))
	if issued != customers+1 || renewed != n+1 {
		b.Fatalf("the day renewed %d of %d subscriptions and issued %d invoices for %d customers", renewed, n+1, issued, customers+1)
	}
	must(w.Ledger.Check(ctx))
	if os.Getenv("NEPHELE_BENCH_TRACE") != "" {
		var events, bytes int64
		must(d.QueryRow(ctx, `SELECT count(*), coalesce(sum(length(CAST(data AS TEXT))), 0) FROM events WHERE occurred_at >= $1`, boundary).Scan(&events, &bytes))
		fmt.Printf("  the day's events: %d, %d bytes\n", events, bytes)
		kinds, err := db.Select(ctx, d, func(sc db.Scanner) (string, error) {
			var typ string
			var n, size int64
			err := sc.Scan(&typ, &n, &size)
			return fmt.Sprintf("    %s: %d, %d bytes each", typ, n, size), err
		}, `SELECT type, count(*), sum(length(CAST(data AS TEXT))) / count(*) FROM events WHERE occurred_at >= $1 GROUP BY type ORDER BY type`, boundary)
		must(err)
		fmt.Println(strings.Join(kinds, "\n"))
		if os.Getenv("NEPHELE_BENCH_DUMP") != "" {
			var data string
			must(d.QueryRow(ctx, `SELECT data FROM events WHERE type = 'subscription.periods_started' AND occurred_at >= $1 LIMIT 1`, boundary).Scan(&data))
			must(os.WriteFile(os.Getenv("NEPHELE_BENCH_DUMP"), []byte(data), 0o600))
		}
		var charges, detail int64
		must(d.QueryRow(ctx, `SELECT count(*), coalesce(sum(length(CAST(detail AS TEXT))), 0) FROM charge_details`).Scan(&charges, &detail))
		fmt.Printf("  charges: %d, details %d bytes\n", charges, detail)
	}

	// As many rows plainly inserted, in batches of as many.
	_, err = d.Exec(ctx, `CREATE TABLE bench_rows (id TEXT PRIMARY KEY, customer TEXT NOT NULL, amount_minor BIGINT NOT NULL, at TIMESTAMP NOT NULL)`)
	must(err)
	t1 := clock.Stopwatch()
	for lo := 0; lo < n; lo += 1000 {
		must(d.InTx(ctx, func(ctx context.Context) error {
			var rs [][]any
			for i := lo; i < min(lo+1000, n); i++ {
				rs = append(rs, []any{fmt.Sprintf("row_%09d", i), "org", int64(2000), boundary})
			}
			_, err := d.CopyIn(ctx, "bench_rows", []string{"id", "customer", "amount_minor", "at"}, rs)
			return err
		}))
	}
	plain := float64(n) / t1().Seconds()
	rate := float64(n) / el.Seconds()
	fmt.Printf("\nbilling day on %s: %d subscriptions of %d customers renewed and invoiced in %.2fs: %.0f subscriptions/s, %.0f invoices/s\n",
		e, n, customers, el.Seconds(), rate, float64(customers)/el.Seconds())
	used := fmt.Sprintf("%.2f s in this process", self1-self0)
	if e == db.Postgres {
		used += fmt.Sprintf(" + %.2f s in the local PostgreSQL server", server1-server0)
	}
	fmt.Printf("  CPU %s; peak RSS %.0f MB, Go heap in use at most %.0f MB\n",
		used, peakRSS(), heapPeak)
	fmt.Printf("  plain batched insert of %d rows: %.0f rows/s (the day: %.3f of it)\n", n, plain, rate/plain)
	b.ReportMetric(rate, "subscriptions/s")
}

// steps runs the lifecycle's due work and, unless NEPHELE_BENCH_SEQUENTIAL
// is set, delivers the events it publishes meanwhile, as a worker would.
// It returns the steps, the events delivered and how long the steps took.
func steps(b *testing.B, w *servicestest.World, ctx context.Context) (renewed, delivered int, took time.Duration) {
	b.Helper()
	t0 := clock.Stopwatch()
	if os.Getenv("NEPHELE_BENCH_SEQUENTIAL") != "" {
		n, err := w.Subs.RunDue(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return n, 0, t0()
	}
	var runErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		renewed, runErr = w.Subs.RunDue(ctx)
		took = t0()
	}()
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		n, err := w.Outbox.DeliverPending(ctx)
		if err != nil {
			b.Fatal(err)
		}
		delivered += n
		if n == 0 && !finished {
			time.Sleep(2 * time.Millisecond)
		}
	}
	if runErr != nil {
		b.Fatal(runErr)
	}
	return renewed, delivered, took
}

// watchHeap samples the Go heap in use every 50 ms until the returned
// function is called, which returns the most seen, in MB.
func watchHeap() func() float64 {
	stop := make(chan struct{})
	peak := make(chan uint64, 1)
	go func() {
		var most uint64
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			most = max(most, m.HeapInuse)
			select {
			case <-stop:
				peak <- most
				return
			case <-tick.C:
			}
		}
	}()
	return func() float64 {
		close(stop)
		return float64(<-peak) / (1 << 20)
	}
}
