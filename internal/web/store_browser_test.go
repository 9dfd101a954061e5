package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
)

// storeShotsDir receives the storefront's screenshots, for people to look
// at after a run.
const storeShotsDir = "/tmp/nephele-shots-store"

// TestStoreBrowser walks the storefront in a real browser: the home page,
// a search, a product, and a checkout whose price store.js updates as the
// buyer types, through to the confirmation.
func TestStoreBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{clock: clock.System{}})
	s := storeCheckoutFixture(t, e)

	b := newBrowser(t, e.srv.URL, storeShotsDir)
	ctx, do, textOf, shot, waitText := b.ctx, b.do, b.text, b.shot, b.waitText

	do("open home", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".store-cards")))
	shot("01-welcome")
	do("search", chromedp.SendKeys(chromedp.ID("store-home-q"), "mail"), chromedp.Submit(chromedp.ID("store-home-q")),
		chromedp.WaitVisible(chromedp.CSS(".store-filters")))
	if got := textOf("h1"); got != "Results for “mail”" {
		t.Fatalf("search h1 %q", got)
	}
	do("open catalog", chromedp.Navigate(e.srv.URL+"/catalog"), chromedp.WaitVisible(chromedp.CSS(".store-cards")))
	shot("02-catalog")
	do("open product", chromedp.Click(chromedp.CSS(`a[href="/products/`+s.mail.Slug+`"]`)), chromedp.WaitVisible(chromedp.CSS(".store-compare")))
	shot("03-product")

	// Ordering signs the visitor in and comes back to checkout.
	do("order", chromedp.Click(chromedp.CSS(`a[aria-label="Order Standard"]`)), chromedp.WaitVisible(chromedp.ID("store-signin-title")))
	shot("04-sign-in-to-order")
	do("sign in", chromedp.Click(chromedp.CSS(`main a[href^="/login?next"]`)), chromedp.WaitVisible(chromedp.ID("login-email")),
		chromedp.SendKeys(chromedp.ID("login-email"), "customer_direct@example.com"),
		chromedp.SendKeys(chromedp.ID("login-password"), identitytest.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("store-config")))
	waitText("defaults", ".store-total", "EUR 41.48")
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("[data-store-update]").hidden`)); err != nil || !hidden {
		t.Errorf("store.js did not take over the Update price button: %v", err)
	}

	// Typing a quantity and a coupon updates the price in place.
	tiered := s.mailPlans[0].Extras[0].ID
	do("type a quantity", chromedp.SendKeys(chromedp.ID("store-x-"+tiered), "15"))
	waitText("quantity", ".store-total", "EUR 118.34") // (34.00 + 63.00) × 1.22
	do("type a bad coupon", chromedp.SendKeys(chromedp.ID("store-coupon"), "NOPE"))
	waitText("bad coupon", "#store-coupon-feedback", "No coupon has this code")
	if inv, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("store-coupon").getAttribute("aria-invalid") || ""`)); inv != "true" {
		t.Errorf("the coupon input is not marked invalid: %q", inv)
	}
	shot("05-checkout-bad-coupon")
	do("fix the coupon", chromedp.Evaluate[chromedp.Void](`document.getElementById("store-coupon").value = "", {}`), chromedp.SendKeys(chromedp.ID("store-coupon"), "SAVE10"))
	waitText("coupon", ".store-total", "EUR 108.21")
	waitText("coupon applied", "#store-coupon-feedback", "Coupon SAVE10 applied: you save EUR 8.30")
	waitText("announced", "#store-live", "Coupon SAVE10 applied: you save EUR 8.30. Total due now EUR 108.21.")
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "coupon=SAVE10") {
		t.Errorf("the address does not keep the options: %s", loc)
	}
	shot("06-checkout")

	do("place the order", chromedp.Click(chromedp.CSS(`[data-store-order] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".store-confirm-head")))
	shot("07-confirmation")
	if got := textOf(".flash"); got != "Thank you: your order is placed." {
		t.Fatalf("after ordering the flash says %q", got)
	}
	if n := len(storeOrders(t, e, "customer_direct")); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
	e.deliver()
	do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".store-confirm-head")))
	waitText("invoice", "main", "Please pay invoice INV-")
	shot("08-confirmation-invoiced")

	// Sign-up page, for the eye.
	do("sign out", chromedp.Click(chromedp.CSS(`.user-menu button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("login-title")),
		chromedp.Navigate(e.srv.URL+"/register"), chromedp.WaitVisible(chromedp.ID("register-title")))
	shot("09-register")
}
