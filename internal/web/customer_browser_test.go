package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// TestBrowserCustomerDashboard walks the customer dashboard in Chromium:
// the credentials' reveal, a change previewed then confirmed, the
// invoices and orders; it leaves screenshots of every page at desktop and
// phone widths in shotsDir (customer-*.png).
// customerShotsDir receives the dashboard's screenshots.
const customerShotsDir = "/tmp/nephele-shots-customer"

func TestBrowserCustomerDashboard(t *testing.T) {
	t.Parallel()
	// The browser drops cookies that expire in the past: the wall clock.
	f := customerSetup(t, clock.System{})
	f.place("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID}) // an unpaid invoice
	base := f.srv.URL

	b := newBrowser(t, base, customerShotsDir)
	ctx, do, textOf, shot := b.ctx, b.do, b.text, b.shot
	visible := func(sel string) bool {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+fmt.Sprintf("%q", sel)+`);
			return !!e && e.checkVisibility({visibilityProperty: true}) && e.getBoundingClientRect().height > 0; })()`))
		if err != nil {
			t.Fatalf("visible %s: %v", sel, err)
		}
		return ok
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
}
