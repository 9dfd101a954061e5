package channel_test

import (
	"context"
	"testing"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// rowCounts counts the rows of every table of d.
func rowCounts(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	ctx := context.Background()
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if d.Engine() == db.Postgres {
		list = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`
	}
	tables, err := db.Select(ctx, d, func(s db.Scanner) (string, error) {
		var n string
		return n, s.Scan(&n)
	}, list)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM `+tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

// Reading prices writes nothing. A quote for an anonymous visitor (or a
// customer) whose seller has no stored default price catalog yet prices at
// the pass-through default and creates no catalog, audit entry or event.
func TestAnonymousQuoteWritesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		customer := f.w.As(t, "customer_a1") // signing in writes its session
		before := rowCounts(t, d)
		anon, err := f.ch.Quote(context.Background(), channel.QuoteInput{PlanID: f.plan.ID})
		if err != nil || anon.FirstInvoice.String() != "114.00" {
			t.Fatalf("anonymous quote: %+v %v", anon.FirstInvoice, err)
		}
		if _, err := f.ch.Quote(customer, channel.QuoteInput{PlanID: f.plan.ID}); err != nil {
			t.Fatalf("customer quote: %v", err)
		}
		after := rowCounts(t, d)
		for tb, n := range after {
			if n != before[tb] {
				t.Errorf("%s: %d rows before the quotes, %d after", tb, before[tb], n)
			}
		}
	})
}

// A seller's default catalogs are made at its set-up, once: handling the
// organization.created events and the start-up pass make each one, and
// doing either again makes nothing more.
func TestDefaultCatalogsAreMadeAtSetUp(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := actor.With(context.Background(), actor.System)
		count := func() int {
			var n int
			if err := d.QueryRow(ctx, `SELECT count(*) FROM price_catalogs WHERE is_default = $1`, true).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(); n != 0 {
			t.Fatalf("%d default catalogs before any set-up was handled", n)
		}
		if _, err := f.ob.DeliverPending(ctx); err != nil {
			t.Fatal(err)
		}
		// The operator sells at three tiers, the distributor at two, each
		// reseller at one.
		if n := count(); n != 3+2+1+1 {
			t.Fatalf("%d default catalogs after set-up, want 7", n)
		}
		if err := f.ch.EnsureDefaultCatalogs(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 7 {
			t.Fatalf("%d default catalogs after the start-up pass, want 7", n)
		}
		as, err := f.ch.GetAssignment(f.w.As(t, "admin"), f.w.Orgs["customer_a1"].ID)
		if err != nil || as.CatalogID == "" || !as.Default {
			t.Fatalf("assignment after set-up: %+v %v", as, err)
		}
	})
}
