package web

import (
	"context"
	"html"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// postFormFields returns the hidden inputs of the page's POST form to
// action, CSRF token included, as the browser would submit them.
func postFormFields(t *testing.T, body, action string) url.Values {
	t.Helper()
	i := strings.Index(body, `method="post" action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form posting to %s in:\n%s", action, text(body))
	}
	end := strings.Index(body[i:], "</form>")
	vals := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body[i:i+end], -1) {
		vals.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return vals
}

func TestCustomerSubscriptionPages(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	// Another customer's subscription never shows.
	other := f.place("customer_a1", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID})
	c := f.customer("customer_direct")

	res := c.get("/my/subscriptions")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Your subscriptions", "Drive · Basic Active Deployed 1 Apr 2026 – 1 May 2026 Renews 1 May 2026 On")
	if !strings.Contains(res.Body, `href="/my/subscriptions/`+f.sub.ID+`"`) || strings.Contains(res.Body, other.SubscriptionID) {
		t.Error("the list does not link exactly the customer's own subscription")
	}
	if !strings.Contains(res.Body, `href="/my/subscriptions" aria-current="page"`) {
		t.Error("the navigation does not mark Subscriptions current")
	}
	wantText(t, c.get("/my/subscriptions?status=active"), "Drive · Basic")
	wantText(t, c.get("/my/subscriptions?status=terminated"), "No subscriptions match this filter.")

	res = c.get("/my/subscriptions/" + f.sub.ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Drive · Basic", "Status Active", "Service Deployed", "Started 1 Apr 2026",
		"Current period 1 Apr 2026 – 1 May 2026", "Commitment 1 period, until 1 May 2026", "Next renewal Renews 1 May 2026",
		"Auto-renew On Turn auto-renew off",
		// The service the vendor reported.
		"Console https://drive.example.com/acme", "Sign in with the admin account below. Change its password at once.",
		"password •••••••• Reveal password Hide password s3cret-Pa55word", "username •••••••• Reveal username Hide username admin@acme",
		// What it costs.
		"Seats 2 seat In advance, each period",
		"Licence, 1 month 1 EUR 30.00 EUR 30.00", "Seats, 1 month 2 EUR 5.00 EUR 10.00", "Total each period, before tax EUR 40.00",
		// Its invoices and orders.
		"Invoice INV-2026-000001 1 Apr 2026 Paid EUR 61.00 EUR 0.00", "New subscription 1 Apr 2026 Paid EUR 61.00 Paid",
		"Change plan or quantities", "Cancel subscription")
	// Credentials sit behind a reveal (details), masked until opened.
	if !regexp.MustCompile(`<details class="cust-secret"><summary>.*?</summary><code>s3cret-Pa55word</code></details>`).MatchString(res.Body) {
		t.Error("the password is not behind a reveal")
	}
	for _, href := range []string{"/my/invoices/" + f.inv.ID, "/my/orders/" + f.order.ID, "/my/subscriptions/" + f.sub.ID + "/change",
		"/my/subscriptions/" + f.sub.ID + "/cancel", "https://drive.example.com/acme"} {
		if !strings.Contains(res.Body, `href="`+href+`"`) {
			t.Errorf("the subscription page does not link %s", href)
		}
	}

	// Before the vendor deploys, the page says what is going on.
	c2 := f.customer("customer_a1")
	res = c2.get("/my/subscriptions/" + other.SubscriptionID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Drive · Pro", "Waiting for payment", "The vendor sets your service up once the first payment has come in.",
		"A payment is due on this subscription.")
	wantNoText(t, res, "Credentials", "Change plan or quantities")
}

func TestCustomerInvoicePages(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	// A second subscription, left unpaid: 60.00 + 22 % = 73.20.
	pro := f.place("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID})
	invs := f.invoices("customer_direct")
	unpaid := invs[len(invs)-1]
	if unpaid.Number != "INV-2026-000002" || unpaid.Total.String() != "73.20" {
		t.Fatalf("second invoice: %s %s", unpaid.Number, unpaid.Total)
	}
	c := f.customer("customer_direct")

	res := c.get("/my/invoices")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Invoice INV-2026-000002 1 Apr 2026 16 Apr 2026 Unpaid EUR 73.20 EUR 73.20",
		"Invoice INV-2026-000001 1 Apr 2026 16 Apr 2026 Paid EUR 61.00 EUR 0.00")
	res = c.get("/my/invoices?status=unpaid")
	wantText(t, res, "INV-2026-000002")
	wantNoText(t, res, "INV-2026-000001")
	res = c.get("/my/invoices?status=paid")
	wantText(t, res, "INV-2026-000001")
	wantNoText(t, res, "INV-2026-000002")
	res = c.get("/my/invoices?subscription=" + pro.SubscriptionID)
	wantText(t, res, "Invoices and credit notes of Drive Pro", "INV-2026-000002")
	wantNoText(t, res, "INV-2026-000001")

	// The paid invoice: parties, lines with periods, tax, totals, payment.
	res = c.get("/my/invoices/" + f.inv.ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Invoice INV-2026-000001 Paid Issued 1 Apr 2026 Due 16 Apr 2026", "Download PDF",
		"From Test Marketplace", "To customer_direct IT customer_direct@example.com",
		"1 Drive Basic: Setup fee View the subscription — 1 EUR 10.00 22 % EUR 10.00",
		"2 Drive Basic: Licence, 1 month View the subscription 1 Apr 2026 – 1 May 2026 1 EUR 30.00 22 % EUR 30.00",
		"3 Drive Basic: Seats, 1 month View the subscription 1 Apr 2026 – 1 May 2026 2 EUR 5.00 22 % EUR 10.00",
		"Subtotal EUR 50.00", "VAT IT 22 % on EUR 50.00 EUR 11.00", "Total EUR 61.00", "Paid EUR 61.00", "Balance due EUR 0.00",
		"1 Apr 2026 Bank transfer SLIP-INV-2026-000001 EUR 61.00")
	wantNoText(t, res, customerIBAN, "to pay")

	// The unpaid one says how to pay it.
	res = c.get("/my/invoices/" + unpaid.ID)
	wantText(t, res, "EUR 73.20 to pay by 16 Apr 2026", "Pay by bank transfer:", customerIBAN, "Beneficiary: Test Marketplace",
		"Reference: INV-2026-000002", "No payments yet.", "Balance due EUR 73.20")

	// The PDF, named after the number.
	for _, inv := range []billing.Invoice{f.inv, unpaid} {
		res = c.get("/my/invoices/" + inv.ID + "/pdf")
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("PDF content type %q", ct)
		}
		if !strings.HasPrefix(res.Body, "%PDF") {
			t.Errorf("not a PDF: %.20q", res.Body)
		}
		disp, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
		if err != nil || disp != "attachment" || params["filename"] != inv.Number+".pdf" {
			t.Errorf("Content-Disposition %q", res.Header.Get("Content-Disposition"))
		}
	}

	// A credit note lowers what is due and is linked both ways.
	cn, err := f.bill.CreateCreditNote(f.as("admin"), unpaid.ID, billing.CreditNoteInput{Reason: "Goodwill",
		Lines: []billing.CreditLineInput{{LineNo: 1, Amount: catalogtest.Ptr("10.00")}}})
	if err != nil {
		t.Fatal(err)
	}
	res = c.get("/my/invoices/" + unpaid.ID)
	wantText(t, res, "Credited EUR 12.20", "Balance due EUR 61.00", "EUR 61.00 to pay", "Credit notes Credit note "+cn.Number, "1 Apr 2026: EUR 12.20 (Goodwill)")
	res = c.get("/my/invoices/" + cn.ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Credit note "+cn.Number, "This credit note credits Invoice INV-2026-000002", "Reason: Goodwill", "Credits line 1",
		"Total EUR 12.20")
	wantNoText(t, res, "Balance due", customerIBAN)
	wantText(t, c.get("/my/invoices?kind=credit_note"), "Credit note "+cn.Number)

	// Past its due date, the unpaid invoice is overdue.
	f.advance(time.Date(2026, 4, 17, 1, 0, 0, 0, time.UTC))
	c = f.customer("customer_direct")
	res = c.get("/my/invoices?status=overdue")
	wantText(t, res, "Invoice INV-2026-000002 1 Apr 2026 16 Apr 2026 Overdue EUR 73.20 EUR 61.00")
	wantNoText(t, res, "INV-2026-000001")
	wantText(t, c.get("/my/invoices/"+unpaid.ID), "Overdue: EUR 61.00 to pay by 16 Apr 2026")
}

func TestCustomerOrderPages(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	sys := actor.With(context.Background(), actor.System)
	if _, err := f.cat.UpdateProduct(sys, f.plans["Retainer"].ProductID, catalog.ProductInput{RequiresApproval: catalogtest.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	waiting := f.place("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Retainer"].ID})
	rejected := f.place("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Retainer"].ID})
	if _, err := f.subs.RejectOrder(f.as("vendor_b"), rejected.ID, "Not offered in your region"); err != nil {
		t.Fatal(err)
	}
	c := f.customer("customer_direct")

	res := c.get("/my/orders")
	wantStatus(t, res, http.StatusOK)
	// Totals with tax (VAT IT 22 %); nothing due on a rejected or a paid
	// order.
	wantText(t, res, "Total Amount due", "New subscription Consulting · Retainer 1 Apr 2026 Rejected EUR 122.00 EUR 0.00",
		"New subscription Consulting · Retainer 1 Apr 2026 Waiting approval EUR 122.00 EUR 122.00",
		"New subscription Drive · Basic 1 Apr 2026 Paid EUR 61.00 Paid")
	res = c.get("/my/orders?status=rejected")
	if n := strings.Count(res.Body, `href="/my/orders/ord_`); n != 1 || !strings.Contains(res.Body, rejected.ID) {
		t.Errorf("the rejected filter shows %d orders", n)
	}

	res = c.get("/my/orders/" + rejected.ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "This order was rejected: Not offered in your region", "Status Rejected")
	res = c.get("/my/orders/" + waiting.ID)
	wantText(t, res, "This order waits for approval", "Status Waiting approval")

	// Approved, it waits for its payment.
	if _, err := f.subs.ApproveOrder(f.as("vendor_b"), waiting.ID); err != nil {
		t.Fatal(err)
	}
	f.deliver()
	res = c.get("/my/orders/" + waiting.ID)
	wantText(t, res, "Amount due: EUR 122.00.", "Status Approved, payment due", "Subtotal EUR 100.00 Tax (estimated) EUR 22.00 Total EUR 122.00 Amount due EUR 122.00")

	// The paid order shows what it was priced at.
	res = c.get("/my/orders/" + f.order.ID)
	wantText(t, res, "New subscription: Drive · Basic Paid", "Seats 2", "Setup fee 1 EUR 10.00", "Licence, 1 month 1 EUR 30.00",
		"Seats, 1 month 2 EUR 10.00", "Subtotal EUR 50.00 Tax (estimated) EUR 11.00 Total EUR 61.00 Paid EUR 61.00", "Each period after EUR 40.00 + tax",
		"Paid 1 Apr 2026, 00:00 UTC")
	if !strings.Contains(res.Body, `href="/my/subscriptions/`+f.sub.ID+`"`) {
		t.Error("the order does not link its subscription")
	}
}

// changePage opens the change page of the subscription with query q.
func changePage(c *client, subID string, q url.Values) *response {
	c.t.Helper()
	return c.get("/my/subscriptions/" + subID + "/change?" + q.Encode())
}

func TestCustomerChangePlan(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	f.advance(customerStart.Add(10 * 24 * time.Hour)) // 480 of the period's 720 hours left
	c := f.customer("customer_direct")
	path := "/my/subscriptions/" + f.sub.ID + "/change"
	seats := "quantities." + f.seats

	res := c.get(path)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Plan", "Basic (your plan)", "Pro (upgrade)", "Seats (seat)")
	if !strings.Contains(res.Body, `name="`+seats+`" type="number" min="0" step="any" inputmode="decimal" value="2"`) {
		t.Error("the seats input does not show the current quantity")
	}

	// Four seats instead of two: 50.00 a period instead of 40.00, so an
	// upgrade: 50 × 480/720 = 33.33 charged, 40 × 480/720 = 26.67 credited.
	res = changePage(c, f.sub.ID, url.Values{"plan_id": {""}, seats: {"4"}})
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Upgrade of Basic: new quantities", "Each period now EUR 40.00", "Each period after EUR 50.00", "Takes effect Now",
		"480 of the period's 720 hours are left", "Basic with the new quantities for the rest of the period EUR 33.33",
		"Credit for the unused part of Basic EUR -26.67", "Due now, before tax EUR 6.66")
	if got := f.subscription(f.sub.ID); got.Quantities[f.seats].String() != "2" {
		t.Fatal("the preview changed the subscription")
	}
	form := postFormFields(t, res.Body, path)
	if form.Get(seats) != "4" || form.Get("plan_id") != "" || form.Get("csrf_token") == "" {
		t.Fatalf("confirmation form: %v", form)
	}
	res = c.post(path, form)
	wantRedirect(t, res, "/my/subscriptions/"+f.sub.ID)
	wantText(t, c.get("/my/subscriptions/"+f.sub.ID), "Your subscription now runs Basic. EUR 6.66 (before tax) for the rest of the period will be invoiced.",
		"Seats 4 seat")
	if o := f.orders(f.sub.ID)[0]; o.Type != subscription.OrderChange || o.Subtotal.String() != "6.66" {
		t.Fatalf("change order: %s due %s", o.Type, o.Subtotal)
	}
	f.deliver()
	invs := f.invoices("customer_direct")
	up := invs[len(invs)-1]
	if up.Subtotal.String() != "6.66" {
		t.Fatalf("the change's invoice: %s", up.Subtotal)
	}
	res = c.get("/my/invoices/" + up.ID)
	wantText(t, res, "Subtotal EUR 6.66", "Total "+"EUR "+up.Total.String(), "Balance due EUR "+up.AmountDue.String())
	for _, l := range up.Lines {
		wantText(t, res, l.Description, "EUR "+l.Amount.String())
	}

	// Then Pro, which has no seats: 60.00 against 50.00.
	res = changePage(c, f.sub.ID, url.Values{"plan_id": {f.plans["Pro"].ID}, seats: {"4"}})
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Upgrade: Basic → Pro", "Each period now EUR 50.00", "Each period after EUR 60.00",
		"Pro for the rest of the period EUR 40.00", "Credit for the unused part of Basic EUR -33.33", "Due now, before tax EUR 6.67")
	wantNoText(t, res, "Seats (seat)")
	res = c.post(path, postFormFields(t, res.Body, path))
	wantRedirect(t, res, "/my/subscriptions/"+f.sub.ID)
	sub := f.subscription(f.sub.ID)
	if sub.PlanID != f.plans["Pro"].ID || len(sub.Quantities) != 0 {
		t.Fatalf("after the upgrade: plan %s, quantities %v", sub.PlanID, sub.Quantities)
	}
	if o := f.orders(f.sub.ID)[0]; o.Subtotal.String() != "6.67" {
		t.Fatalf("upgrade order due %s", o.Subtotal)
	}
	f.deliver()
	res = c.get("/my/subscriptions/" + f.sub.ID)
	wantText(t, res, "Drive · Pro", "Your subscription now runs Pro.", "Plan change", "EUR 6.67")

	// A downgrade waits for the next period and charges nothing now.
	res = changePage(c, f.sub.ID, url.Values{"plan_id": {f.plans["Basic"].ID}})
	wantText(t, res, "Downgrade: Pro → Basic", "Takes effect On 1 May 2026, when the current period ends",
		"Nothing is charged now: the new price applies from the next period.")
	wantNoText(t, res, "Due now")
	res = c.post(path, postFormFields(t, res.Body, path))
	wantRedirect(t, res, "/my/subscriptions/"+f.sub.ID)
	wantText(t, c.get("/my/subscriptions/"+f.sub.ID), "Your change to Basic is scheduled for 1 May 2026",
		"Changes to Basic on 1 May 2026, when the current period ends.")
	if sub := f.subscription(f.sub.ID); sub.PlanID != f.plans["Pro"].ID || sub.PendingChange == nil {
		t.Fatalf("after the downgrade: plan %s, pending %v", sub.PlanID, sub.PendingChange)
	}
}

