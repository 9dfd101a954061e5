package pricing_test

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

var (
	eur = money.MustCurrency("EUR")
	usd = money.MustCurrency("USD")
	jpy = money.MustCurrency("JPY")
)

func d(s string) money.Decimal { return money.MustDecimal(s) }

func dp(s string) *money.Decimal {
	v := money.MustDecimal(s)
	return &v
}

func amt(t testing.TB, s string, c money.Currency) money.Amount {
	t.Helper()
	a, err := money.ParseAmount(s, c)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wantCode fails unless err is a domain error with the given code.
func wantCode(t testing.TB, err error, code string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	return e
}

// hasField reports whether e has a field error with that path and code.
func hasField(e *errs.Error, field, code string) bool {
	for _, f := range e.Fields {
		if f.Field == field && f.Code == code {
			return true
		}
	}
	return false
}

// seedScheme is the seed document's example: ranges 1–9 and 10+, at
// 5.00 and 3.00 per unit (tiered, volume) or 30.00 and 100.00 flat
// (stairstep).
func seedScheme(kind pricing.SchemeKind) pricing.Scheme {
	if kind == pricing.SchemeStairstep {
		return pricing.Scheme{Kind: kind, Ranges: []pricing.Range{
			{From: d("1"), To: dp("9"), FlatPrice: d("30.00")},
			{From: d("10"), FlatPrice: d("100.00")},
		}}
	}
	return pricing.Scheme{Kind: kind, Ranges: []pricing.Range{
		{From: d("1"), To: dp("9"), UnitPrice: d("5.00")},
		{From: d("10"), UnitPrice: d("3.00")},
	}}
}
