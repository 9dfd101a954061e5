package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// The field-level rows of the isolation matrix: for every endpoint that
// carries a price and every role, which price fields are present and what
// they carry. The rule (channel.PriceSight): each party sees only its own
// buy and sell prices, never a price above it, never a peer's.
//
// The channel of the fixture: vendor_a's plan at list price V, the
// marketplace owner's wholesale +10 % (W, what the distributor pays), the
// distributor's sell-in +20 % (I, what reseller_a pays), reseller_a's
// sell-out +30 % (O, what customer_a1 pays), on every charge type.
var priceLevels = map[string]map[string]string{
	//  recurring, setup, iaas, extra unit, metric unit
	"V": {"recurring": "10", "setup": "5", "iaas": "2", "extra": "1", "metric": "0.1"},
	"W": {"recurring": "11", "setup": "5.5", "iaas": "2.2", "extra": "1.1", "metric": "0.11"},
	"I": {"recurring": "13.2", "setup": "6.6", "iaas": "2.64", "extra": "1.32", "metric": "0.132"},
	"O": {"recurring": "17.16", "setup": "8.58", "iaas": "3.432", "extra": "1.716", "metric": "0.1716"},
}

// priceRoles are the callers of the matrix: every role, and the peers of
// the parties of the deal ("" is an anonymous visitor).
var priceRoles = []string{"super_admin", "admin", "supervisor", "vendor_a", "vendor_b", "distributor", "reseller_a", "reseller_b",
	"customer_a1", "customer_a2", "customer_direct", ""}

// pricedChannel builds the fixture's channel and a subscription of
// customer_a1, invoiced and paid; it returns the ids the matrix reads.
type pricedChannel struct {
	productID, planID, orderID, subID, invoiceID string
	wholesale, sellIn, sellOut                   string // catalog ids
	month, period                                string // query parameters of the reports
}

func newPricedChannel(t *testing.T, en *env) pricedChannel {
	t.Helper()
	var pc pricedChannel
	in := catalog.PlanInput{Name: catalogtest.Ptr("Metered"), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
		RecurringPrice: catalogtest.DP("10.00"), SetupFee: catalogtest.DP("5.00"), IaaSCost: catalogtest.DP("2.00"),
		Extras: &[]catalog.ExtraInput{{Name: "Seats", Unit: "seat", Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: catalogtest.D("1.00")}}},
		Metrics: &[]catalog.MetricInput{{Key: "gb", Name: "Storage", Unit: "GB", Aggregation: "max",
			Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: catalogtest.D("0.10")}}}}
	p, plans := catalogtest.Published(t, en.app.Catalog, en.world.Orgs["vendor_a"].ID, "Priced drive", in)
	pc.productID, pc.planID = p.ID, plans[0].ID
	all := func(v string) *pricing.ChargeMarkups {
		m := &pricing.Markup{Kind: pricing.MarkupPercent, Value: catalogtest.D(v)}
		return &pricing.ChargeMarkups{Recurring: m, OneOff: m, Extras: m, Usage: m, IaaS: m}
	}
	for _, c := range []struct {
		who, tier, markup string
		id                *string
	}{{"admin", channel.Wholesale, "10", &pc.wholesale}, {"distributor", channel.SellIn, "20", &pc.sellIn}, {"reseller_a", channel.SellOut, "30", &pc.sellOut}} {
		cat, err := en.app.Channel.CreatePriceCatalog(en.world.As(t, c.who), channel.PriceCatalogInput{Tier: c.tier,
			Name: catalogtest.Ptr("Default " + c.tier), Markups: all(c.markup), IsDefault: catalogtest.Ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		*c.id = cat.ID
	}
	o, err := en.app.Subs.PlaceOrder(en.world.As(t, "customer_a1"), subscription.PlaceOrderInput{PlanID: pc.planID})
	if err != nil {
		t.Fatal(err)
	}
	pc.orderID, pc.subID = o.ID, o.SubscriptionID
	now := en.app.DB.Now(context.Background())
	pc.month = now.Format("2006-01")
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	pc.period = "from=" + from.Format(time.RFC3339) + "&to=" + from.AddDate(0, 1, 0).Format(time.RFC3339)
	// The order's charges are recorded as its events are delivered.
	if _, err := en.app.Outbox.DeliverPending(actor.With(context.Background(), actor.System)); err != nil {
		t.Fatal(err)
	}
	return pc
}

// issueInvoices runs billing: customer_a1's first invoice, issued by
// reseller_a, and every party's ledger entries.
func (pc *pricedChannel) issueInvoices(t *testing.T, en *env) {
	t.Helper()
	sys := actor.With(context.Background(), actor.System)
	if _, err := en.app.Outbox.DeliverPending(sys); err != nil {
		t.Fatal(err)
	}
	if _, err := en.app.Billing.RunDue(sys); err != nil {
		t.Fatal(err)
	}
	r := en.as("customer_a1", "GET", "/api/v1/invoices?limit=10", nil)
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list.Data) != 1 {
		t.Fatalf("customer's invoices: %v %s", err, r.Body)
	}
	pc.invoiceID = list.Data[0].ID
}

