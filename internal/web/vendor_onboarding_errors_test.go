package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// obVendorProducts returns every product of fixture vendor name.
func obVendorProducts(t *testing.T, e *env, name string) []catalog.Product {
	t.Helper()
	ps, _, err := e.cat.SearchProducts(actor.With(context.Background(), actor.System),
		catalog.ProductFilter{VendorID: e.world.Orgs[name].ID, Page: page.Request{Limit: page.MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestOnboardingProductFormErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vendor := e.client()
	vendor.login("vendor_a")

	// An empty name and a bad address: errors next to the fields, the
	// rest kept as typed, nothing stored.
	form := obProductValues("   ")
	form.Set("terms_url", "ftp://nimbus.example")
	form.Set("features", "Fine\n"+strings.Repeat("x", 301))
	res := vendor.postForm("/vendor/products/new", "/vendor/products/new", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "product-name", "Product name is required")
	obWantFieldError(t, res, "product-terms-url", "must be an absolute http(s) URL")
	obWantFieldError(t, res, "product-features", "Features on line 2 must be at most 300 characters")
	wantText(t, res, "Please correct the errors below.")
	if v, _ := obInputValue(res.Body, "summary"); v != "Backups that restore" {
		t.Errorf("summary not kept: %q", v)
	}
	if v, _ := obInputValue(res.Body, "faq[0].question"); v != "Where is my data?" {
		t.Errorf("FAQ question not kept: %q", v)
	}
	if !strings.Contains(res.Body, `href="#product-name"`) {
		t.Error("the error summary does not link to the name input")
	}
	if ps := obVendorProducts(t, e, "vendor_a"); len(ps) != 0 {
		t.Fatalf("stored: %+v", ps)
	}

	// An FAQ answer without its question: the error lands on the row it
	// was typed in, though the empty row before it is not sent.
	form = obProductValues("Nimbus")
	form.Set("faq[1].question", "")
	form.Set("faq[2].question", "")
	form.Set("faq[2].answer", "An answer to nothing")
	res = vendor.postForm("/vendor/products/new", "/vendor/products/new", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "product-faq-2-question", "Question is required")
	if obFieldErrorText(res.Body, "product-faq-1-question") != "" {
		t.Error("error on the empty row")
	}

	// Adding an FAQ row shows the form again with one more, storing nothing.
	form = obProductValues("Nimbus")
	form.Set("op", "add_faq")
	res = vendor.postForm("/vendor/products/new", "/vendor/products/new", form)
	wantStatus(t, res, http.StatusOK)
	if _, ok := obInputValue(res.Body, "faq[2].question"); !ok {
		t.Error("no third question after adding one")
	}
	form.Set("op", "remove_faq:0")
	res = vendor.postForm("/vendor/products/new", "/vendor/products/new", form)
	wantStatus(t, res, http.StatusOK)
	if v, _ := obInputValue(res.Body, "faq[0].question"); v != "" {
		t.Errorf("first question after removing it: %q", v)
	}
	if ps := obVendorProducts(t, e, "vendor_a"); len(ps) != 0 {
		t.Fatalf("stored by an editing step: %+v", ps)
	}
}

func TestOnboardingPlanFormErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vendor := e.client()
	vendor.login("vendor_a")
	id := obCreateProductForm(t, vendor, "Nimbus")
	path := "/vendor/products/" + id + "/plans/new"

	// A price with letters and a trial that is not a number: refused
	// before the service, next to the fields, as typed.
	form := obPlanValues("Team")
	form.Set("recurring_price", "20,00 €")
	form.Set("trial_days", "two weeks")
	res := vendor.postForm(path, path, form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "plan-recurring-price", "Licence price is not a number")
	obWantFieldError(t, res, "plan-trial-days", "Free trial must be a whole number")
	if v, _ := obInputValue(res.Body, "recurring_price"); v != "20,00 €" {
		t.Errorf("price not kept as typed: %q", v)
	}
	// The service's own checks, next to their fields.
	form = obPlanValues("")
	form.Set("recurring_price", "-5")
	form.Set("allowed_periods", "12, 5")
	form.Set("min_periods", "12")
	res = vendor.postForm(path, path, form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "plan-name", "Plan name is required")
	obWantFieldError(t, res, "plan-recurring-price", "must not be negative")
	if got := obListPlans(t, e, id); len(got) != 0 {
		t.Fatalf("stored: %+v", got)
	}
	form = obPlanValues("Team")
	form.Set("min_periods", "12")
	form.Set("allowed_periods", "12, 30")
	res = vendor.postForm(path, path, form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "plan-allowed-periods", "Order durations offered (30) must be a multiple of the minimum duration")
	if got := obListPlans(t, e, id); len(got) != 0 {
		t.Fatalf("stored: %+v", got)
	}
}

func TestOnboardingRangeEditorErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vendor := e.client()
	vendor.login("vendor_a")
	id := obCreateProductForm(t, vendor, "Nimbus")
	plan := obCreatePlanForm(t, e, vendor, id, "Team")
	path := "/vendor/products/" + id + "/plans/" + plan.ID + "/extras/new"
	post := func(form url.Values) *response {
		t.Helper()
		page := vendor.get(path)
		form.Set("csrf_token", csrfToken(t, page.Body))
		form.Set("version", obMustInput(t, page.Body, "version"))
		return vendor.post(path, form)
	}
	noExtras := func() {
		t.Helper()
		if got := obListPlans(t, e, id)[0].Extras; len(got) != 0 {
			t.Fatalf("stored: %+v", got)
		}
	}

	// Overlapping ranges: the error is on the second range's "from", on the
	// row it was typed in (the empty row between them is not sent).
	res := post(obTieredExtraValues([3]string{"1", "10", "5"}, [3]string{"", "", ""}, [3]string{"5", "", "3"}))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "resource-scheme-ranges-2-from", "From overlaps the previous range, which ends at 10")
	if obFieldErrorText(res.Body, "resource-scheme-ranges-1-from") != "" {
		t.Error("error on the empty row")
	}
	wantText(t, res, "Range 3: from overlaps the previous range")
	if v, _ := obInputValue(res.Body, "scheme.ranges[2].unit_price"); v != "3" {
		t.Errorf("typed value not kept: %q", v)
	}
	if !strings.Contains(res.Body, `class="ob-range ob-range-error" data-range="2"`) {
		t.Error("the offending row is not marked")
	}
	noExtras()

	// A gap, a range ending before it starts, a negative bound.
	res = post(obTieredExtraValues([3]string{"-1", "9", "5"}, [3]string{"12", "11", "3"}))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "resource-scheme-ranges-0-from", "From must not be negative")
	obWantFieldError(t, res, "resource-scheme-ranges-1-to", "To must be at least from (12)")
	obWantFieldError(t, res, "resource-scheme-ranges-1-from", "must be 10, right after the previous range")
	noExtras()

	// A price with letters, a "to" that is not a number: refused with the
	// scheme's other mistakes at once, and the letters kept.
	form := obTieredExtraValues([3]string{"1", "nine", "5"}, [3]string{"10", "", "3 EUR"}, [3]string{"20", "", "1"})
	form.Set("name", "")
	res = post(form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "resource-scheme-ranges-0-to", "To is not a number")
	obWantFieldError(t, res, "resource-scheme-ranges-1-unit-price", "Unit price is not a number")
	obWantFieldError(t, res, "resource-scheme-ranges-1-to", "To only the last range may be open-ended")
	if v, _ := obInputValue(res.Body, "scheme.ranges[1].unit_price"); v != "3 EUR" {
		t.Errorf("typed price not kept: %q", v)
	}
	noExtras()

	// The service's errors about the item itself, and a scheme without
	// ranges.
	res = post(url.Values{"name": {""}, "billing": {"prepaid"}, "scheme.kind": {"volume"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "resource-name", "Name is required")
	obWantFieldError(t, res, "resource-scheme-ranges", "Ranges a volume scheme needs 1 to 20 ranges")
	noExtras()

	// A stairstep scheme with a unit price is told which field to clear.
	form = obTieredExtraValues([3]string{"1", "", "5"})
	form.Set("scheme.kind", "stairstep")
	res = post(form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "resource-scheme-ranges-0-unit-price", "is not used by a stairstep scheme")
	noExtras()

	// Removing a row renumbers the rest.
	form = obTieredExtraValues([3]string{"1", "9", "5"}, [3]string{"x", "", ""}, [3]string{"10", "", "3"})
	form.Set("op", "remove_range:1")
	res = post(form)
	wantStatus(t, res, http.StatusOK)
	if v, _ := obInputValue(res.Body, "scheme.ranges[1].from"); v != "10" {
		t.Errorf("second row after removing one: from %q", v)
	}
	if n := strings.Count(res.Body, ` data-range="`); n != 2 {
		t.Errorf("%d rows after removing one of 3", n)
	}
	noExtras()
}

func TestOnboardingAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, plans := catalogtest.Published(t, e.cat, e.world.Orgs["vendor_a"].ID, "Published A")
	vendorA := e.client()
	vendorA.login("vendor_a")
	draft := obCreateProductForm(t, vendorA, "Draft A")
	published := obVendorProducts(t, e, "vendor_a")
	var pubID string
	for _, p := range published {
		if p.Name == "Published A" {
			pubID = p.ID
		}
	}

	// Another vendor: not found, whatever the page, even for a product
	// the catalog shows to everybody; its own list does not show them.
	vendorB := e.client()
	vendorB.login("vendor_b")
	for _, id := range []string{draft, pubID} {
		for _, p := range []string{"", "/edit", "/plans/new", "/plans/" + plans[0].ID + "/edit", "/plans/" + plans[0].ID + "/extras/new",
			"/plans/" + plans[0].ID + "/extras/" + plans[0].Extras[0].ID + "/edit"} {
			wantStatus(t, vendorB.get("/vendor/products/"+id+p), http.StatusNotFound)
		}
		for _, p := range []string{"/submit", "/retire", "/edit", "/plans/new"} {
			res := vendorB.postForm("/vendor/products", "/vendor/products/"+id+p, obProductValues("Stolen"))
			wantStatus(t, res, http.StatusNotFound)
		}
	}
	wantNoText(t, vendorB.get("/vendor/products"), "Draft A", "Published A")
	// A plan of another product in the path is not found either.
	other := obCreateProductForm(t, vendorA, "Other A")
	wantStatus(t, vendorA.get("/vendor/products/"+other+"/plans/"+plans[0].ID+"/edit"), http.StatusNotFound)
	wantStatus(t, vendorA.get("/vendor/products/"+draft+"/plans/pln_nonsense/edit"), http.StatusNotFound)
	if obGetProduct(t, e, draft).Name != "Draft A" || obGetProduct(t, e, pubID).Status != catalog.Published {
		t.Fatal("another vendor changed a product")
	}

	// A customer: 403 on the vendor pages and on the review.
	customer := e.client()
	customer.login("customer_a1")
	for _, p := range []string{"/vendor/products", "/vendor/products/new", "/vendor/products/" + draft, "/vendor/coupons", "/admin/review",
		"/admin/review/products/" + pubID} {
		wantStatus(t, customer.get(p), http.StatusForbidden)
	}
	res := customer.postForm("/", "/vendor/products/new", obProductValues("Mine"))
	wantStatus(t, res, http.StatusForbidden)
	// A vendor may not review; a supervisor may, but not onboard.
	wantStatus(t, vendorA.get("/admin/review"), http.StatusForbidden)
	wantStatus(t, vendorA.postForm("/vendor/products", "/admin/review/products/"+draft+"/approve", url.Values{}), http.StatusForbidden)
	supervisor := e.client()
	supervisor.login("supervisor")
	wantStatus(t, supervisor.get("/admin/review"), http.StatusOK)
	wantStatus(t, supervisor.get("/vendor/products"), http.StatusForbidden)
	// Anonymous visitors are sent to sign in.
	res = e.client().get("/vendor/products")
	wantRedirect(t, res, "/login?next=%2Fvendor%2Fproducts")

	// Without the CSRF token nothing happens.
	form := obProductValues("Forged")
	res = vendorA.post("/vendor/products/new", form)
	wantStatus(t, res, http.StatusForbidden)
	res = vendorA.post("/vendor/products/"+draft+"/retire", url.Values{"csrf_token": {"not-the-token"}})
	wantStatus(t, res, http.StatusForbidden)
	for _, p := range obVendorProducts(t, e, "vendor_a") {
		if p.Name == "Forged" || (p.ID == draft && p.Status != catalog.Draft) {
			t.Fatalf("changed without a CSRF token: %+v", p)
		}
	}

	// Staff with product onboarding see every vendor's products.
	admin := e.client()
	admin.login("admin")
	res = admin.get("/vendor/products")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Draft A", "Published A", "vendor_a")
	wantStatus(t, admin.get("/vendor/products/"+draft), http.StatusOK)
	// They name the vendor a new product is for.
	res = admin.get("/vendor/products/new")
	wantText(t, res, "Choose a vendor", "vendor_b")
	form = obProductValues("Made by staff")
	res = admin.postForm("/vendor/products/new", "/vendor/products/new", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Vendor products belong to a vendor organization")
	form.Set("owner_org_id", e.world.Orgs["vendor_b"].ID)
	res = admin.postForm("/vendor/products/new", "/vendor/products/new", form)
	wantStatus(t, res, http.StatusSeeOther)
	if ps := obVendorProducts(t, e, "vendor_b"); len(ps) != 1 || ps[0].Name != "Made by staff" {
		t.Fatalf("vendor_b's products: %+v", ps)
	}
}

func TestOnboardingReviewRejections(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A vendor registers itself and waits for review.
	nv, _, err := e.cat.RegisterVendor(context.Background(), catalog.RegisterVendorInput{RegisterInput: identity.RegisterInput{
		OrgName: "Newco", Country: "FR", Name: "Nina New", Email: "nina@newco.example", Password: "a-good-password-1"},
		Website: "https://newco.example", Description: "Cloud drives"})
	if err != nil {
		t.Fatal(err)
	}
	nina := e.client()
	res := nina.signIn("nina@newco.example", "a-good-password-1", "")
	wantStatus(t, res, http.StatusSeeOther)
	res = nina.get("/vendor/products")
	wantText(t, res, "Your vendor registration: Awaiting review")

	admin := e.client()
	admin.login("admin")
	res = admin.get("/admin/review")
	wantText(t, res, "Vendors awaiting approval", "Newco", "https://newco.example", "Cloud drives")

	// Rejecting needs a reason, shown next to that vendor's field.
	res = admin.postForm("/admin/review", "/admin/review/vendors/"+nv.OrgID+"/reject", url.Values{"reason": {"  "}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, strings.ReplaceAll("vendor-"+nv.OrgID+"-reason", "_", "-"), "The reason is required")
	res = admin.postForm("/admin/review", "/admin/review/vendors/"+nv.OrgID+"/reject", url.Values{"reason": {"Tell us more about Newco."}})
	wantRedirect(t, res, "/admin/review")
	wantText(t, admin.get("/admin/review"), "The vendor “Newco” was rejected", "No vendors wait for approval")
	wantText(t, nina.get("/vendor/products"), "Rejected", "Tell us more about Newco.")
	// ... and approved later.
	if _, err := e.cat.ApproveVendor(actor.With(context.Background(), actor.System), nv.OrgID); err != nil {
		t.Fatal(err)
	}

	// A product sent back with a reason.
	vendor := e.client()
	vendor.login("vendor_a")
	id := obCreateProductForm(t, vendor, "Nimbus")
	obCreatePlanForm(t, e, vendor, id, "Team")
	wantRedirect(t, vendor.postForm("/vendor/products/"+id, "/vendor/products/"+id+"/submit", url.Values{}), "/vendor/products/"+id)
	res = admin.postForm("/admin/review/products/"+id, "/admin/review/products/"+id+"/reject", url.Values{"reason": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "reject-reason", "The reason is required")
	if obGetProduct(t, e, id).Status != catalog.InReview {
		t.Fatal("rejected without a reason")
	}
	res = admin.postForm("/admin/review/products/"+id, "/admin/review/products/"+id+"/reject", url.Values{"reason": {"Add screenshots."}})
	wantRedirect(t, res, "/admin/review")
	p := obGetProduct(t, e, id)
	if p.Status != catalog.Draft || p.ReviewReason != "Add screenshots." {
		t.Fatalf("after rejection: %+v", p)
	}
	res = vendor.get("/vendor/products/" + id)
	wantText(t, res, "Rejected", "The marketplace team sent this product back", "Add screenshots.", "Submit again")
	wantText(t, vendor.get("/vendor/products?status=draft"), "Nimbus", "Rejected", "Add screenshots.")
	// Deciding twice is refused with a message, not a crash.
	res = admin.postForm("/admin/review", "/admin/review/products/"+id+"/approve", url.Values{})
	wantRedirect(t, res, "/admin/review/products/"+id)
	wantText(t, admin.get("/admin/review/products/"+id), "A draft product cannot approve", "This product is not in review")
}

func TestOnboardingPublishedPlansVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prod, plans := catalogtest.Published(t, e.cat, e.world.Orgs["vendor_a"].ID, "CloudDrive")
	plan := plans[0]
	vendor := e.client()
	vendor.login("vendor_a")
	base := "/vendor/products/" + prod.ID

	// The plan form says what publication means, and a price change makes
	// version 2.
	edit := base + "/plans/" + plan.ID + "/edit"
	res := vendor.get(edit)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "This product is published.", "makes a new version")
	if v, _ := obInputValue(res.Body, "recurring_price"); v != "20.00" {
		t.Fatalf("price input %q", v)
	}
	form := obPlanValues("Standard")
	form.Set("recurring_price", "25")
	form.Set("setup_fee", "10")
	form.Set("iaas_cost", "4")
	form.Set("allowed_periods", "")
	form.Set("version", obMustInput(t, res.Body, "version"))
	res = vendor.postForm(edit, edit, form)
	wantStatus(t, res, http.StatusSeeOther)
	now := obListPlans(t, e, prod.ID)
	if len(now) != 1 || now[0].Version != 2 || now[0].ID == plan.ID || len(now[0].Extras) != 3 {
		t.Fatalf("plans after a price change: %+v", now)
	}
	wantText(t, vendor.get(base), "now version 2", "running subscriptions keep version 1", "Earlier versions and retired plans (1)")

	// The old version cannot change, and says why.
	res = vendor.get(edit)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "This is version 1 of the plan", "can no longer be edited", "Edit the current version")
	wantNoText(t, res, "Save plan")
	form.Set("name", "Renamed")
	res = vendor.postForm(base, edit, form)
	wantRedirect(t, res, base)
	wantText(t, vendor.get(base), "This is version 1 of the plan")
	// Nor its extras.
	res = vendor.get(base + "/plans/" + plan.ID + "/extras/" + plan.Extras[0].ID + "/edit")
	wantText(t, res, "can no longer be edited", "Go to the current version")

	// A stale form (the plan changed since it was loaded) is shown again
	// with a message, and does not overwrite the change.
	cur := now[0]
	xEdit := base + "/plans/" + cur.ID + "/extras/" + cur.Extras[0].ID + "/edit"
	page := vendor.get(xEdit)
	wantStatus(t, page, http.StatusOK)
	if v, _ := obInputValue(page.Body, "scheme.ranges[1].unit_price"); v != "3.00" {
		t.Fatalf("stored range not shown: %q", v)
	}
	if _, _, err := e.cat.UpdatePlan(actor.With(context.Background(), actor.System), cur.ID, catalog.PlanInput{Ribbon: catalogtest.Ptr("Popular")}); err != nil {
		t.Fatal(err)
	}
	stale := url.Values{"csrf_token": {csrfToken(t, page.Body)}, "version": {obMustInput(t, page.Body, "version")},
		"name": {"Users (tiered)"}, "billing": {"prepaid"}, "scheme.kind": {"tiered"},
		"scheme.ranges[0].from": {"1"}, "scheme.ranges[0].to": {"9"}, "scheme.ranges[0].unit_price": {"6"},
		"scheme.ranges[1].from": {"10"}, "scheme.ranges[1].unit_price": {"3"}}
	res = vendor.post(xEdit, stale)
	wantStatus(t, res, http.StatusConflict)
	wantText(t, res, "changed by someone else")
	if got := obListPlans(t, e, prod.ID)[0]; got.Ribbon != "Popular" || !got.Extras[0].Scheme.Ranges[0].UnitPrice.Equal(catalogtest.D("5")) {
		t.Fatalf("stale form overwrote: %+v", got)
	}
	// Saved with a fresh form, the extra's price change makes version 3.
	page = vendor.get(xEdit)
	stale.Set("version", obMustInput(t, page.Body, "version"))
	res = vendor.post(xEdit, stale)
	wantStatus(t, res, http.StatusSeeOther)
	got := obListPlans(t, e, prod.ID)[0]
	if got.Version != 3 || !got.Extras[0].Scheme.Ranges[0].UnitPrice.Equal(catalogtest.D("6")) || got.Extras[0].ID != cur.Extras[0].ID {
		t.Fatalf("after the extra's change: %+v", got)
	}

	// Removing an extra.
	res = vendor.postForm(base, base+"/plans/"+got.ID+"/extras/"+got.Extras[2].ID+"/remove", url.Values{})
	wantStatus(t, res, http.StatusSeeOther)
	if n := len(obListPlans(t, e, prod.ID)[0].Extras); n != 2 {
		t.Fatalf("%d extras after removing one of 3", n)
	}
}

