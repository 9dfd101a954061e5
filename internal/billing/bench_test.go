package billing_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// BenchmarkBillingRun measures billing runs over many subscriptions:
// NEPHELE_BENCH_SUBSCRIPTIONS monthly subscriptions (default 100,000), five
// per customer, each with a setup fee, a tiered extra resource and a
// metric. The first run invoices every first period in advance (setup fee,
// licence, extra); the second, a month later, the metric's use of the first
// period in arrears with the second period's licence and extra, one
// invoice per customer each time. The charges are copies of those the
// lifecycle recorded for one real subscription, so the run bills exactly
// what production would. Beside each run it times a plain batched insert
// of as many rows into the same database, and it reports the process's
// peak RSS during the runs. Run it once:
//
//	go test ./internal/billing -run '^$' -bench BillingRun -benchtime 1x -timeout 60m
//
// NEPHELE_BENCH_STATEMENTS=1 adds, on a PostgreSQL with pg_stat_statements
// loaded, the server's longest statements of the second run;
// NEPHELE_BENCH_PROFILE=file writes a CPU profile of the second run to
// file.sqlite and file.postgres.
func BenchmarkBillingRun(b *testing.B) {
	n := benchSubscriptions()
	for _, e := range dbtest.Engines(b) {
		b.Run(string(e), func(b *testing.B) { benchRun(b, e, n) })
	}
}

// benchSubscriptions is how many subscriptions a benchmark bills:
// NEPHELE_BENCH_SUBSCRIPTIONS, 100,000 by default.
func benchSubscriptions() int {
	if v, err := strconv.Atoi(os.Getenv("NEPHELE_BENCH_SUBSCRIPTIONS")); err == nil && v > 0 {
		return v
	}
	return 100000
}

// benchPlan publishes the benchmarks' plan (a setup fee, a tiered extra
// resource, a metric) of vendor_a, with Italian VAT to charge.
func benchPlan(b *testing.B, bill *billing.Service, cat *catalog.Service, w *identitytest.World) catalog.Plan {
	b.Helper()
	if _, err := bill.CreateTaxRate(w.As(b, "admin"), billing.TaxRateInput{Country: str("IT"), Rate: decp("22"), Name: str("VAT IT")}); err != nil {
		b.Fatal(err)
	}
	in := catalogtest.SeedPlanInput("Bench")
	in.Extras = &[]catalog.ExtraInput{{Name: "Users", Unit: "user", Scheme: catalogtest.SeedScheme(pricing.SchemeTiered)}}
	in.Metrics = &[]catalog.MetricInput{{Key: "api_calls", Name: "API calls", Unit: "call", Aggregation: "sum", Included: dec("100"),
		Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: dec("0.01")}}}
	in.IaaSCost, in.TrialDays = nil, nil
	_, plans := catalogtest.Published(b, cat, w.Orgs["vendor_a"].ID, "Bench Drive", in)
	return plans[0]
}

