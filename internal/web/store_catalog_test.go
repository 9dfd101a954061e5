package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// storeShop is the storefront fixture: published products of two vendors
// and a draft.
type storeShop struct {
	mail      catalog.Product
	mailPlans []catalog.Plan
	vault     catalog.Product
	draft     catalog.Product
}

func storeFixture(t *testing.T, e *env) storeShop {
	t.Helper()
	var s storeShop
	std := catalogtest.SeedPlanInput("Standard")
	pro := catalogtest.SeedPlanInput("Pro")
	pro.RecurringPrice, pro.TrialDays, pro.Description = catalogtest.DP("45.00"), catalogtest.Ptr(0), catalogtest.Ptr("Priority support and 1 TB")
	pro.Metrics = nil
	s.mail, s.mailPlans = catalogtest.Published(t, e.cat, e.world.Orgs["vendor_a"].ID, "Cloud Mail", std, pro)
	sys := actor.With(context.Background(), actor.System)
	if _, err := e.cat.UpdateProduct(sys, s.mail.ID, catalog.ProductInput{
		Description: catalogtest.Ptr("Email for teams, hosted in Europe."),
		Features:    catalogtest.Ptr([]string{"Shared calendars", "Spam filtering"}),
		FAQ:         catalogtest.Ptr([]catalog.FAQEntry{{Question: "Can I import my mail?", Answer: "Yes, from any IMAP server."}}),
		Screenshots: catalogtest.Ptr([]string{"https://vendor.example/shot1.png"}),
	}); err != nil {
		t.Fatal(err)
	}
	free := catalog.PlanInput{Name: catalogtest.Ptr("Free"), PricingKind: catalogtest.Ptr("free"), Currency: catalogtest.Ptr("EUR")}
	s.vault, _ = catalogtest.Published(t, e.cat, e.world.Orgs["vendor_b"].ID, "Backup Vault", free)
	if _, err := e.cat.UpdateProduct(sys, s.vault.ID, catalog.ProductInput{Category: catalogtest.Ptr("Storage"),
		Summary: catalogtest.Ptr("Encrypted backups for servers")}); err != nil {
		t.Fatal(err)
	}
	var err error
	s.draft, err = e.cat.CreateProduct(sys, catalog.CreateProductInput{OwnerOrgID: e.world.Orgs["vendor_a"].ID,
		ProductInput: catalog.ProductInput{Name: catalogtest.Ptr("Secret Draft"), Summary: catalogtest.Ptr("Not yet for sale")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.cat.CreatePlan(sys, s.draft.ID, catalogtest.SeedPlanInput("Hidden")); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreCatalogSearchAndFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	visitor := e.client()

	// An empty marketplace says so.
	res := visitor.get("/catalog")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "The marketplace has no products yet.")

	s := storeFixture(t, e)
	res = visitor.get("/catalog")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Cloud Mail", "by vendor_a", "The Cloud Mail service", "From EUR 24.00 / month", "Free trial",
		"Backup Vault", "by vendor_b", "Free", "Productivity (1)", "Storage (1)")
	wantNoText(t, res, "Secret Draft")

	// Full-text search.
	res = visitor.get("/catalog?q=backup")
	wantText(t, res, "Results for “backup”", "Backup Vault")
	wantNoText(t, res, "Cloud Mail")

	// Filters: category, vendor, free, trial, price model.
	for _, c := range []struct {
		query      string
		want, lack string
	}{
		{"category=Storage", "Backup Vault", "Cloud Mail"},
		{"vendor=" + e.world.Orgs["vendor_a"].ID, "Cloud Mail", "Backup Vault"},
		{"free=1", "Backup Vault", "Cloud Mail"},
		{"trial=1", "Cloud Mail", "Backup Vault"},
		{"price_model=renewable_months", "Cloud Mail", "Backup Vault"},
	} {
		res = visitor.get("/catalog?" + c.query)
		wantStatus(t, res, http.StatusOK)
		wantText(t, res, c.want)
		wantNoText(t, res, c.lack)
	}
	// The filters keep their state.
	res = visitor.get("/catalog?category=Storage&trial=1")
	if !strings.Contains(res.Body, `<option value="Storage" selected>`) || !strings.Contains(res.Body, `name="trial" type="checkbox" value="1" checked`) {
		t.Error("the filters do not show what is applied")
	}
	wantText(t, res, "No products match your search.", "Clear all")

	// Sorting by newest puts the last published first.
	res = visitor.get("/catalog?sort=newest")
	if strings.Index(res.Body, "Backup Vault") > strings.Index(res.Body, "Cloud Mail") {
		t.Error("newest first does not list Backup Vault first")
	}
	// A refused filter is explained, not a 500.
	res = visitor.get("/catalog?price_model=bogus")
	wantStatus(t, res, http.StatusBadRequest)
	wantText(t, res, "That search could not be run")

	// Pagination: 13 more products make a second page.
	for i := range 13 {
		catalogtest.Published(t, e.cat, e.world.Orgs["vendor_b"].ID, "Zeta "+string(rune('A'+i)),
			catalog.PlanInput{Name: catalogtest.Ptr("Free"), PricingKind: catalogtest.Ptr("free"), Currency: catalogtest.Ptr("EUR")})
	}
	res = visitor.get("/catalog?sort=name")
	wantText(t, res, "Next page")
	wantNoText(t, res, "Zeta M")
	next := storeHref(t, res.Body, "Next page")
	res = visitor.get(next)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Zeta M", "First page")
	_ = s
}

// storeHref returns the href of the link labelled label.
func storeHref(t *testing.T, body, label string) string {
	t.Helper()
	i := strings.Index(body, ">"+label+"<")
	if i < 0 {
		t.Fatalf("no link %q", label)
	}
	j := strings.LastIndex(body[:i], `href="`)
	href := body[j+len(`href="`):]
	href = href[:strings.Index(href, `"`)]
	return strings.ReplaceAll(href, "&amp;", "&")
}

func TestStoreProductPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := storeFixture(t, e)
	visitor := e.client()

	res := visitor.get("/products/" + s.mail.Slug)
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `<img src="https://vendor.example/shot1.png" alt="Screenshot 1 of Cloud Mail"`) {
		t.Error("the screenshot is not shown")
	}
	wantText(t, res, "Cloud Mail", "by vendor_a", "Email for teams, hosted in Europe.", "Shared calendars", "Spam filtering",
		"Can I import my mail?", "Yes, from any IMAP server.",
		// The plans side by side, at the public list price.
		"Standard", "Pro", "EUR 24.00 per month", "EUR 49.00 per month", "Setup fee", "EUR 10.00 once", "Infrastructure", "EUR 4.00",
		"Users (tiered)", "Tiered: each range's units at its price", "1–9: EUR 5.00 per user", "10 and more: EUR 3.00 per user",
		"Stairstep: a flat price per range", "1–9: EUR 30.00", "Storage", "10 GB included per period, then:", "EUR 0.10 per GB",
		"Priority support and 1 TB", "14 days", "Start 14-day free trial", "Order")
	if !strings.Contains(res.Body, `href="/checkout?plan=`+s.mailPlans[0].ID+`"`) ||
		!strings.Contains(res.Body, `href="/checkout?plan=`+s.mailPlans[0].ID+`&amp;type=trial"`) {
		t.Error("no Order or trial link to checkout")
	}
	if strings.Contains(res.Body, `href="/checkout?plan=`+s.mailPlans[1].ID+`&amp;type=trial"`) {
		t.Error("a trial is offered on a plan without one")
	}
	// By id too.
	wantStatus(t, visitor.get("/products/"+s.mail.ID), http.StatusOK)

	// Unknown and unpublished products are not found by visitors and buyers.
	wantStatus(t, visitor.get("/products/no-such-product"), http.StatusNotFound)
	wantStatus(t, visitor.get("/products/"+s.draft.ID), http.StatusNotFound)
	cust := e.client()
	cust.login("customer_direct")
	wantStatus(t, cust.get("/products/"+s.draft.Slug), http.StatusNotFound)
	// Its owner sees a preview.
	owner := e.client()
	owner.login("vendor_a")
	res = owner.get("/products/" + s.draft.ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Preview: this product is draft and not on sale.")

	// Users who do not buy for themselves get no Order buttons.
	res = owner.get("/products/" + s.mail.Slug)
	wantText(t, res, "Not orderable with your role", "Ordering needs the order placement function")
	if strings.Contains(res.Body, `href="/checkout?plan=`) {
		t.Error("a vendor is offered checkout")
	}

	// A customer sees its own price (here the marketplace's too).
	res = cust.get("/products/" + s.mail.Slug)
	wantText(t, res, "Prices are yours, before taxes.", "EUR 24.00 per month", "Order")
	wantNoText(t, res, "Not orderable with your role")
}