func TestOnboardingCoupons(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, plans := catalogtest.Published(t, e.cat, e.world.Orgs["vendor_a"].ID, "CloudDrive")
	vendor := e.client()
	vendor.login("vendor_a")
	res := vendor.get("/vendor/coupons")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "No coupons yet")
	res = vendor.get("/vendor/coupons/new")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "CloudDrive · Standard")

	form := url.Values{"code": {"spring"}, "kind": {"discount_percent"}, "percent": {"twenty"}, "scope": {"licence"}, "usage": {"reusable"}}
	res = vendor.postForm("/vendor/coupons/new", "/vendor/coupons/new", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "coupon-percent", "Percentage off is not a number")
	form.Set("percent", "150")
	res = vendor.postForm("/vendor/coupons/new", "/vendor/coupons/new", form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "coupon-percent", "at most 100 percent")

	form.Set("percent", "20")
	form.Set("plans", plans[0].ID)
	form.Set("valid_until", "2030-12-31")
	form.Set("max_redemptions", "50")
	res = vendor.postForm("/vendor/coupons/new", "/vendor/coupons/new", form)
	wantRedirect(t, res, "/vendor/coupons")
	res = vendor.get("/vendor/coupons")
	wantText(t, res, "The coupon SPRING was created.", "SPRING", "20 % off", "CloudDrive · Standard", "0 of 50", "Through 31 Dec 2030", "Active")
	cs, _, err := e.cat.ListCoupons(e.world.As(t, "vendor_a"), page.Request{})
	if err != nil || len(cs) != 1 || !cs[0].Percent.Equal(catalogtest.D("20")) || len(cs[0].Plans) != 1 {
		t.Fatalf("coupons: %+v %v", cs, err)
	}
	res = vendor.postForm("/vendor/coupons", "/vendor/coupons/"+cs[0].ID+"/disable", url.Values{})
	wantRedirect(t, res, "/vendor/coupons")
	wantText(t, vendor.get("/vendor/coupons"), "Disabled")
	// Another vendor does not see it, nor disable it.
	other := e.client()
	other.login("vendor_b")
	wantNoText(t, other.get("/vendor/coupons"), "SPRING")
	res = other.postForm("/vendor/coupons", "/vendor/coupons/"+cs[0].ID+"/disable", url.Values{})
	wantRedirect(t, res, "/vendor/coupons")
	wantText(t, other.get("/vendor/coupons"), "No such coupon")
}