func benchRun(b *testing.B, e db.Engine, n int) {
	ctx := context.Background()
	clk := clock.NewTest(start)
	d, _ := dbtest.OpenURL(b, e, dbtest.Options{Clock: clk})
	w, cat, _, subs, bill, led, ob := servicesWith(b, d, billing.DefaultConfig)
	plan := benchPlan(b, bill, cat, w)

	// One real subscription through two periods gives the charge templates.
	o, err := subs.PlaceOrder(w.As(b, "customer_direct"), subscription.PlaceOrderInput{PlanID: plan.ID,
		Quantities: decimals(map[string]string{plan.Extras[0].ID: "15"})})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ob.DeliverPending(ctx); err != nil {
		b.Fatal(err)
	}
	clk.Set(start.AddDate(0, 1, 0))
	if _, err := subs.RunDue(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := ob.DeliverPending(ctx); err != nil {
		b.Fatal(err)
	}
	clk.Set(start)
	tmpl := map[string]string{} // "advance/0", "arrears/0", "advance/1" → detail
	var tmplArrears string      // the real arrears charge, carried by advance/1
	type trow struct {
		id, kind, detail string
		at               time.Time
	}
	rows, err := db.Select(ctx, d, func(sc db.Scanner) (trow, error) {
		var r trow
		return r, sc.Scan(&r.id, &r.kind, &r.detail, &r.at)
	}, `SELECT c.id, c.kind, d.detail, c.period_start FROM charges c JOIN charge_details d ON d.charge_id = c.id WHERE c.subscription_id = $1`, o.SubscriptionID)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range rows {
		k := "0"
		if r.at.After(start) {
			k = "1"
		}
		tmpl[r.kind+"/"+k] = r.detail
		if r.kind == "arrears" && k == "0" {
			tmplArrears = r.id
		}
	}
	if !strings.Contains(tmpl["advance/1"], tmplArrears) {
		b.Fatal("the second period's charge does not carry the first one's usage")
	}
	if tmpl["advance/0"] == "" || tmpl["arrears/0"] == "" || tmpl["advance/1"] == "" {
		b.Fatalf("templates: %v", tmpl)
	}
	var terms, prices, chain string
	if err := d.QueryRow(ctx, `SELECT terms, prices, chain FROM subscriptions WHERE id = $1`, o.SubscriptionID).Scan(&terms, &prices, &chain); err != nil {
		b.Fatal(err)
	}
	for _, t := range []string{"charge_details", "charge_states"} {
		if _, err := d.Exec(ctx, `DELETE FROM `+t); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := d.Exec(ctx, `DELETE FROM charges`); err != nil {
		b.Fatal(err)
	}

	// The population, written in batches.
	operator, vendor := w.Orgs["operator"].ID, w.Orgs["vendor_a"].ID
	customers := n / 5
	custIDs := make([]string, customers)
	subIDs := make([]string, n)
	now := start
	inTx := func(fn func(ctx context.Context) error) {
		if err := d.InTx(ctx, fn); err != nil {
			b.Fatal(err)
		}
	}
	copyIn := func(ctx context.Context, table string, cols []string, rows [][]any) {
		if _, err := d.CopyIn(ctx, table, cols, rows); err != nil {
			b.Fatal(err)
		}
	}
	const chunk = 5000
	for lo := 0; lo < customers; lo += chunk {
		inTx(func(ctx context.Context) error {
			var rs [][]any
			for i := lo; i < min(lo+chunk, customers); i++ {
				custIDs[i] = ids.New(ids.Organization)
				rs = append(rs, []any{custIDs[i], "customer", operator, fmt.Sprintf("Customer %06d", i), "IT", now, now})
			}
			copyIn(ctx, "organizations", []string{"id", "kind", "parent_id", "name", "country", "created_at", "updated_at"}, rs)
			return nil
		})
	}
	end := start.AddDate(0, 1, 0)
	arrearsIDs := make([]string, n)
	var details, states [][]any // details and states of the charges made since the last flush
	charge := func(id, sub, payer, kind, detail string, ps, pe, billAt time.Time) []any {
		details = append(details, []any{id, detail})
		states = append(states, []any{id, payer, billAt, "pending"})
		return []any{id, sub + "/" + ps.Format(time.RFC3339Nano) + "/" + kind, kind, payer, operator, vendor, sub,
			"EUR", false, ps, pe, billAt, now}
	}
	chargeCols := []string{"id", "key", "kind", "payer_org_id", "issuer_org_id", "vendor_org_id", "subscription_id", "currency",
		"self_billed", "period_start", "period_end", "bill_at", "created_at"}
	copyCharges := func(ctx context.Context, cs [][]any) {
		copyIn(ctx, "charges", chargeCols, cs)
		copyIn(ctx, "charge_states", []string{"charge_id", "payer_org_id", "bill_at", "status"}, states)
		copyIn(ctx, "charge_details", []string{"charge_id", "detail"}, details)
		details, states = nil, nil
	}
	for lo := 0; lo < n; lo += chunk {
		inTx(func(ctx context.Context) error {
			var ss, cs, us [][]any
			for i := lo; i < min(lo+chunk, n); i++ {
				subIDs[i] = ids.New(subscription.SubscriptionKind)
				payer := custIDs[i%customers]
				ss = append(ss, []any{subIDs[i], "normal", payer, operator, vendor, plan.ProductID, plan.ID, "ord_bench", terms, prices, chain,
					"EUR", "active", "deployed", true, 1, now, now, now})
				arrearsIDs[i] = ids.New(billing.ChargeKind)
				cs = append(cs, charge(ids.New(billing.ChargeKind), subIDs[i], payer, "advance", tmpl["advance/0"], start, end, start),
					charge(arrearsIDs[i], subIDs[i], payer, "arrears", tmpl["arrears/0"], start, end, end))
				us = append(us, []any{subIDs[i], "api_calls", start, strconv.Itoa(100 + i%900), "usr_bench", now})
			}
			copyIn(ctx, "subscriptions", []string{"id", "kind", "customer_org_id", "seller_org_id", "vendor_org_id", "product_id", "plan_id",
				"order_id", "terms", "prices", "chain", "currency", "status", "provisioning", "auto_renew", "commitment_periods",
				"started_at", "created_at", "updated_at"}, ss)
			copyCharges(ctx, cs)
			copyIn(ctx, "usage_records", []string{"subscription_id", "item", "period_start", "quantity", "recorded_by", "recorded_at"}, us)
			return nil
		})
	}

	counts := func() (int, int) {
		var invs, lines int
		_ = d.QueryRow(ctx, `SELECT count(*) FROM invoices`).Scan(&invs)
		body := "lines" // bodies are TEXT on both engines
		if e == db.Postgres {
			body = "lines::json"
		}
		_ = d.QueryRow(ctx, `SELECT coalesce(sum(json_array_length(`+body+`)), 0) FROM invoice_bodies`).Scan(&lines)
		return invs, lines
	}
	var cpu [2][2]float64 // per run: this process, local PostgreSQL
	runs := 0
	statements := func() string { return "" } // the server's statements in a run, where traced
	var traced string
	run := func(name string) (int, int, time.Duration) {
		invs0, lines0 := counts()
		self0, server0 := cpuSeconds(e)
		t0 := clock.Stopwatch()
		_, err := bill.RunDue(ctx)
		el := t0()
		self1, server1 := cpuSeconds(e)
		cpu[runs] = [2]float64{self1 - self0, server1 - server0}
		traced = statements()
		runs++
		if err != nil {
			b.Fatal(err)
		}
		invs, lines := counts()
		if invs-invs0 != customers {
			b.Fatalf("%s: %d invoices for %d customers", name, invs-invs0, customers)
		}
		return invs - invs0, lines - lines0, el
	}
	// Fresh tables get statistics, as autovacuum (PostgreSQL) and the
	// hourly maintenance's ANALYZE (SQLite) give them in production.
	if _, err := d.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	stop := sampleHeap()
	resetPeakRSS()
	inv1, lines1, el1 := run("first periods")
	// A month later: the second periods begin, each charge carrying the
	// first period's usage, as the lifecycle records them.
	clk.Set(end)
	for lo := 0; lo < n; lo += chunk {
		inTx(func(ctx context.Context) error {
			var cs [][]any
			for i := lo; i < min(lo+chunk, n); i++ {
				cs = append(cs, charge(ids.New(billing.ChargeKind), subIDs[i], custIDs[i%customers], "advance",
					strings.Replace(tmpl["advance/1"], tmplArrears, arrearsIDs[i], 1), end, end.AddDate(0, 1, 0), end))
			}
			copyCharges(ctx, cs)
			return nil
		})
	}
	if _, err := d.Exec(ctx, `UPDATE charge_states SET status = 'merged'
		WHERE status = 'pending' AND charge_id IN (SELECT id FROM charges WHERE kind = 'arrears')`); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	statements = traceStatements(ctx, b, d, e)
	if f := os.Getenv("NEPHELE_BENCH_PROFILE"); f != "" {
		stop := cpuProfile(b, f+"."+string(e))
		defer stop()
		prev := statements
		statements = func() string { stop(); return prev() }
	}
	inv2, lines2, el2 := run("second periods")
	peak := peakRSS()
	heap, anon := stop()
	var dbMB int64
	if e == db.SQLite {
		var pages, size int64
		_ = d.QueryRow(ctx, `PRAGMA page_count`).Scan(&pages)
		_ = d.QueryRow(ctx, `PRAGMA page_size`).Scan(&size)
		dbMB = pages * size >> 20
	}
	if err := led.Check(ctx); err != nil {
		b.Fatal(err)
	}
	if err := bill.Check(ctx); err != nil {
		b.Fatal(err)
	}

	// The same number of rows, plainly inserted in batches of the run's
	// size (a run writes a batch of payers per transaction).
	if _, err := d.Exec(ctx, `CREATE TABLE bench_lines (invoice_id TEXT NOT NULL, line_no INTEGER NOT NULL, description TEXT NOT NULL,
		quantity TEXT NOT NULL, amount_minor BIGINT NOT NULL, period_start TIMESTAMP, PRIMARY KEY (invoice_id, line_no))`); err != nil {
		b.Fatal(err)
	}
	perTx := lines1 / max(1, customers/billing.DefaultConfig.BatchPayers)
	t0 := clock.Stopwatch()
	for lo := 0; lo < lines1; lo += perTx {
		inTx(func(ctx context.Context) error {
			var rs [][]any
			for i := lo; i < min(lo+perTx, lines1); i++ {
				rs = append(rs, []any{fmt.Sprintf("inv_%09d", i/15), i % 15, "Bench Drive: Licence, 1 month", "1", int64(2000), start})
			}
			copyIn(ctx, "bench_lines", []string{"invoice_id", "line_no", "description", "quantity", "amount_minor", "period_start"}, rs)
			return nil
		})
	}
	plain := float64(lines1) / t0().Seconds()

	rate := func(k int, el time.Duration) float64 { return float64(k) / el.Seconds() }
	fmt.Printf("\nbilling run on %s: %d subscriptions, %d customers\n", e, n, customers)
	for i, r := range []struct {
		name       string
		inv, lines int
		el         time.Duration
	}{{"first periods (setup, licence, extra in advance)", inv1, lines1, el1}, {"second periods (usage in arrears + licence, extra)", inv2, lines2, el2}} {
		fmt.Printf("  %-52s %6d invoices %7d lines in %6.2fs: %7.0f invoices/s %8.0f lines/s (%.2f of a plain insert)\n",
			r.name, r.inv, r.lines, r.el.Seconds(), rate(r.inv, r.el), rate(r.lines, r.el), rate(r.lines, r.el)/plain)
		// CPU time is steadier than the clock on a shared machine.
		used := fmt.Sprintf("%.2f s in this process", cpu[i][0])
		if e == db.Postgres {
			used += fmt.Sprintf(" + %.2f s in the local PostgreSQL server", cpu[i][1])
		}
		fmt.Printf("  %-52s CPU %s: %.0f invoices per CPU second\n", "", used, float64(r.inv)/(cpu[i][0]+cpu[i][1]))
	}
	fmt.Printf("  plain batched insert of %d rows: %.0f rows/s\n", lines1, plain)
	mapped := ""
	if e == db.SQLite {
		mapped = " (the rest is the memory-mapped database file)"
	}
	fmt.Printf("  peak during the runs: RSS %.0f MB, of which private %.0f MB%s, Go heap %.0f MB\n", peak, anon, mapped, heap)
	if dbMB > 0 {
		fmt.Printf("  database file: %d MB\n", dbMB)
	}
	fmt.Print(traced)
	b.ReportMetric(rate(inv1+inv2, el1+el2), "invoices/s")
	b.ReportMetric(rate(lines1+lines2, el1+el2), "lines/s")
	b.ReportMetric(plain, "plain_rows/s")
	b.ReportMetric(peak, "peak_RSS_MB")
	b.ReportMetric(heap, "peak_heap_MB")
	b.ReportMetric(anon, "peak_private_MB")
}

// traceStatements, when NEPHELE_BENCH_STATEMENTS is set on PostgreSQL
// with pg_stat_statements loaded (shared_preload_libraries), resets the
// server's statement statistics and returns a function that reports the
// statements that took the server longest since, with the WAL each wrote:
// where a run's server time goes.
func traceStatements(ctx context.Context, b *testing.B, d *db.DB, e db.Engine) func() string {
	none := func() string { return "" }
	if os.Getenv("NEPHELE_BENCH_STATEMENTS") == "" || e != db.Postgres {
		return none
	}
	if _, err := d.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		b.Logf("no statement statistics: %v", err)
		return none
	}
	if _, err := d.Exec(ctx, `SELECT pg_stat_statements_reset()`); err != nil {
		b.Logf("no statement statistics (is pg_stat_statements in shared_preload_libraries?): %v", err)
		return none
	}
	return func() string {
		rows, err := db.Select(ctx, d, func(sc db.Scanner) (string, error) {
			var q string
			var calls, n int64
			var ms, wal float64
			err := sc.Scan(&q, &calls, &n, &ms, &wal)
			q = strings.Join(strings.Fields(q), " ")
			return fmt.Sprintf("  %7.0f ms %6d calls %7d rows %7.0f kB WAL  %.110s", ms, calls, n, wal/1024, q), err
		}, `SELECT query, calls, rows, total_exec_time, wal_bytes::float8 FROM pg_stat_statements
			WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT 15`)
		if err != nil {
			b.Logf("statement statistics: %v", err)
			return ""
		}
		return "  the server's statements in the second run, longest first:\n" + strings.Join(rows, "\n") + "\n"
	}
}

// cpuProfile writes a CPU profile of this process to file until the
// function it returns is called (again: nothing), and the allocations
// profile at both ends to file.allocs.base and file.allocs (compare them
// with go tool pprof -base).
func cpuProfile(b *testing.B, file string) func() {
	allocs := func(name string) {
		f, err := os.Create(name)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			b.Fatal(err)
		}
	}
	allocs(file + ".allocs.base")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			_ = f.Close()
			allocs(file + ".allocs")
		})
	}
}

