package app_test

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// Staff feature published products on the storefront; others may not; a
// product taken off sale leaves the featured list.
func TestFeaturedProducts(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			prod, _ := catalogtest.Published(t, en.app.Catalog, en.world.Orgs["vendor_a"].ID, "Featured Drive", catalogtest.SeedPlanInput("Team"))
			path := "/api/v1/products/" + prod.ID + "/featured"
			wantProblem(t, en.as("vendor_a", "PUT", path, map[string]bool{"featured": true}), 403, "permission_denied")
			wantProblem(t, en.as("supervisor", "PUT", path, map[string]bool{"featured": true}), 403, "permission_denied")
			wantProblem(t, en.as("admin", "PUT", "/api/v1/products/prd_nope/featured", map[string]bool{"featured": true}), 404, "")
			var p catalog.Product
			mustJSON(t, en.as("admin", "PUT", path, map[string]bool{"featured": true}), &p)
			if p.FeaturedAt == nil {
				t.Fatalf("not featured: %+v", p)
			}
			var list struct {
				Data []catalog.Product `json:"data"`
			}
			mustJSON(t, en.do("GET", "/api/v1/products?featured=true", en.tokens["customer_a1"], nil), &list)
			if len(list.Data) != 1 || list.Data[0].ID != prod.ID {
				t.Fatalf("featured list: %+v", list.Data)
			}
			var retired catalog.Product
			mustJSON(t, en.as("admin", "POST", "/api/v1/products/"+prod.ID+"/retire", nil), &retired)
			mustJSON(t, en.as("admin", "GET", "/api/v1/products?featured=true", nil), &list)
			if len(list.Data) != 0 || retired.FeaturedAt != nil {
				t.Fatalf("a retired product is still featured: %+v", list.Data)
			}
			wantProblem(t, en.as("admin", "PUT", path, map[string]bool{"featured": true}), 422, "product_not_published")
		})
	}
}