func TestCustomerChangeRefusals(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	c := f.customer("customer_direct")
	path := "/my/subscriptions/" + f.sub.ID + "/change"
	seats := "quantities." + f.seats
	orders := len(f.orders(f.sub.ID))

	for _, tc := range []struct {
		q    url.Values
		want string
	}{
		{url.Values{"plan_id": {"pln_01m80j1sqd0wb8a6472fa9bjvq"}}, "Plan does not exist"},
		{url.Values{"plan_id": {"not-a-plan"}}, "Plan does not exist"},
		{url.Values{"plan_id": {f.plans["Retainer"].ID}}, "Plan is not one this subscription can move to"},
		{url.Values{"plan_id": {""}, seats: {"-1"}}, "Seats (seat) must not be negative"},
		{url.Values{"plan_id": {""}, seats: {"lots"}}, "Seats (seat) is not a number"},
		{url.Values{"plan_id": {""}, seats: {"2"}}, "Plan and quantities are those you have now"},
	} {
		res := changePage(c, f.sub.ID, tc.q)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantText(t, res, tc.want, "nothing was changed")
		wantNoText(t, res, "Confirm the change", "Due now")
	}

	// A confirmation with bad input is refused the same way.
	page := changePage(c, f.sub.ID, url.Values{"plan_id": {""}, seats: {"3"}})
	form := postFormFields(t, page.Body, path)
	form.Set(seats, "-2")
	res := c.post(path, form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Seats (seat) must not be negative")
	if !strings.Contains(res.Body, `value="-2"`) {
		t.Error("the refused quantity is not shown again")
	}
	form.Set(seats, "3")
	form.Set("plan_id", f.plans["Retainer"].ID)
	res = c.post(path, form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Plan is not one this subscription can move to")
	// An unknown plan never falls back to changing the quantities alone.
	form.Set("plan_id", "pln_01m80j1sqd0wb8a6472fa9bjvq")
	res = c.post(path, form)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Plan does not exist")
	if sub := f.subscription(f.sub.ID); sub.PlanID != f.plans["Basic"].ID || sub.Quantities[f.seats].String() != "2" || len(f.orders(f.sub.ID)) != orders {
		t.Fatalf("a refused change changed the subscription: %s %v", sub.PlanID, sub.Quantities)
	}

	// A bundle's plan cannot change.
	sys := actor.With(context.Background(), actor.System)
	b, err := f.cat.CreateProduct(sys, catalog.CreateProductInput{OwnerOrgID: f.world.Orgs["operator"].ID, Kind: catalog.KindBundle,
		ProductInput: catalog.ProductInput{Name: catalogtest.Ptr("Office")}})
	if err != nil {
		t.Fatal(err)
	}
	bp, err := f.cat.CreatePlan(sys, b.ID, catalog.PlanInput{Name: catalogtest.Ptr("Office"), PricingKind: catalogtest.Ptr("renewable_months"),
		Currency: catalogtest.Ptr("EUR"), Components: &[]catalog.ComponentInput{{PlanID: f.plans["Basic"].ID, DiscountPercent: catalogtest.D("10")},
			{PlanID: f.plans["Retainer"].ID, DiscountPercent: catalogtest.D("50")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.cat.SubmitProduct(sys, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cat.ApproveProduct(sys, b.ID); err != nil {
		t.Fatal(err)
	}
	bundle := f.place("customer_direct", subscription.PlaceOrderInput{PlanID: bp.ID})
	invs := f.invoices("customer_direct")
	f.pay(invs[len(invs)-1])
	if s := f.subscription(bundle.SubscriptionID); s.Status != subscription.StatusActive {
		t.Fatalf("bundle subscription %s", s.Status)
	}
	bpath := "/my/subscriptions/" + bundle.SubscriptionID + "/change"
	res = c.get(bpath)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "A bundle's plan cannot change.", "Plan of a bundle cannot change: order another bundle plan instead")
	wantNoText(t, res, "See the price")
	res = c.postForm("/my/subscriptions/"+bundle.SubscriptionID, bpath, url.Values{"plan_id": {f.plans["Pro"].ID}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Plan of a bundle cannot change")
	if s := f.subscription(bundle.SubscriptionID); s.PlanID != bp.ID {
		t.Fatalf("the bundle moved to %s", s.PlanID)
	}
	wantNoText(t, c.get("/my/subscriptions/"+bundle.SubscriptionID), "Change plan or quantities")
}

func TestCustomerAutoRenewAndCancel(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	c := f.customer("customer_direct")
	page := "/my/subscriptions/" + f.sub.ID

	res := c.postForm(page, page+"/auto-renew", url.Values{"auto_renew": {"false"}})
	wantRedirect(t, res, page)
	if f.subscription(f.sub.ID).AutoRenew {
		t.Fatal("auto-renew is still on")
	}
	res = c.get(page)
	wantText(t, res, "Auto-renew is off: the subscription ends on 1 May 2026 unless you renew it.", "Auto-renew Off Turn auto-renew on",
		"Next renewal Ends unless renewed 1 May 2026")
	wantText(t, c.get("/my/subscriptions"), "Ends unless renewed 1 May 2026 Off")
	res = c.postForm(page, page+"/auto-renew", url.Values{"auto_renew": {"true"}})
	wantRedirect(t, res, page)
	if !f.subscription(f.sub.ID).AutoRenew {
		t.Fatal("auto-renew is still off")
	}
	wantText(t, c.get(page), "Auto-renew is on: the subscription renews on 1 May 2026.")
	res = c.postForm(page, page+"/auto-renew", url.Values{"auto_renew": {"sometimes"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Auto-renew must be on or off")

	// Cancelling asks first, then ends the subscription.
	res = c.get(page + "/cancel")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Cancel Drive · Basic?", "The service stops at once", "The current period is not refunded (it runs until 1 May 2026).",
		"Cancel the subscription now", "Keep it")
	if f.subscription(f.sub.ID).Status != subscription.StatusActive {
		t.Fatal("the confirmation page cancelled")
	}
	res = c.postForm(page+"/cancel", page+"/cancel", url.Values{"reason": {"Moving to another provider"}})
	wantRedirect(t, res, page)
	sub := f.subscription(f.sub.ID)
	if sub.Status != subscription.StatusTerminated || sub.Provisioning != subscription.ProvUndeploySent {
		t.Fatalf("after cancelling: %s / %s", sub.Status, sub.Provisioning)
	}
	res = c.get(page)
	wantText(t, res, "The subscription was cancelled.", "Status Cancelled", "Service Being removed", "Cancellation")
	wantNoText(t, res, "Cancel subscription", "Turn auto-renew", "Change plan or quantities")
	wantRedirect(t, c.get(page+"/cancel"), page)
	wantText(t, c.get("/my/orders"), "Cancellation Drive · Basic")
	if o := f.orders(f.sub.ID)[0]; o.Type != subscription.OrderTermination || o.Reason != "Moving to another provider" {
		t.Fatalf("termination order: %s %q", o.Type, o.Reason)
	}
}

func TestCustomerAccessRefusals(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	sub := "/my/subscriptions/" + f.sub.ID
	mine := []string{"/my/subscriptions", "/my/invoices", "/my/orders"}
	theirs := []string{sub, sub + "/change", sub + "/change?plan_id=" + f.plans["Pro"].ID, sub + "/cancel", "/my/invoices/" + f.inv.ID,
		"/my/invoices/" + f.inv.ID + "/pdf", "/my/orders/" + f.order.ID}

	// Another customer finds nothing of customer_direct's.
	other := f.customer("customer_a1")
	for _, p := range theirs {
		wantStatus(t, other.get(p), http.StatusNotFound)
	}
	for _, p := range []string{sub + "/auto-renew", sub + "/cancel", sub + "/change"} {
		res := other.postForm("/my/subscriptions", p, url.Values{"auto_renew": {"false"}, "plan_id": {f.plans["Pro"].ID}})
		wantStatus(t, res, http.StatusNotFound)
	}
	for _, p := range mine {
		res := other.get(p)
		wantStatus(t, res, http.StatusOK)
		wantNoText(t, res, "Drive", "INV-2026-000001")
	}
	for _, p := range []string{"/my/subscriptions/nope", "/my/invoices/inv_nope", "/my/orders/x", "/my/invoices/nope/pdf"} {
		wantStatus(t, other.get(p), http.StatusNotFound)
	}

	// Other roles are refused, even those who may see the subscription
	// elsewhere (its vendor, staff).
	for _, who := range []string{"vendor_a", "reseller_a", "admin"} {
		c := f.customer(who)
		for _, p := range append(append([]string{}, mine...), theirs...) {
			wantStatus(t, c.get(p), http.StatusForbidden)
		}
		wantStatus(t, c.postForm("/", sub+"/auto-renew", url.Values{"auto_renew": {"false"}}), http.StatusForbidden)
		if strings.Contains(c.get("/").Body, `href="/my/subscriptions"`) {
			t.Errorf("%s's navigation links the customer dashboard", who)
		}
	}

	// Signed out: sign in first.
	anon := f.client()
	wantRedirect(t, anon.get(sub), "/login?next="+url.QueryEscape(sub))

	// Without the CSRF token nothing changes.
	c := f.customer("customer_direct")
	wantStatus(t, c.post(sub+"/auto-renew", url.Values{"auto_renew": {"false"}}), http.StatusForbidden)
	wantStatus(t, c.post(sub+"/cancel", url.Values{}), http.StatusForbidden)
	wantStatus(t, c.post(sub+"/change", url.Values{"plan_id": {f.plans["Pro"].ID}, "csrf_token": {"forged"}}), http.StatusForbidden)
	if s := f.subscription(f.sub.ID); !s.AutoRenew || s.Status != subscription.StatusActive || s.PlanID != f.plans["Basic"].ID {
		t.Fatalf("a request without the CSRF token changed the subscription: %+v", s)
	}

	// A supervisor impersonating the customer reads but changes nothing.
	sup := f.customer("supervisor")
	wantRedirect(t, sup.impersonate(f.env, "customer_direct"), "/")
	wantStatus(t, sup.get(sub), http.StatusOK)
	res := sup.postForm(sub, sub+"/auto-renew", url.Values{"auto_renew": {"false"}})
	wantRedirect(t, res, sub)
	wantText(t, sup.get(sub), "A supervisor's impersonation is read-only.")
	if !f.subscription(f.sub.ID).AutoRenew {
		t.Fatal("a read-only impersonation switched auto-renew off")
	}
}
