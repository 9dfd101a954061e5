package money_test

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

func BenchmarkLineAmount(b *testing.B) {
	price, err := money.ParsePrice("19.990000001")
	if err != nil {
		b.Fatal(err)
	}
	qty, err := money.ParseDecimal("3.5")
	if err != nil {
		b.Fatal(err)
	}
	eur := money.MustCurrency("EUR")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := money.LineAmount(price, qty, eur); err != nil {
			b.Fatal(err)
		}
	}
}
