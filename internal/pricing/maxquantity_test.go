package pricing_test

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Issue 15: an ordered quantity has the documented maximum
// money.MaxQuantity, refused as quantity_out_of_range.
func TestPurchaseQuantityIsBounded(t *testing.T) {
	t.Parallel()
	s := pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: money.MustDecimal("0.01")}
	if err := s.CheckPurchase(money.DecimalFromInt(money.MaxQuantity)); err != nil {
		t.Fatalf("the maximum: %v", err)
	}
	err := s.CheckPurchase(money.DecimalFromInt(money.MaxQuantity + 1))
	if !errs.Is(err, pricing.CodeQuantityOutOfRange) {
		t.Fatalf("beyond the maximum: %v", err)
	}
}
