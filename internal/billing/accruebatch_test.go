package billing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// chargeRows lists the charges of subscriptions subs in key order, each
// as its key, kind, payer, state (with the key of the charge a merged one
// is merged into) and detail (amounts, lines, claims, what it carries).
func (f *fixture) chargeRows(ctx context.Context, subs []string) []string {
	f.t.Helper()
	q := db.NewQuery(`SELECT c.key, c.kind, c.payer_org_id, cs.status, COALESCE(m.key, ''), d.detail
		FROM charges c JOIN charge_states cs ON cs.charge_id = c.id JOIN charge_details d ON d.charge_id = c.id
		LEFT JOIN charges m ON m.id = cs.run_id AND cs.status = 'merged' WHERE c.subscription_id IN (`)
	for i, s := range subs {
		if i > 0 {
			q.Add(", ")
		}
		q.Add(q.Arg(s))
	}
	q.Add(`) ORDER BY c.key`)
	rows, err := db.Select(ctx, f.d, func(sc db.Scanner) (string, error) {
		var key, kind, payer, status, into, detail string
		if err := sc.Scan(&key, &kind, &payer, &status, &into, &detail); err != nil {
			return "", err
		}
		// The carried charge by its key: ids differ from one delivery
		// to the next, what they bill does not.
		var d map[string]any
		if err := json.Unmarshal([]byte(detail), &d); err != nil {
			return "", err
		}
		if c, ok := d["carried"].(map[string]any); ok {
			c["charge_id"] = "carried"
		}
		b, _ := json.Marshal(d)
		return fmt.Sprintf("%s %s %s %s into=%q %s", key, kind, payer, status, into, b), nil
	}, q.SQL(), q.Args()...)
	if err != nil {
		f.t.Fatal(err)
	}
	return rows
}

// batchBoundary orders Metered and Basic subscriptions for several
// customers (one with a recurring vendor line), pays them, and runs the
// lifecycle at the next month's boundary: it returns the subscriptions
// and the periods_started events it published, not yet delivered.
func (f *fixture) batchBoundary() ([]string, []string) {
	f.t.Helper()
	var subs []string
	for _, c := range []string{"customer_direct", "customer_dist", "customer_a1", "customer_a2"} {
		for _, p := range []string{"Metered", "Basic"} {
			subs = append(subs, f.order(c, subscription.PlaceOrderInput{PlanID: f.plans[p].ID}).SubscriptionID)
		}
		for _, inv := range f.invoices(c) {
			f.pay(inv)
		}
	}
	if _, err := f.bill.AddVendorLine(f.as("vendor_a"), subs[0], billing.VendorLineInput{Description: "Support",
		Quantity: dec("2"), UnitPrice: dec("3.50"), Recurring: true}); err != nil {
		f.t.Fatal(err)
	}
	f.run()
	boundary := start.AddDate(0, 1, 0)
	f.clock.Set(boundary.Add(time.Hour))
	ctx := sys()
	if _, err := f.subs.RunDue(ctx); err != nil {
		f.t.Fatal(err)
	}
	events, err := db.Select(ctx, f.d, func(sc db.Scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	}, `SELECT id FROM events WHERE type = 'subscription.periods_started' AND occurred_at >= $1 ORDER BY id`, boundary)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(events) == 0 {
		f.t.Fatal("the boundary started no periods")
	}
	return subs, events
}

// periodsOf are the periods of periods_started events.
func (f *fixture) periodsOf(ctx context.Context, events []string) []subscription.PeriodEvent {
	f.t.Helper()
	var out []subscription.PeriodEvent
	for _, id := range events {
		ev, err := f.ob.Get(ctx, id)
		if err != nil {
			f.t.Fatal(err)
		}
		var ps subscription.PeriodsStarted
		if err := json.Unmarshal(ev.Data, &ps); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, ps.Periods...)
	}
	return out
}

// nextPeriods are the periods that follow periods (the next month's of
// their customers' subscriptions), as the lifecycle will announce them.
func (f *fixture) nextPeriods(ctx context.Context, periods []subscription.PeriodEvent) []subscription.PeriodEvent {
	f.t.Helper()
	var out []subscription.PeriodEvent
	customers := map[string]bool{}
	for _, p := range periods {
		if !customers[p.CustomerOrgID] {
			customers[p.CustomerOrgID] = true
			next, err := f.subs.NextPeriods(ctx, p.CustomerOrgID, start.AddDate(0, 2, 0))
			if err != nil {
				f.t.Fatal(err)
			}
			out = append(out, next...)
		}
	}
	return out
}

