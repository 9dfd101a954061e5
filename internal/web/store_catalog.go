package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// storePageSize is how many products a catalog page shows.
const storePageSize = 12

// storeOption is one choice of a select.
type storeOption struct {
	Value string
	Label string
}

// storePriceModels name the pricing kinds for buyers, in the order the
// filter offers them.
var storePriceModels = []storeOption{
	{"renewable_months", "Monthly or yearly subscription"},
	{"renewable_hours", "Hourly subscription"},
	{"short", "Fixed term"},
	{"everlasting", "One-off purchase"},
	{"free", "Free"},
	{"contact_only", "On request"},
}

var storeSorts = []storeOption{{"", "Best match"}, {"name", "Name"}, {"newest", "Newest"}}

// storeCatalogData is the catalog page's content.
type storeCatalogData struct {
	Query      string
	Category   string
	Vendor     string
	PriceModel string
	Sort       string
	Free       bool
	Trial      bool
	Featured   bool
	// Filtered tells a search or a filter is applied (a "no results" state
	// rather than an empty catalog).
	Filtered    bool
	Categories  []catalog.Category
	Vendors     []catalog.Vendor
	PriceModels []storeOption
	Sorts       []storeOption
	Cards       []storeCard
	// Error explains a refused search (a filter out of range).
	Error string
	Next  string
	First string
}

// storeCard is one product of a result list.
type storeCard struct {
	Product catalog.Product
	Vendor  string
	From    storePrice
	Trial   bool
}

// storeCatalogPage searches the catalog: free text, filters, sorting and
// pages, through the same service call as GET /api/v1/products.
func (h *handler) storeCatalogPage(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	d := storeCatalogData{
		Query: strings.TrimSpace(q.Get("q")), Category: strings.TrimSpace(q.Get("category")), Vendor: q.Get("vendor"),
		PriceModel: q.Get("price_model"), Sort: q.Get("sort"), Free: q.Get("free") != "", Trial: q.Get("trial") != "",
		Featured: q.Get("featured") != "", PriceModels: storePriceModels, Sorts: storeSorts,
	}
	d.Filtered = d.Query != "" || d.Category != "" || d.Vendor != "" || d.PriceModel != "" || d.Free || d.Trial || d.Featured
	ctx := r.Context()
	var err error
	if d.Categories, err = h.cat.Categories(ctx); err != nil {
		return err
	}
	vendors, _, err := h.cat.ListVendors(ctx, catalog.VendorFilter{Status: catalog.VendorApproved, Page: page.Request{Limit: page.MaxLimit}})
	if err != nil && errs.KindOf(err) != errs.KindInvalid {
		return err
	}
	d.Vendors = vendors
	cursor := q.Get("cursor")
	// The storefront lists what is on sale: owners and staff, whom the
	// service also shows drafts, find those in their panels.
	products, next, err := h.cat.SearchProducts(ctx, catalog.ProductFilter{Query: d.Query, Category: d.Category, VendorID: d.Vendor,
		PriceModel: d.PriceModel, Free: d.Free, Trial: d.Trial, Featured: d.Featured, Status: catalog.Published, Sort: d.Sort,
		Page: page.Request{Limit: storePageSize, Cursor: cursor}})
	if e, ok := errs.As(err); ok && e.Kind == errs.KindInvalid {
		d.Error = "That search could not be run: " + storeFieldMessages(e) + " Change the filters and try again."
		v.Status = http.StatusBadRequest
		err = nil
	}
	if err != nil {
		return err
	}
	if d.Cards, err = h.storeCards(ctx, products); err != nil {
		return err
	}
	params := url.Values{}
	for k, vs := range q {
		params[k] = vs
	}
	d.Next, d.First = pageLinks("/catalog", params, cursor, next)
	v.Title = "Marketplace"
	if d.Query != "" {
		v.Title = "Search: " + d.Query
	}
	v.Data = d
	return h.render(w, r, v, "store_catalog")
}

// storeFieldMessages lists a validation error's field messages in words.
func storeFieldMessages(e *errs.Error) string {
	if len(e.Fields) == 0 {
		return sentence(e.Message)
	}
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, strings.ReplaceAll(f.Field, "_", " ")+" "+f.Message)
	}
	return sentence(strings.Join(parts, "; "))
}

