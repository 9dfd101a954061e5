package web

import (
	"net/http"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// storeWelcomeData is the visitors' home page content.
type storeWelcomeData struct {
	// Featured are the products staff feature; Trials those with a free
	// trial, what a visitor can start with at no cost.
	Featured   []storeCard
	Trials     []storeCard
	Newest     []storeCard
	Categories []catalog.Category
}

// storeHomeCount is how many products each home page section shows.
const storeHomeCount = 4

// storeWelcome is the home page of visitors: a search box, products to try,
// the newest products and the categories.
func (h *handler) storeWelcome(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	var d storeWelcomeData
	newest, _, err := h.cat.SearchProducts(ctx, catalog.ProductFilter{Status: catalog.Published, Sort: "newest",
		Page: page.Request{Limit: storeHomeCount}})
	if err != nil {
		return err
	}
	trials, _, err := h.cat.SearchProducts(ctx, catalog.ProductFilter{Status: catalog.Published, Trial: true, Sort: "name",
		Page: page.Request{Limit: storeHomeCount}})
	if err != nil {
		return err
	}
	if d.Newest, err = h.storeCards(ctx, newest); err != nil {
		return err
	}
	if d.Trials, err = h.storeCards(ctx, trials); err != nil {
		return err
	}
	featured, _, err := h.cat.SearchProducts(ctx, catalog.ProductFilter{Status: catalog.Published, Featured: true, Sort: "name",
		Page: page.Request{Limit: storeHomeCount}})
	if err != nil {
		return err
	}
	if d.Featured, err = h.storeCards(ctx, featured); err != nil {
		return err
	}
	if d.Categories, err = h.cat.Categories(ctx); err != nil {
		return err
	}
	v.Title = "Welcome"
	v.Data = d
	return h.render(w, r, v, "store_welcome")
}
