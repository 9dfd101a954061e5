package channel

import (
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// ChargeAmounts are a plan's flat charges as an invoice bills them: each
// one a line of quantity 1 at its unit price, rounded once by the
// invoice's rule (money.LineAmount). A derived unit price may carry more
// decimals than the currency (10.56 + 30 % = 13.728); what any page shows
// as the price of a licence, a setup fee or an infrastructure cost is this
// amount (13.73), the one the quote and the invoice charge.
type ChargeAmounts struct {
	Setup     money.Amount `json:"setup" doc:"The setup fee as the first invoice bills it."`
	Recurring money.Amount `json:"recurring" doc:"The licence of one billing period as each invoice bills it."`
	IaaS      money.Amount `json:"iaas" doc:"The infrastructure cost of one billing period as each invoice bills it."`
}

// AmountsOf bills p's flat charges as invoice lines of quantity 1. Its
// errors are money.LineAmount's (a price beyond the largest amount).
func AmountsOf(p pricing.PlanPrices) (ChargeAmounts, error) {
	one := money.DecimalFromInt(1)
	var out ChargeAmounts
	var err error
	for _, c := range []struct {
		price money.Decimal
		dst   *money.Amount
	}{{p.Setup, &out.Setup}, {p.Recurring, &out.Recurring}, {p.IaaS, &out.IaaS}} {
		if *c.dst, err = money.LineAmount(c.price, one, p.Currency); err != nil {
			return ChargeAmounts{}, err
		}
	}
	return out, nil
}
