package money_test

import (
	"fmt"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// An invoice: line amounts are rounded once each, the total is the sum of
// the rounded lines, and tax is computed on the unrounded base.
func Example() {
	eur := money.MustCurrency("EUR")
	type line struct{ price, qty string }
	lines := []line{{"5.00", "9"}, {"3.00", "6"}, {"0.333333333", "3"}}

	var amounts []money.Amount
	base := money.Decimal{}
	for _, l := range lines {
		price, err := money.ParsePrice(l.price)
		if err != nil {
			panic(err)
		}
		qty, err := money.ParseDecimal(l.qty)
		if err != nil {
			panic(err)
		}
		a, err := money.LineAmount(price, qty, eur)
		if err != nil {
			panic(err)
		}
		amounts = append(amounts, a)
		base = base.Add(price.Mul(qty))
	}
	net, _ := money.Sum(eur, amounts...)
	tax, _ := money.Tax(base, money.MustDecimal("0.22"), eur)
	gross, _ := net.Add(tax)
	fmt.Println(net, tax, gross, gross.Currency())
	// Output: 64.00 14.08 78.08 EUR
}
