package web

import (
	"context"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// quoteTax is the tax expected on a quote's first invoice.
//
// Quotes carry no tax: billing applies it when it issues the invoice.
// billing.EstimateTax computes it with the invoice's own rules; the invoice
// stays the authority (rates may change), so the page says "estimated".
type quoteTax struct {
	Lines []quoteTaxLine
	// Total is the tax; Grand the first invoice with it.
	Total, Grand money.Amount
	// Known is false when the rate could not be told (no country on the
	// customer, or a reverse charge that depends on the seller's country).
	Known bool
	Note  string
}

// quoteTaxLine is the tax of one rate.
type quoteTaxLine struct {
	Name string
	Rate money.Decimal
	Tax  money.Amount
}

// quoteTaxOf estimates the tax on the first invoice of q for the signed-in
// customer.
func (h *handler) quoteTaxOf(ctx context.Context, q channel.Quote, product catalog.Product) (quoteTax, error) {
	cur := q.Currency
	out := quoteTax{Total: money.NewAmount(0, cur), Grand: q.FirstInvoice}
	// The customer's country and tax number decide: its own, or that of
	// the customer a reseller or administrator orders for.
	_, org, err := h.id.Me(ctx)
	if err != nil {
		return out, err
	}
	if q.CustomerOrgID != "" && q.CustomerOrgID != org.ID {
		if org, err = h.id.GetOrganization(ctx, q.CustomerOrgID); err != nil {
			return out, err
		}
	}
	if org.Country == "" {
		out.Note = "Taxes are added on the invoice. Add the customer's country to its organization to see them here."
		return out, nil
	}
	// The invoice's issuer: the seller, or the vendor of a product that
	// bills itself (as billing issues it, and as the order records it).
	issuer := q.SellerOrgID
	if product.SelfBilled {
		issuer = product.OwnerOrgID
	}
	est, err := h.bill.EstimateTax(ctx, issuer, org.ID, product.TaxCategory, cur, q.Lines)
	if err != nil {
		return out, err
	}
	switch {
	case est.ReverseCharge:
		out.Known = true
		out.Note = "The reverse charge applies: the customer, a business in another country than the seller's, accounts for the tax."
		return out, nil
	case len(est.Taxes) == 0:
		out.Known = true
		out.Note = "No tax applies to this purchase in the customer's country."
		return out, nil
	}
	grand, err := q.FirstInvoice.Add(est.Tax)
	if err != nil {
		return out, err
	}
	out.Known, out.Total, out.Grand = true, est.Tax, grand
	for _, t := range est.Taxes {
		out.Lines = append(out.Lines, quoteTaxLine{Name: t.Name, Rate: t.Rate, Tax: t.Tax})
	}
	return out, nil
}