// fields is what one answer must carry: a JSON path ("prices.recurring",
// "data.0.sells.recurring") and the decimal (or string) at it; "-" means
// the path must be absent.
type fields map[string]string

// want is the expected answer of one role: its status and, for a 200, its
// fields.
type want struct {
	status int
	fields fields
}

// levelFields maps level L's prices under a prefix with the paths of one
// document shape.
func levelFields(prefix, level string, paths map[string]string) fields {
	out := fields{}
	for k, p := range paths {
		if level == "-" {
			out[prefix+p] = "-"
			continue
		}
		out[prefix+p] = priceLevels[level][k]
	}
	return out
}

func merge(fs ...fields) fields {
	out := fields{}
	for _, f := range fs {
		for k, v := range f {
			out[k] = v
		}
	}
	return out
}

var (
	planPaths  = map[string]string{"recurring": "recurring_price", "setup": "setup_fee", "iaas": "iaas_cost", "extra": "extras.0.scheme.unit_price", "metric": "metrics.0.scheme.unit_price"}
	pricePaths = map[string]string{"recurring": "recurring", "setup": "setup", "iaas": "iaas", "extra": "extras.0.scheme.unit_price", "metric": "metrics.0.scheme.unit_price"}
)

func planAt(prefix, basis, level string) want {
	return want{200, merge(fields{prefix + "price_basis": basis}, levelFields(prefix, level, planPaths))}
}

// subAt is a subscription showing the customer's prices, the vendor's and
// the caller's own buy and sell prices at those levels ("-": absent).
func subAt(customer, vendor, ownBuys, ownSells string) want {
	f := merge(levelFields("prices.", customer, pricePaths), levelFields("vendor_prices.", vendor, pricePaths))
	if ownSells == "-" {
		f["own_prices"] = "-"
	} else {
		f = merge(f, levelFields("own_prices.sells.", ownSells, pricePaths))
		if ownBuys == "-" {
			f["own_prices.buys"] = "-"
		} else {
			f = merge(f, levelFields("own_prices.buys.", ownBuys, pricePaths))
		}
	}
	if customer == "-" {
		f["coupon"] = "-"
	}
	return want{200, f}
}

// catalogAt is a catalog's price list read by its owner (buys and sells)
// or a buyer (sells only), with the flat charges as the invoice bills them.
func catalogAt(buys, sells string, buysAmounts, sellsAmounts [3]string) want {
	f := levelFields("data.0.sells.", sells, pricePaths)
	am := func(prefix string, a [3]string) fields {
		return fields{prefix + "recurring.amount": a[0], prefix + "setup.amount": a[1], prefix + "iaas.amount": a[2]}
	}
	f = merge(f, am("data.0.sells_amounts.", sellsAmounts))
	if buys == "-" {
		f["data.0.buys"], f["data.0.buys_amounts"] = "-", "-"
	} else {
		f = merge(f, levelFields("data.0.buys.", buys, pricePaths), am("data.0.buys_amounts.", buysAmounts))
	}
	return want{200, f}
}

var (
	amountsW = [3]string{"11.00", "5.50", "2.20"}
	amountsI = [3]string{"13.20", "6.60", "2.64"}
	amountsO = [3]string{"17.16", "8.58", "3.43"} // 3.432 billed as 3.43
	amountsV = [3]string{"10.00", "5.00", "2.00"}
	notFound = want{status: 404}
	// The customer's first invoice at O: setup 8.58 + licence 17.16 +
	// infrastructure 3.43 (3.432 rounded once, at the line).
	customerTotal = "29.17"
	staff         = []string{"super_admin", "admin", "supervisor"}
)

