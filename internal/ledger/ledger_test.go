package ledger_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

var eur = money.MustCurrency("EUR")

// org inserts a bare organization (the ledger sits below identity).
func org(t *testing.T, d *db.DB, kind, parent string) string {
	t.Helper()
	id := ids.New(ids.Organization)
	var p any
	if parent != "" {
		p = parent
	}
	if _, err := d.Exec(context.Background(), `INSERT INTO organizations (id, kind, parent_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		id, kind, p, kind, d.Now(context.Background())); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestPostSumAndCheck(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m := org(t, d, "operator", "")
		v, r := org(t, d, "vendor", m), org(t, d, "reseller", m)
		c := org(t, d, "customer", r)
		l := ledger.New(d)
		// An invoice of 122.00 (22.00 tax) to a reseller's customer; the
		// reseller owes the marketplace 90.00, which owes the vendor 80.00
		// less a 16.00 fee.
		j := ledger.Journal{Kind: "invoice", RefType: "invoice", RefID: "inv_1", Currency: eur}
		j.Owes(c, r, ledger.KindLicence, 10000)
		j.Owes(c, r, ledger.KindTax, 2200)
		j.Owes(r, m, ledger.KindLicence, 9000)
		j.Owes(m, v, ledger.KindLicence, 8000)
		j.Owes(v, m, ledger.KindPlatformFee, 1600)
		j.Owes(c, c, ledger.KindLicence, 5) // owing oneself is nothing
		j.Owes(c, r, ledger.KindIaaS, 0)
		if len(j.Lines) != 10 {
			t.Fatalf("%d lines", len(j.Lines))
		}
		pay := ledger.Journal{Kind: "payment", RefType: "payment", RefID: "pay_1", Currency: eur}
		pay.Owes(c, r, ledger.KindPayment, -12200)
		if err := d.InTx(ctx, func(ctx context.Context) error { return l.Post(ctx, j, pay) }); err != nil {
			t.Fatal(err)
		}
		if err := l.Check(ctx); err != nil {
			t.Fatal(err)
		}
		sums, err := l.Sums(ctx, r, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		net := map[string]int64{}
		for _, s := range sums {
			net[s.CounterpartyID] += minor(t, s.Amount)
		}
		// The customer has paid; the reseller still owes the marketplace.
		if net[c] != 0 || net[m] != -9000 || len(net) != 2 {
			t.Fatalf("reseller's balances: %v", net)
		}
		vs, _ := l.Sums(ctx, v, time.Time{}, time.Time{})
		var vendor int64
		for _, s := range vs {
			vendor += minor(t, s.Amount)
		}
		if vendor != 6400 {
			t.Fatalf("due to the vendor: %d", vendor)
		}
		es, err := l.Entries(ctx, c, time.Time{}, time.Time{}, 100)
		if err != nil || len(es) != 3 || es[2].Kind != ledger.KindPayment || es[2].Amount != 12200 {
			t.Fatalf("customer's statement: %+v %v", es, err)
		}
		js, err := l.Journals(ctx, "invoice", "inv_1")
		if err != nil || len(js) != 1 || len(js[0].Lines) != 10 {
			t.Fatalf("journals: %+v %v", js, err)
		}
		// A reversal undoes it exactly.
		rev := js[0].Reversed("void", "invoice", "inv_1", "voided", time.Time{})
		if err := d.InTx(ctx, func(ctx context.Context) error { return l.Post(ctx, rev) }); err != nil {
			t.Fatal(err)
		}
		vs, _ = l.Sums(ctx, v, time.Time{}, time.Time{})
		vendor = 0
		for _, s := range vs {
			vendor += minor(t, s.Amount)
		}
		if vendor != 0 {
			t.Fatalf("after the reversal the vendor is owed %d", vendor)
		}

		// An unbalanced journal is refused and nothing is written.
		bad := ledger.Journal{Kind: "invoice", RefType: "invoice", RefID: "inv_2", Currency: eur,
			Lines: []ledger.Line{{OrgID: c, CounterpartyID: r, Kind: ledger.KindLicence, Amount: 1}}}
		err = d.InTx(ctx, func(ctx context.Context) error { return l.Post(ctx, bad) })
		if !errors.Is(err, ledger.ErrUnbalanced) {
			t.Fatalf("unbalanced: %v", err)
		}
		odd := ledger.Journal{Kind: "invoice", RefType: "invoice", RefID: "inv_3", Currency: eur}
		odd.Owes(c, r, "bonus", 100)
		err = d.InTx(ctx, func(ctx context.Context) error { return l.Post(ctx, odd) })
		if !errors.Is(err, ledger.ErrUnknownKind) {
			t.Fatalf("unknown kind: %v", err)
		}
		if js, err := l.Journals(ctx, "invoice", "inv_3"); err != nil || len(js) != 0 {
			t.Fatalf("a refused journal left %+v %v", js, err)
		}
		if err := l.Post(ctx, j); !errors.Is(err, db.ErrNoTx) {
			t.Fatalf("outside a transaction: %v", err)
		}
		// Check catches a line written behind the ledger's back.
		if _, err := d.Exec(ctx, `INSERT INTO ledger_entries (org_id, at, journal_id, counterparty_org_id, currency, licence_minor)
			VALUES ($1, $2, $3, $4, 'EUR', 1)`, c, d.Now(ctx), js[0].ID, v); err != nil {
			t.Fatal(err)
		}
		if err := l.Check(ctx); !errors.Is(err, ledger.ErrUnbalanced) {
			t.Fatalf("tampered ledger: %v", err)
		}
		if _, err := d.Exec(ctx, `DELETE FROM ledger_entries WHERE journal_id = $1 AND org_id = $2 AND counterparty_org_id = $3`, js[0].ID, c, v); err != nil {
			t.Fatal(err)
		}
		// And an amount moved from a kind to another: the journal still sums
		// to zero, its kinds do not.
		move := func(by int) {
			t.Helper()
			if _, err := d.Exec(ctx, `UPDATE ledger_entries SET licence_minor = licence_minor + $4, tax_minor = tax_minor - $4
				WHERE journal_id = $1 AND org_id = $2 AND counterparty_org_id = $3`, js[0].ID, c, r, by); err != nil {
				t.Fatal(err)
			}
		}
		move(1)
		if err := l.Check(ctx); !errors.Is(err, ledger.ErrUnbalanced) {
			t.Fatalf("an amount moved between kinds: %v", err)
		}
		move(-1)
		if err := l.Check(ctx); err != nil {
			t.Fatalf("repaired ledger: %v", err)
		}
		// And a balanced pair of lines whose journal does not exist.
		for i, amount := range []int64{500, -500} {
			org, cp := c, r
			if i == 1 {
				org, cp = r, c
			}
			if _, err := d.Exec(ctx, `INSERT INTO ledger_entries (org_id, at, journal_id, counterparty_org_id, currency, licence_minor)
				VALUES ($1, $2, 'jnl_missing', $3, 'EUR', $4)`, org, d.Now(ctx), cp, amount); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Check(ctx); !errors.Is(err, ledger.ErrUnbalanced) || !strings.Contains(err.Error(), "jnl_missing") {
			t.Fatalf("lines without their journal: %v", err)
		}
	})
}

// minor is w as an int64, failing the test if it does not fit.
func minor(t *testing.T, w money.WideSum) int64 {
	t.Helper()
	v, ok := w.Int64()
	if !ok {
		t.Fatalf("%s does not fit in int64", w)
	}
	return v
}
