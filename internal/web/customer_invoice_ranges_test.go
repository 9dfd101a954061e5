package web

import (
	"net/http"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// The seed example on an invoice page: 15 users tiered (63.00) and
// stairstep (100.00) show the ranges that make their amounts, in place
// of a unit price, on the customer's page and in the admin panel; the
// volume line (45.00) keeps its unit price.
func TestInvoicePageShowsPriceRanges(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	_, plans := catalogtest.Published(t, f.cat, f.world.Orgs["vendor_a"].ID, "Team", catalogtest.SeedPlanInput("Seed"))
	q := map[string]money.Decimal{}
	for _, x := range plans[0].Extras {
		q[x.ID] = catalogtest.D("15")
	}
	f.place("customer_direct", subscription.PlaceOrderInput{PlanID: plans[0].ID, Quantities: q})
	invs := f.invoices("customer_direct")
	inv := invs[len(invs)-1]
	ranges := []string{
		"Team Seed: Users (tiered), 1 month 1-9 × EUR 5.00 = EUR 45.00 10-15 × EUR 3.00 = EUR 18.00",
		"15 by range 22 % EUR 63.00",
		"Team Seed: Users (volume), 1 month View the subscription 1 Apr 2026 – 1 May 2026 15 EUR 3.00 22 % EUR 45.00",
		"Team Seed: Users (stairstep), 1 month 10+ flat EUR 100.00 = EUR 100.00",
		"15 by range 22 % EUR 100.00",
	}

	c := f.customer("customer_direct")
	res := c.get("/my/invoices/" + inv.ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, ranges...)
	wantNoText(t, res, "EUR 0.00 22 % EUR 63.00", "EUR 0.00 22 % EUR 100.00")

	admin := f.client()
	admin.login("admin")
	res = admin.get("/admin/invoices/" + inv.ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Team Seed: Users (tiered), 1 month 1-9 × EUR 5.00 = EUR 45.00 10-15 × EUR 3.00 = EUR 18.00",
		"Team Seed: Users (stairstep), 1 month 10+ flat EUR 100.00 = EUR 100.00")
	wantNoText(t, res, "EUR 0.00 VAT IT 22 % EUR 63.00")
}
