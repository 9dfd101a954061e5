package billing

import (
	"math"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Issue 15: an invoice whose total wrapped below zero was marked paid.
// Only a total of exactly zero pays a document by itself.
func TestOnlyAZeroTotalIsPaidAtIssue(t *testing.T) {
	t.Parallel()
	eur := money.MustCurrency("EUR")
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		minor int64
		want  string
	}{{0, StatusPaid}, {-7194230188746725140, StatusIssued}, {-1, StatusIssued}, {100, StatusIssued}} {
		inv := Invoice{Kind: KindInvoice, Total: money.NewAmount(c.minor, eur)}
		issueFields(&inv, Settings{}, now)
		if inv.Status != c.want {
			t.Errorf("total %d: %s, want %s", c.minor, inv.Status, c.want)
		}
	}
}

// Sums of a document's lines are checked: a total beyond an Amount is an
// error, never a wrapped number.
func TestInvoiceTotalRefusesOverflow(t *testing.T) {
	t.Parallel()
	eur := money.MustCurrency("EUR")
	big := money.NewAmount(math.MaxInt64/2+1, eur)
	inv := Invoice{Lines: []Line{{Amount: big, exact: big.Decimal()}, {Amount: big, exact: big.Decimal()}}}
	if err := inv.total(eur); err == nil {
		t.Fatalf("a total of two lines of %s: %s", big, inv.Total)
	}
	half := money.NewAmount(math.MaxInt64/10*9, eur)
	inv = Invoice{Lines: []Line{{Amount: half, exact: half.Decimal(), TaxRate: money.MustDecimal("22"), TaxName: "VAT"}}}
	if err := inv.total(eur); err == nil {
		t.Fatalf("a line of %s with 22 %% tax: total %s", half, inv.Total)
	}
}