// forRoles fills a row: the given wants, staff's and every other role's
// default.
func forRoles(staffWant, others want, by map[string]want) map[string]want {
	out := map[string]want{}
	for _, who := range priceRoles {
		out[who] = others
	}
	for _, s := range staff {
		out[s] = staffWant
	}
	for who, w := range by {
		out[who] = w
	}
	return out
}

// TestPriceVisibilityMatrix reads every price-bearing endpoint as every
// role and checks each price field's presence and amount.
func TestPriceVisibilityMatrix(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			pc := newPricedChannel(t, en)
			unauth := want{status: 401}
			// An order's amounts (no tax rate here: its tax is zero) go with
			// the buyer's price.
			orderShown := want{200, fields{"subtotal.amount": customerTotal, "tax.amount": "0.00", "total.amount": customerTotal,
				"amount_due.amount": customerTotal, "duration_subtotal.amount": customerTotal, "detail.first_invoice.amount": customerTotal}}
			orderHidden := want{200, fields{"subtotal": "-", "tax": "-", "total": "-", "amount_due": "-", "duration_subtotal": "-", "detail": "-"}}
			inList := func(w want) want {
				f := fields{}
				for k, v := range w.fields {
					f["data.0."+k] = v
				}
				return want{w.status, f}
			}
			quoteShown := want{200, fields{"lines.0.unit_price": priceLevels["O"]["setup"], "first_invoice.amount": customerTotal}}
			upcomingShown := want{200, fields{"invoices.0.subtotal.amount": customerTotal, "invoices.0.lines.1.unit_price": priceLevels["O"]["recurring"]}}
			before := map[string]struct {
				method, path string
				body         any
				roles        map[string]want
			}{
				"GET /plans/{id}": {"GET", "/api/v1/plans/" + pc.planID, nil, forRoles(planAt("", "list", "V"), planAt("", "public", "V"), map[string]want{
					"vendor_a": planAt("", "list", "V"), "distributor": planAt("", "buy", "W"), "reseller_a": planAt("", "buy", "I"),
					"reseller_b": planAt("", "buy", "I"), "customer_a1": planAt("", "buy", "O"), "customer_a2": planAt("", "buy", "O"),
					"customer_direct": planAt("", "buy", "V")})},
				"GET /products/{id}/plans": {"GET", "/api/v1/products/" + pc.productID + "/plans", nil, forRoles(planAt("data.0.", "list", "V"), planAt("data.0.", "public", "V"), map[string]want{
					"vendor_a": planAt("data.0.", "list", "V"), "distributor": planAt("data.0.", "buy", "W"), "reseller_a": planAt("data.0.", "buy", "I"),
					"reseller_b": planAt("data.0.", "buy", "I"), "customer_a1": planAt("data.0.", "buy", "O"), "customer_a2": planAt("data.0.", "buy", "O"),
					"customer_direct": planAt("data.0.", "buy", "V")})},
				"GET /subscriptions/{id}": {"GET", "/api/v1/subscriptions/" + pc.subID, nil, forRoles(subAt("O", "V", "-", "-"), notFound, map[string]want{
					"vendor_a": subAt("-", "V", "-", "V"), "distributor": subAt("-", "-", "W", "I"), "reseller_a": subAt("O", "-", "I", "O"),
					"customer_a1": subAt("O", "-", "-", "-"), "": unauth})},
				"GET /orders/{id}": {"GET", "/api/v1/orders/" + pc.orderID, nil, forRoles(orderShown, notFound, map[string]want{
					"vendor_a": orderHidden, "distributor": orderHidden, "reseller_a": orderShown, "customer_a1": orderShown, "": unauth})},
				"GET /orders": {"GET", "/api/v1/orders?subscription_id=" + pc.subID, nil, forRoles(inList(orderShown), want{200, fields{"data.0": "-"}}, map[string]want{
					"vendor_a": inList(orderHidden), "distributor": inList(orderHidden), "reseller_a": inList(orderShown), "customer_a1": inList(orderShown), "": unauth})},
				"POST /quotes": {"POST", "/api/v1/quotes", map[string]string{"plan_id": pc.planID, "customer_org_id": en.world.Orgs["customer_a1"].ID},
					forRoles(quoteShown, notFound, map[string]want{"distributor": {status: 403}, "reseller_a": quoteShown, "customer_a1": quoteShown, "": unauth})},
				"GET /customers/{id}/upcoming-invoice": {"GET", "/api/v1/customers/" + en.world.Orgs["customer_a1"].ID + "/upcoming-invoice", nil,
					forRoles(upcomingShown, notFound, map[string]want{"distributor": {200, fields{"invoices.0": "-", "bill_at": "-"}},
						"reseller_a": upcomingShown, "customer_a1": upcomingShown, "": unauth})},
				"GET /price-catalogs/{wholesale}/prices": {"GET", "/api/v1/price-catalogs/" + pc.wholesale + "/prices", nil,
					forRoles(catalogAt("V", "W", amountsV, amountsW), notFound, map[string]want{"distributor": catalogAt("-", "W", amountsV, amountsW), "": unauth})},
				"GET /price-catalogs/{sell-in}/prices": {"GET", "/api/v1/price-catalogs/" + pc.sellIn + "/prices", nil,
					forRoles(catalogAt("W", "I", amountsW, amountsI), notFound, map[string]want{"distributor": catalogAt("W", "I", amountsW, amountsI),
						"reseller_a": catalogAt("-", "I", amountsW, amountsI), "reseller_b": catalogAt("-", "I", amountsW, amountsI), "": unauth})},
				"GET /price-catalogs/{sell-out}/prices": {"GET", "/api/v1/price-catalogs/" + pc.sellOut + "/prices", nil,
					forRoles(catalogAt("I", "O", amountsI, amountsO), notFound, map[string]want{"reseller_a": catalogAt("I", "O", amountsI, amountsO),
						"customer_a1": catalogAt("-", "O", amountsI, amountsO), "customer_a2": catalogAt("-", "O", amountsI, amountsO), "": unauth})},
			}
			check := func(t *testing.T, name, method, path string, body any, roles map[string]want) {
				for _, who := range priceRoles {
					w := roles[who]
					t.Run(name+"/"+label(who), func(t *testing.T) {
						r := en.do(method, path, en.tokens[who], body)
						checkAnswer(t, r, w)
					})
				}
			}
			for _, name := range sortedKeys(before) {
				c := before[name]
				check(t, name, c.method, c.path, c.body, c.roles)
			}

			// Billed: the invoice, and every party's report of the month.
			pc.issueInvoices(t, en)
			invoiceShown := want{200, fields{"subtotal.amount": customerTotal, "lines.1.unit_price": priceLevels["O"]["recurring"], "lines.1.amount.amount": "17.16",
				"lines.2.unit_price": priceLevels["O"]["iaas"], "lines.2.amount.amount": "3.43"}}
			org := func(who string) string { return en.world.Orgs[who].ID }
			after := map[string]struct {
				path  string
				roles map[string]want
			}{
				"GET /invoices/{id}": {"/api/v1/invoices/" + pc.invoiceID, forRoles(invoiceShown, notFound, map[string]want{
					"reseller_a": invoiceShown, "customer_a1": invoiceShown, "": unauth})},
				// Reports are each party's own: its sales at its sell price,
				// its purchases at its buy price (per line, rounded once).
				"GET proceeds of reseller_a": {"/api/v1/organizations/" + org("reseller_a") + "/proceeds?month=" + pc.month, forRoles(
					want{200, fields{"lines.0.sales.amount": customerTotal, "lines.0.purchases.amount": "22.44"}}, notFound, map[string]want{
						"reseller_a": {200, fields{"lines.0.sales.amount": customerTotal, "lines.0.purchases.amount": "22.44"}}, "": unauth})},
				"GET proceeds of the distributor": {"/api/v1/organizations/" + org("distributor") + "/proceeds?month=" + pc.month, forRoles(
					want{200, fields{"lines.0.sales.amount": "22.44", "lines.0.purchases.amount": "18.70"}}, notFound, map[string]want{
						"distributor": {200, fields{"lines.0.sales.amount": "22.44", "lines.0.purchases.amount": "18.70"}}, "": unauth})},
				"GET balance report of vendor_a": {"/api/v1/vendors/" + org("vendor_a") + "/balance-report?month=" + pc.month, forRoles(
					want{200, fields{"lines.0.licence_revenue.amount": "15.00"}}, notFound, map[string]want{
						"vendor_a": {200, fields{"lines.0.licence_revenue.amount": "15.00"}}, "": unauth})},
				"GET statement of reseller_a": {"/api/v1/organizations/" + org("reseller_a") + "/statement?" + pc.period, forRoles(
					want{200, fields{"closing.0.amount": "6.73"}}, notFound, map[string]want{
						"reseller_a": {200, fields{"closing.0.amount": "6.73"}}, "": unauth})},
			}
			for _, name := range sortedKeys(after) {
				c := after[name]
				check(t, name, "GET", c.path, nil, c.roles)
			}
		})
	}
}

