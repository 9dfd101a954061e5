package subscription_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// periods_started writes each distinct prices and chain once, and reads
// back exactly the periods written, or written before sharing existed.
func TestPeriodsStartedSharesPricesAndChains(t *testing.T) {
	t.Parallel()
	d := func(s string) money.Decimal {
		v, err := money.ParseDecimal(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	eur := money.MustCurrency("EUR")
	basic := pricing.PlanPrices{Currency: eur, Setup: d("0"), Recurring: d("20"), IaaS: d("0")}
	pro := pricing.PlanPrices{Currency: eur, Setup: d("10"), Recurring: d("50"), IaaS: d("1")}
	chain := [][]channel.Level{{{OrgID: "org_vendor", OrgKind: "vendor", Sells: basic}, {OrgID: "org_operator", OrgKind: "operator", Sells: basic}}}
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	period := func(sub string, prices pricing.PlanPrices, ch [][]channel.Level) subscription.PeriodEvent {
		return subscription.PeriodEvent{SubscriptionID: sub, OrderID: "ord_" + sub, Kind: subscription.KindNormal, CustomerOrgID: "org_c",
			Currency: "EUR", Start: start, End: start.AddDate(0, 1, 0),
			Rating: pricing.QuoteInput{Prices: prices, Quantities: map[string]money.Decimal{"xtr_1": d("15")}, Start: start}, Chain: ch}
	}
	ps := subscription.PeriodsStarted{Periods: []subscription.PeriodEvent{
		period("sub_1", basic, chain), period("sub_2", basic, chain), period("sub_3", pro, chain),
		period("sub_4", pricing.PlanPrices{}, nil), // a bundle's: no prices of its own, no chain
		period("sub_5", basic, chain),
	}}
	shared, err := json.Marshal(ps)
	if err != nil {
		t.Fatal(err)
	}
	var back subscription.PeriodsStarted
	if err := json.Unmarshal(shared, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ps) {
		t.Fatalf("read back:\n%+v\nwant\n%+v", back, ps)
	}
	var wire struct {
		Shared []json.RawMessage `json:"shared"`
	}
	if err := json.Unmarshal(shared, &wire); err != nil || len(wire.Shared) != 3 {
		t.Fatalf("%d shared values, want 3 (two prices, one chain): %v", len(wire.Shared), err)
	}
	// Written before sharing: each period carries its own.
	type plain subscription.PeriodsStarted // without the wire form's methods
	legacy, err := json.Marshal(plain(ps))
	if err != nil {
		t.Fatal(err)
	}
	if len(shared) >= len(legacy) {
		t.Errorf("shared form %d bytes, plain %d", len(shared), len(legacy))
	}
	back = subscription.PeriodsStarted{}
	if err := json.Unmarshal(legacy, &back); err != nil || !reflect.DeepEqual(back, ps) {
		t.Fatalf("an event written before sharing reads back as %+v (%v)", back, err)
	}
	if err := json.Unmarshal([]byte(`{"periods": [{"subscription_id": "sub_1", "chain_ref": 2}], "shared": [[]]}`), &back); err == nil {
		t.Fatal("a reference beyond the shared values was accepted")
	}
}
