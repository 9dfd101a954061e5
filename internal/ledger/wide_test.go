package ledger_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Issue 15: entries of ±9.2 × 10^18 minor units made SQLite's SUM fail
// with "integer overflow" (a 500 for every report of the parties). Sums
// and Check add in a width no book overflows, on both engines.
func TestSumsBeyondInt64(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m := org(t, d, "operator", "")
		c := org(t, d, "customer", m)
		l := ledger.New(d)
		big := int64(math.MaxInt64 - 1)
		var js []ledger.Journal
		for i, ref := range []string{"inv_a", "inv_b", "inv_c"} {
			j := ledger.Journal{Kind: "invoice", RefType: "invoice", RefID: ref, Currency: eur}
			j.Owes(c, m, ledger.KindLicence, big)
			if i == 2 {
				j = ledger.Journal{Kind: "invoice", RefType: "invoice", RefID: ref, Currency: eur}
				j.Owes(c, m, ledger.KindLicence, -5)
			}
			js = append(js, j)
		}
		if err := d.InTx(ctx, func(ctx context.Context) error { return l.Post(ctx, js...) }); err != nil {
			t.Fatal(err)
		}
		sums, err := l.Sums(ctx, m, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		want := money.WideSum{}.Add(big).Add(big).Add(-5)
		if len(sums) != 1 || sums[0].Amount != want {
			t.Fatalf("sums: %+v, want %s", sums, want)
		}
		if err := l.Check(ctx); err != nil {
			t.Fatal(err)
		}
		// A journal whose lines wrap around to zero does not balance.
		wrap := ledger.Journal{Kind: "invoice", RefType: "invoice", RefID: "inv_d", Currency: eur, Lines: []ledger.Line{
			{OrgID: m, CounterpartyID: c, Kind: ledger.KindLicence, Amount: math.MaxInt64},
			{OrgID: m, CounterpartyID: c, Kind: ledger.KindUsage, Amount: math.MaxInt64},
			{OrgID: c, CounterpartyID: m, Kind: ledger.KindLicence, Amount: 2}}}
		if err := wrap.Balanced(); !errors.Is(err, ledger.ErrUnbalanced) {
			t.Fatalf("a wrapping journal: %v", err)
		}
		// Lines of one pair and kind adding up beyond an Amount are refused.
		over := ledger.Journal{Kind: "invoice", RefType: "invoice", RefID: "inv_e", Currency: eur}
		over.Owes(c, m, ledger.KindLicence, big)
		over.Owes(c, m, ledger.KindLicence, big)
		err = d.InTx(ctx, func(ctx context.Context) error { return l.Post(ctx, over) })
		if !errors.Is(err, money.ErrOverflow) {
			t.Fatalf("an entry beyond an Amount: %v", err)
		}
	})
}
