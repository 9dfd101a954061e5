package web

import (
	"context"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// storeTax is the tax expected on a quote's first invoice.
//
// Quotes carry no tax: billing applies it when it issues the invoice, from
// the tax rate of the customer's country for the product's tax category.
// Billing exposes no estimate for a quote, so the checkout reads the same
// rates (billing.ListTaxRates) and applies them the way invoices do (the
// country's rate for the category, else its standard rate; the tax of each
// rate on the unrounded base of the lines, rounded once). The invoice stays
// the authority; the page says the tax is an estimate.
type storeTax struct {
	Lines []storeTaxLine
	// Total is the tax; Grand the first invoice with it.
	Total, Grand money.Amount
	// Known is false when the rate could not be told (no country on the
	// customer, or a reverse charge that depends on the seller's country).
	Known bool
	Note  string
}

// storeTaxLine is the tax of one rate.
type storeTaxLine struct {
	Name string
	Rate money.Decimal
	Tax  money.Amount
}

// storeTaxOf estimates the tax on the first invoice of q for the signed-in
// customer.
func (h *handler) storeTaxOf(ctx context.Context, q channel.Quote, product catalog.Product) (storeTax, error) {
	cur := q.Currency
	out := storeTax{Total: money.NewAmount(0, cur), Grand: q.FirstInvoice}
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
	rates, err := h.bill.ListTaxRates(ctx)
	if err != nil {
		return out, err
	}
	category := product.TaxCategory
	if category == "" {
		category = catalog.DefaultTaxCategory
	}
	var rate *billing.TaxRate
	for i, r := range rates {
		if r.Country != org.Country {
			continue
		}
		if r.Category == category {
			rate = &rates[i]
			break
		}
		if r.Category == catalog.DefaultTaxCategory {
			rate = &rates[i]
		}
	}
	if rate == nil {
		out.Known = true
		out.Note = "No tax applies to this purchase in the customer's country."
		return out, nil
	}
	if rate.ReverseCharge && org.TaxID != "" {
		out.Note = "Bought from a seller in another country, the reverse charge applies and the customer accounts for the tax; otherwise " +
			rate.Name + " at " + money.FormatRate(rate.Rate) + " is added on your invoice."
		return out, nil
	}
	// The base is the first invoice's lines, unrounded where they have a
	// unit price, as invoices compute it.
	var base money.Decimal
	for _, l := range q.Lines {
		if l.UnitPrice.IsZero() {
			base = base.Add(l.Amount.Decimal())
		} else {
			base = base.Add(l.Quantity.Mul(l.UnitPrice))
		}
	}
	tax, err := money.Tax(base, rate.Rate.Mul(money.MustDecimal("0.01")), cur)
	if err != nil {
		return out, err
	}
	grand, err := q.FirstInvoice.Add(tax)
	if err != nil {
		return out, err
	}
	out.Known, out.Total, out.Grand = true, tax, grand
	out.Lines = []storeTaxLine{{Name: rate.Name, Rate: rate.Rate, Tax: tax}}
	return out, nil
}