// publish records an event of type typ with data v and delivers it.
func (f *fixture) publish(ctx context.Context, typ string, v any) {
	f.t.Helper()
	var id string
	err := f.d.InTx(ctx, func(ctx context.Context) error {
		if err := f.ob.PublishData(ctx, typ, "subscription", "test", "", v); err != nil {
			return err
		}
		return f.d.QueryRow(ctx, `SELECT id FROM events WHERE type = $1 ORDER BY id DESC LIMIT 1`, typ).Scan(&id)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.ob.Deliver(ctx, id); err != nil {
		f.t.Fatal(err)
	}
}

var errUndo = errors.New("undo")

// One periods_started event with many periods records the same charges,
// states and merges as the periods delivered one event each; among them
// two periods of each subscription, the second carrying the usage of the
// first.
func TestPeriodsStartedInOneEventAsOneByOne(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		subs, events := f.batchBoundary()
		ctx := sys()
		periods := f.periodsOf(ctx, events)
		if len(periods) != len(subs) {
			t.Fatalf("%d periods started for %d subscriptions", len(periods), len(subs))
		}
		periods = append(periods, f.nextPeriods(ctx, periods)...)
		if len(periods) != 2*len(subs) {
			t.Fatalf("%d periods for %d subscriptions, want two each", len(periods), len(subs))
		}
		var oneByOne []string
		err := f.d.InTx(ctx, func(ctx context.Context) error {
			for _, p := range periods {
				f.publish(ctx, "subscription.period_started", p)
			}
			oneByOne = f.chargeRows(ctx, subs)
			return errUndo
		})
		if !errors.Is(err, errUndo) {
			t.Fatal(err)
		}
		f.publish(ctx, "subscription.periods_started", subscription.PeriodsStarted{Periods: periods})
		batched := f.chargeRows(ctx, subs)
		if !slices.Equal(batched, oneByOne) {
			t.Errorf("one event:\n%s\none by one:\n%s", join(batched), join(oneByOne))
		}
		merged, vendorLines := 0, 0
		for _, r := range batched {
			if strings.Contains(r, " merged into=") {
				merged++
			}
			if strings.Contains(r, " vendor_line ") {
				vendorLines++
			}
		}
		if merged != len(subs) || vendorLines != 2 {
			t.Errorf("%d arrears merged, %d vendor line charges; want %d and 2:\n%s", merged, vendorLines, len(subs), join(batched))
		}
		for _, id := range events {
			if err := f.ob.Deliver(ctx, id); err != nil { // as delivered already: nothing more
				t.Fatal(err)
			}
		}
		if again := f.chargeRows(ctx, subs); !slices.Equal(again, batched) {
			t.Errorf("the lifecycle's event after the same periods:\n%s", join(again))
		}
		f.run()
	})
}

// A periods_started event whose periods were charged in part already
// (an event delivered again, a period in two events, twice in one) adds
// the charges missing and no charge twice, and merges each carried
// arrears charge once.
func TestPeriodsStartedAgainAddsNothing(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		subs, events := f.batchBoundary()
		ctx := sys()
		periods := f.periodsOf(ctx, events)
		half := periods[:len(periods)/2]
		f.publish(ctx, "subscription.periods_started", subscription.PeriodsStarted{Periods: half})
		var halfSubs []string
		for _, p := range half {
			halfSubs = append(halfSubs, p.SubscriptionID)
		}
		first := f.chargeRows(ctx, halfSubs)
		f.publish(ctx, "subscription.periods_started", subscription.PeriodsStarted{Periods: append(slices.Clone(periods), periods...)})
		if again := f.chargeRows(ctx, halfSubs); !slices.Equal(again, first) {
			t.Errorf("charged again:\n%s\nfirst:\n%s", join(again), join(first))
		}
		all := f.chargeRows(ctx, subs)
		for _, id := range events {
			if err := f.ob.Deliver(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		f.publish(ctx, "subscription.period_started", periods[len(periods)-1])
		if again := f.chargeRows(ctx, subs); !slices.Equal(again, all) {
			t.Errorf("after the lifecycle's event:\n%s\nbefore:\n%s", join(again), join(all))
		}
		var n, merged, runs int
		if err := f.d.QueryRow(ctx, `SELECT count(*) FROM charges WHERE period_start = $1`, start.AddDate(0, 1, 0)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := f.d.QueryRow(ctx, `SELECT count(*), count(DISTINCT run_id) FROM charge_states WHERE status = 'merged'`).Scan(&merged, &runs); err != nil {
			t.Fatal(err)
		}
		// Each subscription's advance charge, each Metered one's arrears,
		// the vendor line's charge.
		if want := len(subs) + len(subs)/2 + 1; n != want {
			t.Errorf("%d charges for May, want %d:\n%s", n, want, join(all))
		}
		if merged != len(subs)/2 || runs != merged {
			t.Errorf("%d arrears charges merged into %d charges, want %d each", merged, runs, len(subs)/2)
		}
		f.run()
	})
}

func join(rows []string) string { return "  " + strings.Join(rows, "\n  ") }