// storeCards prices the products of a result list for the viewer.
func (h *handler) storeCards(ctx context.Context, products []catalog.Product) ([]storeCard, error) {
	names := h.lookups()
	cards := make([]storeCard, 0, len(products))
	for _, p := range products {
		plans, err := h.cat.ListPlans(ctx, p.ID, false)
		if err != nil {
			return nil, err
		}
		c := storeCard{Product: p, Vendor: names.vendorName(ctx, p.OwnerOrgID)}
		var prices []storePrice
		for _, pl := range plans {
			pr, err := h.storePlanPrice(ctx, pl)
			if err != nil {
				return nil, err
			}
			prices = append(prices, pr)
			c.Trial = c.Trial || pl.TrialDays > 0
		}
		c.From = storeLowest(prices)
		cards = append(cards, c)
	}
	return cards, nil
}

// storeProductData is a product page's content.
type storeProductData struct {
	Product catalog.Product
	Vendor  string
	Compare storeCompare
	// CanOrder shows the Order buttons as such; otherwise they lead to
	// sign-in (visitors) or are explained away (roles that do not buy).
	CanOrder bool
	Visitor  bool
	// OwnPrices tells the prices are the viewer's own (a customer's).
	OwnPrices bool
	// Shots link to the screenshots: they are hosted elsewhere, and the
	// pages' Content-Security-Policy shows images of this site only.
	Shots []storeLink
	// Preview marks a product its owner or staff see before (or after) it
	// is on sale.
	Preview bool
	Reviews storeReviews
	// CanFeature: staff who curate the storefront may feature it.
	CanFeature bool
}

// storeProductPage shows a product with its plans side by side at the
// viewer's price. Unpublished products are not found, except by their
// owner and staff (the service decides), who see a preview.
func (h *handler) storeProductPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	p, err := h.cat.GetProduct(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	plans, err := h.cat.ListPlans(ctx, p.ID, false)
	if err != nil {
		return err
	}
	names := h.lookups()
	d := storeProductData{Product: p, Vendor: names.vendorName(ctx, p.OwnerOrgID), Preview: p.Status != catalog.Published,
		Visitor: currentUser(r) == nil, CanOrder: storeMayCheckout(r), OwnPrices: storeBuysForSelf(r)}
	for i, u := range p.Screenshots {
		d.Shots = append(d.Shots, storeLink{URL: u, Label: "Screenshot " + strconv.Itoa(i+1)})
	}
	if d.Compare, err = h.storeComparePlans(ctx, plans); err != nil {
		return err
	}
	d.CanFeature = may(r, identity.MarketplaceCustomization) && identity.Role(currentUser(r).Actor.Role).Staff() && p.Status == catalog.Published
	if d.Reviews, err = h.storeReviewsOf(r, p); err != nil {
		return err
	}
	v.Title = p.Name
	v.Data = d
	return h.render(w, r, v, "store_product")
}

// storeLink is a labelled link.
type storeLink struct {
	URL   string
	Label string
}

// storeMayCheckout reports whether the signed-in user may order through
// checkout: a customer's user for its organization, or a reseller,
// distributor or administrator holding order placement, for one of its
// customers (a push order).
func storeMayCheckout(r *http.Request) bool {
	return currentUser(r) != nil && may(r, identity.OrderPlacement)
}

// storeBuysForSelf reports whether the signed-in user's organization is
// the customer of its orders.
func storeBuysForSelf(r *http.Request) bool {
	s := currentUser(r)
	return s != nil && s.Actor.OrgKind == string(identity.CustomerOrg)
}

// storeFeature features the product on the home page, or stops featuring
// it (staff who curate the storefront).
func (h *handler) storeFeature(w http.ResponseWriter, r *http.Request, v *view) error {
	back := "/products/" + r.PathValue("id")
	p, err := h.cat.FeatureProduct(r.Context(), r.PathValue("id"), r.PostForm.Get("featured") == "1")
	if err != nil {
		return h.refused(w, r, err, back)
	}
	if p.FeaturedAt != nil {
		return h.done(w, r, back, p.Name+" is featured on the home page.")
	}
	return h.done(w, r, back, p.Name+" is no longer featured.")
}