// cpuSeconds is the CPU time this process has used and, on PostgreSQL,
// the processes of a local server (Linux; 0 where it cannot be read).
func cpuSeconds(e db.Engine) (self, server float64) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	if e != db.Postgres {
		return self, 0
	}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		comm, err := os.ReadFile("/proc/" + p.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		stat, err := os.ReadFile("/proc/" + p.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command's closing parenthesis: utime, stime,
		// cutime and cstime are the 12th to 15th, in clock ticks (100/s).
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		for _, i := range []int{11, 12, 13, 14} {
			if i < len(f) {
				ticks, _ := strconv.ParseFloat(f[i], 64)
				server += ticks / 100
			}
		}
	}
	return self, server
}

// resetPeakRSS resets the kernel's high-water mark of the process's
// resident set (Linux), so peakRSS measures what follows.
func resetPeakRSS() {
	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS is the process's peak resident set in MB since the last reset.
func peakRSS() float64 { return procStatusMB("VmHWM:") }

// procStatusMB reads a field of /proc/self/status (Linux) in MB.
func procStatusMB(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// sampleHeap samples the Go heap in use and the process's anonymous
// resident memory (the heap, SQLite's page cache and every other private
// page, not the memory-mapped database file) every 20 ms until the
// returned function is called, which returns both peaks in MB.
func sampleHeap() func() (heap, anon float64) {
	done := make(chan struct{})
	type peaks struct{ heap, anon float64 }
	peak := make(chan peaks)
	go func() {
		var heap uint64
		var anon float64
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			heap = max(heap, m.HeapInuse)
			anon = max(anon, procStatusMB("RssAnon:"))
			select {
			case <-done:
				peak <- peaks{float64(heap) / (1 << 20), anon}
				return
			case <-t.C:
			}
		}
	}()
	return func() (float64, float64) {
		close(done)
		p := <-peak
		return p.heap, p.anon
	}
}