func TestStoreWelcome(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.client().get("/")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Welcome to Test Marketplace", "Find a service", "No products are on sale yet.")

	storeFixture(t, e)
	res = e.client().get("/")
	wantText(t, res, "Try for free", "New in the marketplace", "Cloud Mail", "Backup Vault", "Productivity", "Storage", "Create an account")
	wantNoText(t, res, "Secret Draft")
	if !strings.Contains(res.Body, `action="/catalog"`) {
		t.Error("no search box")
	}
	_ = pricing.SchemeTiered
}

// Staff feature a product from its page; visitors see it on the home page
// and under the catalog's "featured" filter; others cannot feature.
func TestStoreFeaturedProducts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := storeFixture(t, e)
	path := "/products/" + s.vault.Slug
	visitor := e.client()
	wantNoText(t, visitor.get("/"), "All featured products")

	vendor := e.client()
	vendor.login("vendor_b")
	wantNoText(t, vendor.get(path), "Feature on the home page")
	wantStatus(t, vendor.postForm(path, "/products/"+s.vault.ID+"/feature", url.Values{"featured": {"1"}}), http.StatusSeeOther)
	wantNoText(t, visitor.get("/"), "All featured products")

	admin := e.client()
	admin.login("admin")
	wantStatus(t, admin.post("/products/"+s.vault.ID+"/feature", url.Values{"featured": {"1"}}), http.StatusForbidden) // no CSRF token
	res := admin.postForm(path, "/products/"+s.vault.ID+"/feature", url.Values{"featured": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	wantText(t, admin.get(path), "Featured on the home page since", "Stop featuring")
	home := visitor.get("/")
	wantText(t, home, "Featured", "All featured products", "Backup Vault")
	res = visitor.get("/catalog?featured=1")
	wantText(t, res, "Backup Vault")
	wantNoText(t, res, "Cloud Mail")
	wantStatus(t, admin.postForm(path, "/products/"+s.vault.ID+"/feature", url.Values{"featured": {"0"}}), http.StatusSeeOther)
	wantNoText(t, visitor.get("/"), "All featured products")
}
