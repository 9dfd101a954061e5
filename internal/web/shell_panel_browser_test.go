package web

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// panelShotsDir receives the panels' screenshots, for people to look at.
const panelShotsDir = "/tmp/nephele-shots-panels"

// TestPanelsBrowser walks the vendor panel and the billing back-office in
// Chromium at desktop and phone widths, saving screenshots.
func TestPanelsBrowser(t *testing.T) {
	t.Parallel()
	f := panelSetup(t, envOptions{clock: clock.System{}})
	f.order("Drive Pro")
	f.order("Drive Pro")
	paid := f.order("Drive")
	inv := f.invoiceOf(paid.SubscriptionID)
	if _, err := f.bill.RecordPayment(f.as("admin"), inv.ID, billing.PaymentInput{Reference: "SLIP-1", ReceivedOn: time.Now()}); err != nil {
		t.Fatal(err)
	}
	f.deliver()
	deployed := f.order("Drive")
	if _, err := f.bill.RecordPayment(f.as("admin"), f.invoiceOf(deployed.SubscriptionID).ID, billing.PaymentInput{Reference: "SLIP-2", ReceivedOn: time.Now()}); err != nil {
		t.Fatal(err)
	}
	f.deliver()
	eps := []subscription.Endpoint{{Name: "Console", URL: "https://console.example.com"}}
	if _, err := f.subs.SetProvisioning(f.as("vendor_a"), deployed.SubscriptionID, subscription.ProvisioningInput{Status: subscription.ProvDeployed, Endpoints: &eps}); err != nil {
		t.Fatal(err)
	}
	open := f.invoiceOf(f.order("Drive").SubscriptionID)
	if _, err := f.bill.RecordPayment(f.as("admin"), open.ID, billing.PaymentInput{Amount: "10.00", Reference: "SLIP-3", ReceivedOn: time.Now()}); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, f.srv.URL, panelShotsDir)
	do, shot := b.do, b.shot
	signIn := func(who, landing string) {
		t.Helper()
		do("sign in "+who,
			chromedp.Navigate(f.srv.URL+"/login"),
			chromedp.SendKeys(chromedp.ID("login-email"), who+"@example.com"),
			chromedp.SendKeys(chromedp.ID("login-password"), identitytest.Password),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(".functions")),
			chromedp.Navigate(f.srv.URL+landing), chromedp.WaitVisible(chromedp.CSS("h1")))
	}
	visit := func(name, url, wait string) {
		t.Helper()
		do("open "+url, chromedp.Navigate(f.srv.URL+url), chromedp.WaitVisible(chromedp.CSS(wait)))
		shot(name)
	}

	signIn("vendor_a", "/vendor")
	shot("01-vendor-overview")
	visit("02-vendor-orders", "/vendor/orders", ".panels-order")
	do("reject without a reason",
		chromedp.Evaluate[chromedp.Void](`document.querySelector(".panels-reject textarea").removeAttribute("required"), {}`),
		chromedp.Click(chromedp.CSS(`.panels-reject button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".field-error")))
	shot("03-vendor-orders-error")
	visit("04-vendor-subscriptions", "/vendor/subscriptions", "table")
	visit("05-vendor-subscription", "/vendor/subscriptions/"+paid.SubscriptionID, "#deployed-endpoints")
	do("deploy with a bad URL",
		chromedp.SendKeys(chromedp.ID("deployed-endpoints"), "Console | ftp://nope"),
		chromedp.Click(chromedp.CSS(`form[action$="/deployed"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".field-error")))
	shot("06-vendor-deployed-error")
	visit("07-vendor-reports", "/vendor/reports", ".panels-balance")
	do("sign out", chromedp.Click(chromedp.CSS(`.user-menu button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("login-title")))

	signIn("admin", "/admin")
	do("open the data table", chromedp.Click(chromedp.CSS(".panels-data summary")))
	shot("08-admin-dashboard")
	visit("09-admin-invoices", "/admin/invoices", "table")
	visit("10-admin-invoice", "/admin/invoices/"+open.ID, "#payment-amount")
	do("overpay",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("payment-amount").value = "999.00", {}`),
		chromedp.SendKeys(chromedp.ID("payment-reference"), "SLIP-4"),
		chromedp.Click(chromedp.CSS(`form[action$="/payments"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".field-error")))
	shot("11-admin-invoice-overpay")
	visit("12-admin-tax-rates", "/admin/tax-rates", "table")
	do("add a 101 % rate",
		chromedp.SendKeys(chromedp.ID("taxrate-country"), "DE"),
		chromedp.SendKeys(chromedp.ID("taxrate-rate"), "101"),
		chromedp.SendKeys(chromedp.ID("taxrate-name"), "VAT DE"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/tax-rates"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".field-error")))
	shot("13-admin-tax-rate-error")
}
