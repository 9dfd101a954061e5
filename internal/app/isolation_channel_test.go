package app_test

import (
	"net/http"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/channel"
)

// resellerCatalog gives a reseller a second sell-out catalog.
func resellerCatalog(t *testing.T, en *env, reseller string) string {
	t.Helper()
	c, err := en.app.Channel.CreatePriceCatalog(en.world.As(t, reseller), channel.PriceCatalogInput{Tier: channel.SellOut,
		Name: catalogtest.Ptr("Secret deals of " + reseller)})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func init() {
	cat := func(suffix string) func(f foreign) string {
		return func(f foreign) string { return "/api/v1/price-catalogs/" + f.catalogID + suffix }
	}
	for id, c := range map[string]isolationCase{
		"list-price-catalogs": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", "/api/v1/price-catalogs", nil, listedWithout(f)
		},
		"create-price-catalog": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			// For another reseller.
			owner := en.world.Orgs["reseller_b"].ID
			if who == "reseller_b" {
				owner = en.world.Orgs["reseller_a"].ID
			}
			return "POST", "/api/v1/price-catalogs", map[string]string{"tier": "sell_out", "name": "Planted", "owner_org_id": owner},
				refused(f, http.StatusUnprocessableEntity)
		},
		"get-price-catalog": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", cat("")(f), nil, refused(f)
		},
		"list-catalog-prices": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", cat("/prices")(f), nil, refused(f)
		},
		"update-price-catalog": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "PATCH", cat("")(f), map[string]string{"name": "Hijacked"}, refused(f)
		},
		"archive-price-catalog": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "DELETE", cat("")(f), nil, refused(f)
		},
		"offer-product": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "PUT", cat("/products/" + f.productID)(f), nil, refused(f, http.StatusUnprocessableEntity)
		},
		"withdraw-product-offer": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "DELETE", cat("/products/" + f.productID)(f), nil, refused(f, http.StatusUnprocessableEntity)
		},
		"set-plan-rule": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "PUT", cat("/plans/" + f.planID)(f), map[string]any{"override": map[string]string{"recurring": "0"}}, refused(f, http.StatusUnprocessableEntity)
		},
		"get-buyer-catalog": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", "/api/v1/organizations/" + f.customerID + "/price-catalog", nil, refused(f)
		},
		"assign-buyer-catalog": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "PUT", "/api/v1/organizations/" + f.customerID + "/price-catalog", map[string]string{"catalog_id": f.catalogID}, refused(f, http.StatusUnprocessableEntity)
		},
		"get-price-chain": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			return "GET", "/api/v1/price-chain?plan_id=" + f.planID + "&buyer_org_id=" + f.customerID, nil, refused(f, http.StatusUnprocessableEntity)
		},
		"create-quote": func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			// On behalf of a customer that is not the caller's.
			return "POST", "/api/v1/quotes", map[string]string{"plan_id": f.planID, "customer_org_id": f.customerID}, refused(f, http.StatusUnprocessableEntity)
		},
	} {
		isolationCases[id] = c
	}
}
