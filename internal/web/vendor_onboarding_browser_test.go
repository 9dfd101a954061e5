package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// TestBrowserRangeEditor drives the scheme editor in Chromium with
// onboarding.js: rows added and removed in the page, the columns a scheme
// does not use hidden, the result stored; and takes screenshots of the
// onboarding and review pages.
// onboardingShotsDir receives the onboarding pages' screenshots.
const onboardingShotsDir = "/tmp/nephele-shots-onboarding"

func TestBrowserRangeEditor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{clock: clock.System{}})
	vctx := e.world.As(t, "vendor_a")
	prod, err := e.cat.CreateProduct(vctx, catalog.CreateProductInput{ProductInput: catalog.ProductInput{
		Name: catalogtest.Ptr("CloudDrive"), Summary: catalogtest.Ptr("Files everywhere"), Category: catalogtest.Ptr("Storage"),
		Features: &[]string{"Sync", "Sharing"}}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := e.cat.CreatePlan(vctx, prod.ID, catalogtest.SeedPlanInput("Team"))
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, e.srv.URL, onboardingShotsDir)
	ctx, do, shot := b.ctx, b.do, b.shot
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return s
	}
	signIn := func(email string) { t.Helper(); b.signIn(email) }
	rows := func() string { return eval(`String(document.querySelectorAll("tbody[data-ranges] tr").length)`) }

	signIn("vendor_a@example.com")
	do("open the products", chromedp.Navigate(e.srv.URL+"/vendor/products"), chromedp.WaitVisible(chromedp.CSS("table")))
	shot("01-products")
	do("open the product", chromedp.Navigate(e.srv.URL+"/vendor/products/"+prod.ID), chromedp.WaitVisible(chromedp.CSS(".ob-plan")))
	shot("02-product")
	do("open the product form", chromedp.Navigate(e.srv.URL+"/vendor/products/"+prod.ID+"/edit"), chromedp.WaitVisible(chromedp.ID("product-name")))
	shot("03-product-form")
	do("open the plan form", chromedp.Navigate(e.srv.URL+"/vendor/products/"+prod.ID+"/plans/"+plan.ID+"/edit"), chromedp.WaitVisible(chromedp.ID("plan-name")))
	shot("04-plan-form")

	// The new extra form: two empty rows; "Add a range" adds a third in
	// the page (no request: the marker set on the window survives).
	do("open the extra form", chromedp.Navigate(e.srv.URL+"/vendor/products/"+prod.ID+"/plans/"+plan.ID+"/extras/new"),
		chromedp.WaitVisible(chromedp.CSS("fieldset.ob-scheme.js-kind")))
	if n := rows(); n != "2" {
		t.Fatalf("%s rows on the new form", n)
	}
	eval(`window.obMarker = "same page"; ""`)
	do("add a range", chromedp.Click(chromedp.CSS("[data-add-range]")))
	if n := rows(); n != "3" {
		t.Fatalf("%s rows after adding one", n)
	}
	if m := eval(`String(window.obMarker)`); m != "same page" {
		t.Fatal("adding a range reloaded the page")
	}
	if name := eval(`document.querySelectorAll("tbody[data-ranges] tr")[2].querySelector("input").name`); name != "scheme.ranges[2].from" {
		t.Fatalf("new row's first input is %q", name)
	}
	// A stairstep scheme uses no unit price: that column goes.
	do("choose stairstep", chromedp.SetValue(chromedp.CSS(`[name="scheme.kind"]`), "stairstep"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[name="scheme.kind"]').dispatchEvent(new Event("change")), {}`))
	if vis := eval(`getComputedStyle(document.querySelector("th.ob-col-unit")).display`); vis != "none" {
		t.Fatalf("unit price column display %q under stairstep", vis)
	}
	if vis := eval(`getComputedStyle(document.querySelector("th.ob-col-flat")).display`); vis == "none" {
		t.Fatal("flat price column hidden under stairstep")
	}
	// Remove the middle row: the last becomes ranges[1].
	do("remove row 2", chromedp.Click(chromedp.CSS(`tbody[data-ranges] tr:nth-child(2) [data-remove-range]`)))
	if n := rows(); n != "2" {
		t.Fatalf("%s rows after removing one", n)
	}
	do("fill the ranges",
		chromedp.SendKeys(chromedp.CSS(`[name="name"]`), "Seats"),
		chromedp.SendKeys(chromedp.CSS(`[name="unit"]`), "seat"),
		chromedp.SendKeys(chromedp.CSS(`[name="scheme.ranges[0].from"]`), "1"),
		chromedp.SendKeys(chromedp.CSS(`[name="scheme.ranges[0].to"]`), "9"),
		chromedp.SendKeys(chromedp.CSS(`[name="scheme.ranges[0].flat_price"]`), "30"),
		chromedp.SendKeys(chromedp.CSS(`[name="scheme.ranges[1].from"]`), "5"),
		chromedp.SendKeys(chromedp.CSS(`[name="scheme.ranges[1].flat_price"]`), "100"))
	shot("05-range-editor")
	// Overlapping: refused, the error next to the second row's "from".
	do("save overlapping ranges",
		chromedp.Click(chromedp.CSS(`.ob-form > .actions button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".ob-error-summary")))
	if msg := eval(`document.getElementById("resource-scheme-ranges-1-from-error").textContent`); !strings.Contains(msg, "overlaps") {
		t.Fatalf("error next to the second from: %q", msg)
	}
	shot("06-range-editor-errors")
	do("fix and save",
		chromedp.SetValue(chromedp.CSS(`[name="scheme.ranges[1].from"]`), "10"),
		chromedp.Click(chromedp.CSS(`.ob-form > .actions button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	pl, err := e.cat.GetPlan(vctx, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	x := pl.Extras[len(pl.Extras)-1]
	want := pricing.Scheme{Kind: pricing.SchemeStairstep, Ranges: []pricing.Range{
		{From: catalogtest.D("1"), To: catalogtest.DP("9"), FlatPrice: catalogtest.D("30")},
		{From: catalogtest.D("10"), FlatPrice: catalogtest.D("100")},
	}}
	if x.Name != "Seats" || !obSameScheme(x.Scheme, want) {
		t.Fatalf("stored extra %+v", x)
	}

	do("open the metric form", chromedp.Navigate(e.srv.URL+"/vendor/products/"+prod.ID+"/plans/"+plan.ID+"/metrics/"+plan.Metrics[0].ID+"/edit"),
		chromedp.WaitVisible(chromedp.CSS("fieldset.ob-scheme.js-kind")))
	if vis := eval(`getComputedStyle(document.querySelector(".ob-only-package")).display`); vis != "none" {
		t.Fatalf("package fields display %q under per unit", vis)
	}
	shot("07-metric-form")
	do("open the coupon form", chromedp.Navigate(e.srv.URL+"/vendor/coupons/new"), chromedp.WaitVisible(chromedp.ID("coupon-code")))
	shot("08-coupon-form")

	// The vendor submits; the admin reviews.
	do("submit for review", chromedp.Navigate(e.srv.URL+"/vendor/products/"+prod.ID),
		chromedp.Click(chromedp.CSS(`form[action$="/submit"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	do("sign out", chromedp.Click(chromedp.CSS(`.user-menu button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("login-title")))
	if _, _, err := e.cat.RegisterVendor(context.Background(), catalog.RegisterVendorInput{RegisterInput: identity.RegisterInput{
		OrgName: "Newco", Country: "FR", Name: "Nina New", Email: "nina@newco.example", Password: "a-good-password-1"},
		Website: "https://newco.example", Description: "Cloud drives for small teams."}); err != nil {
		t.Fatal(err)
	}
	signIn("admin@example.com")
	do("open the review", chromedp.Navigate(e.srv.URL+"/admin/review"), chromedp.WaitVisible(chromedp.CSS("table")))
	shot("09-review-queue")
	do("open the product review", chromedp.Navigate(e.srv.URL+"/admin/review/products/"+prod.ID), chromedp.WaitVisible(chromedp.CSS(".ob-decision")))
	shot("10-review-product")
}
