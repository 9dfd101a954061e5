package subscription

import (
	"context"
	"fmt"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// TaxEstimator tells the tax billing will put on an invoice of lines from
// issuer to customer for a product of taxCategory, with billing's own
// rules (rates, reverse charge, rounding): an order records it when it is
// placed, so that its total is what checkout showed and what its invoice
// will say. The composition root wires billing to it (billing imports
// subscription, not the other way). Its errors fail the order.
type TaxEstimator interface {
	EstimateOrderTax(ctx context.Context, issuerOrgID, customerOrgID, taxCategory string, cur money.Currency,
		lines []pricing.QuoteLine) (money.Amount, error)
}

// estimateTax records on o (before it is stored) the tax billing will put
// on its Subtotal, and its Total. An order that charges nothing has no
// tax; an order whose tax is already set keeps it.
func (s *Service) estimateTax(ctx context.Context, o *Order) error {
	if o.Tax != nil || o.Subtotal == nil {
		return nil
	}
	cur := o.Subtotal.Currency()
	if !o.Subtotal.IsPositive() {
		return o.setTax(money.NewAmount(0, cur))
	}
	if s.taxes == nil {
		return nil
	}
	product, err := s.catalog.GetProduct(identity.AsSystem(ctx), o.ProductID)
	if err != nil {
		return fmt.Errorf("tax of order %s: %w", o.ID, err)
	}
	// The invoice's issuer: the seller, or the vendor of a product it
	// bills itself (as billing issues the order's charge).
	issuer := o.SellerOrgID
	if product.SelfBilled {
		issuer = product.OwnerOrgID
	}
	lines := o.taxLines
	if lines == nil {
		lines = []pricing.QuoteLine{{Kind: pricing.LineLicence, Quantity: money.DecimalFromInt(1), Amount: *o.Subtotal}}
	}
	tax, err := s.taxes.EstimateOrderTax(identity.AsSystem(ctx), issuer, o.CustomerOrgID, product.TaxCategory, cur, lines)
	if err != nil {
		return fmt.Errorf("tax of order %s: %w", o.ID, err)
	}
	if tax.Currency() != cur {
		return fmt.Errorf("tax of order %s in %s, not %s", o.ID, tax.Currency(), cur)
	}
	return o.setTax(tax)
}
