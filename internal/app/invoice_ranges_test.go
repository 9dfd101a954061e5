package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// The seed example through the API (15 users; ranges 1-9 at 5.00 and
// 10+ at 3.00, stairstep 30.00 and 100.00 flat): the tiered (63.00) and
// stairstep (100.00) lines of the invoice have no unit_price but ranges
// whose amounts add up to the line's amount, and a summary; the volume
// line (45.00) is 15 × 3.00.
func TestInvoiceLinesExplainTheirAmountsInTheAPI(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			sys := actor.With(context.Background(), actor.System)
			_, plans := catalogtest.Published(t, en.app.Catalog, en.world.Orgs["vendor_a"].ID, "Team", catalogtest.SeedPlanInput("Seed"))
			q := map[string]string{}
			for _, x := range plans[0].Extras {
				q[x.ID] = "15"
			}
			mustJSON(t, en.as("customer_direct", "POST", "/api/v1/orders", map[string]any{"plan_id": plans[0].ID, "quantities": q}), &struct{}{})
			if _, err := en.app.Outbox.DeliverPending(sys); err != nil {
				t.Fatal(err)
			}
			if _, err := en.app.Billing.RunDue(sys); err != nil {
				t.Fatal(err)
			}
			var list struct {
				Data []struct{ ID string } `json:"data"`
			}
			mustJSON(t, en.as("customer_direct", "GET", "/api/v1/invoices", nil), &list)
			if len(list.Data) != 1 {
				t.Fatalf("invoices: %+v", list.Data)
			}
			var inv struct {
				Lines []map[string]any `json:"lines"`
			}
			mustJSON(t, en.as("customer_direct", "GET", "/api/v1/invoices/"+list.Data[0].ID, nil), &inv)
			line := func(name string) map[string]any {
				for _, l := range inv.Lines {
					if d, _ := l["description"].(string); strings.Contains(d, name) {
						return l
					}
				}
				t.Fatalf("no line %s in %v", name, inv.Lines)
				return nil
			}
			amount := func(v any) money.Decimal {
				m, _ := v.(map[string]any)
				s, _ := m["amount"].(string)
				d, err := money.ParseDecimal(s)
				if err != nil {
					t.Fatalf("amount %v: %v", v, err)
				}
				return d
			}
			for _, c := range []struct{ name, amount, summary string }{
				{"Users (tiered)", "63", "1-9 × 5.00 + 10-15 × 3.00 = 63.00"},
				{"Users (stairstep)", "100", "10+ flat 100.00 = 100.00"},
			} {
				l := line(c.name)
				if _, ok := l["unit_price"]; ok {
					t.Errorf("%s: unit_price %v", c.name, l["unit_price"])
				}
				ranges, _ := l["ranges"].([]any)
				sum := money.Decimal{}
				for _, r := range ranges {
					m, _ := r.(map[string]any)
					sum = sum.Add(amount(m["amount"]))
				}
				if len(ranges) == 0 || !sum.Equal(amount(l["amount"])) || !sum.Equal(money.MustDecimal(c.amount)) {
					t.Errorf("%s: ranges %v add up to %s, the line is %v", c.name, ranges, sum, l["amount"])
				}
				if l["ranges_summary"] != c.summary {
					t.Errorf("%s: summary %v", c.name, l["ranges_summary"])
				}
			}
			if vol := line("Users (volume)"); vol["unit_price"] != "3" || vol["ranges"] != nil || !amount(vol["amount"]).Equal(money.MustDecimal("45")) {
				t.Errorf("volume line %v", vol)
			}
		})
	}
}