func TestOnboardingBundles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, drive := catalogtest.Published(t, e.cat, e.world.Orgs["vendor_a"].ID, "CloudDrive")
	_, mail := catalogtest.Published(t, e.cat, e.world.Orgs["vendor_a"].ID, "CloudMail")
	_, other := catalogtest.Published(t, e.cat, e.world.Orgs["vendor_b"].ID, "OtherSuite")
	vendor := e.client()
	vendor.login("vendor_a")

	res := vendor.get("/vendor/bundles")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Your bundles", "No bundles yet")
	form := obProductValues("Office Pack")
	form.Del("provisioning_mode")
	res = vendor.postForm("/vendor/bundles/new", "/vendor/bundles/new", form)
	wantStatus(t, res, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	id := strings.TrimPrefix(loc, "/vendor/bundles/")
	b := obGetProduct(t, e, id)
	if b.Kind != catalog.KindBundle || b.ProvisioningMode != catalog.ProvisionNone || b.OwnerOrgID != e.world.Orgs["vendor_a"].ID {
		t.Fatalf("bundle: %+v", b)
	}
	// A bundle is not a product page, nor the other way round.
	wantStatus(t, vendor.get("/vendor/products/"+id), http.StatusNotFound)
	wantNoText(t, vendor.get("/vendor/products"), "Office Pack")

	// The bundle plan form lists the vendor's published plans only.
	path := "/vendor/bundles/" + id + "/plans/new"
	res = vendor.get(path)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "CloudDrive · Standard (EUR 20.00 per month)", "CloudMail · Standard")
	wantNoText(t, res, "OtherSuite")
	plan := url.Values{"name": {"Office"}, "pricing_kind": {"renewable_months"}, "period_count": {"1"}, "min_periods": {"1"},
		"currency": {"EUR"}, "auto_renew": {"on"}, "weight": {"0"},
		"components[0].plan_id": {drive[0].LineageID}, "components[0].discount_percent": {"10"},
		"components[1].plan_id": {""}, "components[1].discount_percent": {""},
		"components[2].plan_id": {other[0].LineageID}, "components[2].discount_percent": {"abc"}}
	// Not a number, and another vendor's plan: errors on their rows.
	res = vendor.postForm(path, path, plan)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "plan-components-2-discount-percent", "Discount is not a number")
	plan.Set("components[2].discount_percent", "20")
	res = vendor.postForm(path, path, plan)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	obWantFieldError(t, res, "plan-components-2-plan-id", "Plan you may bundle only your own products")
	// "Add a plan" adds a row, storing nothing.
	plan.Set("op", "add_component")
	res = vendor.postForm(path, path, plan)
	wantStatus(t, res, http.StatusOK)
	if _, ok := obInputValue(res.Body, "components[3].discount_percent"); !ok {
		t.Error("no fourth component row")
	}
	plan.Del("op")
	plan.Set("components[2].plan_id", mail[0].LineageID)
	res = vendor.postForm(path, path, plan)
	wantStatus(t, res, http.StatusSeeOther)
	plans := obListPlans(t, e, id)
	if len(plans) != 1 || len(plans[0].Components) != 2 || plans[0].Components[1].PlanLineageID != mail[0].LineageID ||
		!plans[0].Components[1].DiscountPercent.Equal(catalogtest.D("20")) {
		t.Fatalf("bundle plans: %+v", plans)
	}
	// 20.00 less 10 % and 20.00 less 20 %.
	res = vendor.get("/vendor/bundles/" + id)
	wantText(t, res, "Office", "EUR 34.00 per month instead of EUR 40.00", "CloudDrive · Standard", "10 % off", "CloudMail · Standard", "20 % off")
	wantNoText(t, res, "Add an extra resource")

	wantRedirect(t, vendor.postForm("/vendor/bundles/"+id, "/vendor/bundles/"+id+"/submit", url.Values{}), "/vendor/bundles/"+id)
	admin := e.client()
	admin.login("admin")
	wantText(t, admin.get("/admin/review/products/"+id), "Office Pack", "Includes", "CloudMail · Standard", "EUR 34.00 per month")
	wantRedirect(t, admin.postForm("/admin/review/products/"+id, "/admin/review/products/"+id+"/approve", url.Values{}), "/admin/review")
	found, _, err := e.cat.SearchProducts(context.Background(), catalog.ProductFilter{Query: "Office Pack", Kind: catalog.KindBundle})
	if err != nil || len(found) != 1 || found[0].ID != id {
		t.Fatalf("catalog search: %+v %v", found, err)
	}
}
