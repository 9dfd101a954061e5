package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// TestBrowserCustomerDashboard walks the customer dashboard in Chromium:
// the credentials' reveal, a change previewed then confirmed, the
// invoices and orders; it leaves screenshots of every page at desktop and
// phone widths in shotsDir (customer-*.png).
func TestBrowserCustomerDashboard(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	// The browser drops cookies that expire in the past: the wall clock.
	f := customerSetup(t, clock.System{})
	f.place("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID}) // an unpaid invoice
	base := f.srv.URL

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800))
	parent, cancelTimeout := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancelTimeout()
	actx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := os.MkdirAll(shotsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("%s: %v (at %s)\n%s", step, err, loc, body)
		}
	}
	textOf := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.Join(strings.Fields(s), " ")
	}
	visible := func(sel string) bool {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+fmt.Sprintf("%q", sel)+`);
			return !!e && e.checkVisibility({visibilityProperty: true}) && e.getBoundingClientRect().height > 0; })()`))
		if err != nil {
			t.Fatalf("visible %s: %v", sel, err)
		}
		return ok
	}
	shot := func(name string) {
		t.Helper()
		for _, vp := range viewports {
			var emulate []chromedp.EmulateViewportOption
			if vp.mobile {
				emulate = append(emulate, chromedp.EmulateMobile)
			}
			do("viewport "+vp.name, chromedp.EmulateViewport(vp.width, vp.height, emulate...))
			// Nothing may stick out sideways on a phone.
			if vp.mobile {
				wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
				if err != nil || wide {
					t.Errorf("%s overflows the phone's width (%v)", name, err)
				}
			}
			buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			if err := os.WriteFile(filepath.Join(shotsDir, fmt.Sprintf("customer-%s-%s.png", name, vp.name)), buf, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		do("viewport reset", chromedp.EmulateViewport(1280, 800))
	}

	do("sign in",
		chromedp.Navigate(base+"/login?next=%2Fmy%2Fsubscriptions"),
		chromedp.SendKeys(chromedp.ID("login-email"), "customer_direct@example.com"),
		chromedp.SendKeys(chromedp.ID("login-password"), identitytest.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".cust table")))
	if got := textOf("h1"); got != "Your subscriptions" {
		t.Fatalf("after sign-in h1 = %q", got)
	}
	shot("01-subscriptions")

	// The credentials are masked until revealed.
	do("open the subscription", chromedp.Navigate(base+"/my/subscriptions/"+f.sub.ID), chromedp.WaitVisible(chromedp.CSS(".cust-credentials")))
	if visible(".cust-secret code") {
		t.Fatal("a credential shows before it is revealed")
	}
	do("reveal the password", chromedp.Click(chromedp.CSS(`.cust-credentials div:first-child summary`)))
	if !visible(".cust-credentials div:first-child .cust-secret code") || textOf(".cust-credentials div:first-child code") != "s3cret-Pa55word" {
		t.Fatal("the password does not show once revealed")
	}
	shot("02-subscription")

	// A change is priced first, then confirmed.
	do("open the change page", chromedp.Navigate(base+"/my/subscriptions/"+f.sub.ID+"/change"), chromedp.WaitVisible(chromedp.ID("change-plan-id")))
	do("choose Pro",
		chromedp.SetValue(chromedp.ID("change-plan-id"), f.plans["Pro"].ID),
		chromedp.Click(chromedp.CSS(`form[method=get] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".cust-preview")))
	if got := textOf(".cust-preview h2"); got != "Upgrade: Basic → Pro" {
		t.Fatalf("preview %q", got)
	}
	shot("03-change-preview")
	do("confirm",
		chromedp.Click(chromedp.CSS(`.cust-preview button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	if got := textOf(".flash"); !strings.HasPrefix(got, "Your subscription now runs Pro.") {
		t.Fatalf("after the change the flash says %q", got)
	}
	do("a refused change", chromedp.Navigate(base+"/my/subscriptions/"+f.sub.ID+"/change?plan_id=pln_01m80j1sqd0wb8a6472fa9bjvq"),
		chromedp.WaitVisible(chromedp.CSS(".field-error")))
	shot("04-change-error")

	do("open the cancellation", chromedp.Navigate(base+"/my/subscriptions/"+f.sub.ID+"/cancel"), chromedp.WaitVisible(chromedp.CSS(".cust-danger-card")))
	shot("05-cancel")

	do("open the invoices", chromedp.Navigate(base+"/my/invoices"), chromedp.WaitVisible(chromedp.CSS(".cust table")))
	shot("06-invoices")
	do("open the unpaid invoice", chromedp.Navigate(base+"/my/invoices?status=unpaid"), chromedp.WaitVisible(chromedp.CSS(".cust table")),
		chromedp.Click(chromedp.CSS(`.cust table tbody a`)), chromedp.WaitVisible(chromedp.CSS(".cust-pay")))
	if got := textOf(".cust-bank"); !strings.Contains(got, customerIBAN) {
		t.Fatalf("payment instructions %q", got)
	}
	shot("07-invoice-unpaid")
	do("open the paid invoice", chromedp.Navigate(base+"/my/invoices/"+f.inv.ID), chromedp.WaitVisible(chromedp.CSS(".cust-lines")))
	shot("08-invoice-paid")

	do("open the orders", chromedp.Navigate(base+"/my/orders"), chromedp.WaitVisible(chromedp.CSS(".cust table")))
	shot("09-orders")
	do("open the order", chromedp.Navigate(base+"/my/orders/"+f.order.ID), chromedp.WaitVisible(chromedp.CSS(".cust-totals")))
	shot("10-order")
	t.Logf("screenshots in %s (customer-*.png)", shotsDir)
}