func label(who string) string {
	if who == "" {
		return "anonymous"
	}
	return who
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkAnswer checks r's status and, for a 200, every field of w. Any
// refusal (403, 404) is problem+json; a 401 is the anonymous caller's.
func checkAnswer(t *testing.T, r response, w want) {
	t.Helper()
	if r.Status != w.status {
		t.Fatalf("status %d, want %d: %.400s", r.Status, w.status, r.Body)
	}
	if w.status != http.StatusOK {
		return
	}
	var doc any
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	for _, path := range sortedKeys(w.fields) {
		exp := w.fields[path]
		got, ok := jsonAt(doc, path)
		switch {
		case exp == "-":
			if ok {
				t.Errorf("%s is present (%v), want it absent", path, got)
			}
		case !ok:
			t.Errorf("%s is absent, want %s: %.600s", path, exp, r.Body)
		default:
			if !sameValue(got, exp) {
				t.Errorf("%s = %v, want %s", path, got, exp)
			}
		}
	}
}

// jsonAt walks a decoded JSON document along a dotted path (numbers index
// arrays); a null counts as absent.
func jsonAt(doc any, path string) (any, bool) {
	cur := doc
	for _, k := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[k]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, cur != nil
}

// sameValue compares decimals by value ("13.20" is "13.2"), anything else
// as text.
func sameValue(got any, want string) bool {
	s := fmt.Sprint(got)
	g, err1 := money.ParseDecimal(s)
	w, err2 := money.ParseDecimal(want)
	if err1 == nil && err2 == nil {
		return g.Equal(w)
	}
	return s == want
}

// TestChannelPricesRoundLikeTheInvoice: a reseller's 30 % over 10.56 is
// the unit price 13.728; its price list, the quote and the invoice all
// charge 13.73 for the licence.
func TestChannelPricesRoundLikeTheInvoice(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			_, plans := catalogtest.Published(t, en.app.Catalog, en.world.Orgs["vendor_a"].ID, "Rounder", catalog.PlanInput{
				Name: catalogtest.Ptr("Odd"), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
				RecurringPrice: catalogtest.DP("10.56")})
			m := &pricing.Markup{Kind: pricing.MarkupPercent, Value: catalogtest.D("30")}
			c, err := en.app.Channel.CreatePriceCatalog(en.world.As(t, "reseller_a"), channel.PriceCatalogInput{Tier: channel.SellOut,
				Name: catalogtest.Ptr("Shop"), Markups: &pricing.ChargeMarkups{Recurring: m}, IsDefault: catalogtest.Ptr(true)})
			if err != nil {
				t.Fatal(err)
			}
			licence := "13.73"
			for _, who := range []string{"reseller_a", "customer_a1"} {
				checkAnswer(t, en.as(who, "GET", "/api/v1/price-catalogs/"+c.ID+"/prices", nil), want{200, fields{
					"data.0.sells.recurring": "13.728", "data.0.sells_amounts.recurring.amount": licence}})
			}
			checkAnswer(t, en.as("customer_a1", "POST", "/api/v1/quotes", map[string]string{"plan_id": plans[0].ID}), want{200, fields{
				"lines.0.unit_price": "13.728", "lines.0.amount.amount": licence, "first_invoice.amount": licence}})
			if _, err := en.app.Subs.PlaceOrder(en.world.As(t, "customer_a1"), subscription.PlaceOrderInput{PlanID: plans[0].ID}); err != nil {
				t.Fatal(err)
			}
			var pc pricedChannel
			pc.issueInvoices(t, en)
			checkAnswer(t, en.as("customer_a1", "GET", "/api/v1/invoices/"+pc.invoiceID, nil), want{200, fields{
				"lines.0.amount.amount": licence, "total.amount": licence}})
		})
	}
}
