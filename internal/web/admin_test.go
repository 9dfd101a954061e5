package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

func TestPanelsAdminDashboard(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	o := f.order("Drive")
	inv := f.invoiceOf(o.SubscriptionID)
	if _, err := f.bill.RecordPayment(f.as("admin"), inv.ID, panelPayment("SLIP-3")); err != nil {
		t.Fatal(err)
	}
	f.deliver()

	c := f.client()
	c.login("supervisor") // staff may read the dashboard
	res := c.get("/admin")
	wantStatus(t, res, http.StatusOK)
	for _, want := range []string{`<svg viewBox="0 0 960 300" role="img" aria-labelledby="revenue-title revenue-desc"`,
		`<title id="revenue-title">Revenue invoiced per month in EUR</title>`, `<desc id="active-desc">`, "<rect ",
		`href="/admin/invoices"`, `href="/admin/tax-rates"`, `href="/admin/review"`, `href="/users"`, `href="/audit"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	// The data table fallback has the figures: January 2026 invoiced the
	// invoice's total and had one live subscription.
	wantText(t, res, "Jan 2026 "+money.Format(inv.Total)+" 1", "Feb 2025 EUR 0.00 0", "0 overdue invoices")
	if strings.Count(res.Body, "<rect ") != 24 {
		t.Errorf("%d bars, want 12 per chart", strings.Count(res.Body, "<rect "))
	}
}

func TestPanelsAdminInvoicesList(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	a := f.order("Drive")
	inv := f.invoiceOf(a.SubscriptionID)

	c := f.client()
	c.login("admin")
	res := c.get("/admin/invoices")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, inv.Number, "customer_direct", "Issued", money.Format(inv.Total))
	wantText(t, c.get("/admin/invoices?status=paid"), "No documents match.")
	wantText(t, c.get("/admin/invoices?q=customer_direct"), "Documents of customer_direct", inv.Number)
	wantText(t, c.get("/admin/invoices?q=nobody-at-all"), "No customer matches “nobody-at-all”.")
	wantText(t, c.get("/admin/invoices?q=customer_a"), "Several organizations match", "customer_a1", "customer_a2")
	wantText(t, c.get("/admin/invoices?overdue=1"), "No documents match.")
	wantStatus(t, c.get("/admin/invoices/inv_nonexistent"), http.StatusNotFound)
	wantStatus(t, c.get("/admin/invoices/"+inv.ID+"/pdf"), http.StatusOK)
}

func TestPanelsRecordPayment(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	o := f.order("Drive")
	inv := f.invoiceOf(o.SubscriptionID)
	if inv.Status != billing.StatusIssued || !inv.AmountDue.IsPositive() {
		t.Fatalf("invoice %s: %s due %s", inv.Number, inv.Status, inv.AmountDue)
	}
	page := "/admin/invoices/" + inv.ID

	c := f.client()
	c.login("admin")
	res := c.get(page)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Invoice "+inv.Number, "Record bank-transfer payment", "Monthly", "No payment recorded.")

	// Overpaying and negative amounts are refused next to the amount, and
	// nothing is written.
	res = c.postForm(page, page+"/payments", url.Values{"amount": {"1000.00"}, "received_on": {"2026-01-01"}, "reference": {"SLIP-9"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Amount at most "+inv.AmountDue.String())
	if !strings.Contains(res.Body, `value="SLIP-9"`) {
		t.Error("the reference typed was not kept")
	}
	res = c.postForm(page, page+"/payments", url.Values{"amount": {"-5"}, "received_on": {"2026-01-01"}, "reference": {"SLIP-9"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Amount must be greater than 0")
	res = c.postForm(page, page+"/payments", url.Values{"amount": {"5"}, "received_on": {"yesterday"}, "reference": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Received on is not a date")
	res = panelPostMultipart(c, page, page+"/payments", map[string]string{"amount": "5", "received_on": "2026-01-01", "reference": "SLIP-9"},
		"attachment", "slip.txt", []byte("plain text is no scan"))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Deposit slip scan a PDF, PNG or JPEG scan")
	big := append(append([]byte{}, panelPNG...), make([]byte, billing.MaxAttachment)...)
	res = panelPostMultipart(c, page, page+"/payments", map[string]string{"amount": "5", "received_on": "2026-01-01", "reference": "SLIP-9"},
		"attachment", "slip.png", big)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Deposit slip scan must be at most 5 MB")
	huge := append(big, make([]byte, 2<<20)...)
	res = panelPostMultipart(c, page, page+"/payments", map[string]string{"amount": "5", "received_on": "2026-01-01", "reference": "SLIP-9"},
		"attachment", "slip.png", huge)
	wantStatus(t, res, http.StatusRequestEntityTooLarge)
	if ps := f.payments(inv.ID); len(ps) != 0 {
		t.Fatalf("payments written despite the errors: %+v", ps)
	}

	// No CSRF token: 403, nothing written.
	wantStatus(t, c.post(page+"/payments", url.Values{"amount": {"5"}, "received_on": {"2026-01-01"}, "reference": {"X"}}), http.StatusForbidden)
	if ps := f.payments(inv.ID); len(ps) != 0 {
		t.Fatal("paid without a CSRF token")
	}

	// A partial payment, urlencoded.
	res = c.postForm(page, page+"/payments", url.Values{"amount": {"10.00"}, "received_on": {"2026-01-01"}, "reference": {"SLIP-10"}})
	wantRedirect(t, res, page)
	got := f.getInvoice(inv.ID)
	if got.Status != billing.StatusIssued || got.Paid.String() != "10.00" {
		t.Fatalf("after a partial payment: %s paid %s", got.Status, got.Paid)
	}
	wantText(t, c.get(page), "A payment of EUR 10.00 was recorded.", "SLIP-10")

	// The rest, multipart with the deposit slip's scan.
	rest := got.AmountDue.String()
	res = panelPostMultipart(c, page, page+"/payments", map[string]string{"amount": rest, "received_on": "2026-01-01", "reference": "SLIP-11"},
		"attachment", `C:\scans\slip 11.png`, panelPNG)
	wantRedirect(t, res, page)
	got = f.getInvoice(inv.ID)
	if got.Status != billing.StatusPaid || !got.AmountDue.IsZero() {
		t.Fatalf("after paying the rest: %s due %s", got.Status, got.AmountDue)
	}
	ps := f.payments(inv.ID)
	if len(ps) != 2 || ps[1].AttachmentName != "slip 11.png" || ps[1].AttachmentType != "image/png" || ps[1].Reference != "SLIP-11" {
		t.Fatalf("payments: %+v", ps)
	}
	if ord := f.getOrder(o.ID); ord.PaidAt == nil {
		t.Fatal("the order was not paid")
	}
	f.deliver()
	if s := f.getSub(o.SubscriptionID); s.Provisioning != subscription.ProvPending || s.Status != subscription.StatusActive {
		t.Fatalf("subscription after payment: %s/%s", s.Status, s.Provisioning)
	}
	res = c.get(page)
	wantText(t, res, "Paid", "slip 11.png")
	wantNoText(t, res, "Record bank-transfer payment")
	att := c.get("/admin/payments/" + ps[1].ID + "/attachment")
	wantStatus(t, att, http.StatusOK)
	if att.Body != string(panelPNG) || att.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("attachment: %q %v", att.Body, att.Header)
	}

	// Paying a paid invoice is refused next to the amount.
	res = c.postForm(page, page+"/payments", url.Values{"amount": {"1.00"}, "received_on": {"2026-01-01"}, "reference": {"SLIP-12"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Amount the invoice is paid")

	// Customers never reach it.
	cust := f.client()
	cust.login("customer_direct")
	wantStatus(t, cust.get(page), http.StatusForbidden)
	wantStatus(t, cust.get("/admin/payments/"+ps[1].ID+"/attachment"), http.StatusForbidden)
}

func TestPanelsVoidCreditWriteOff(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	c := f.client()
	c.login("admin")

	// Void needs a reason; then a void invoice takes no payment.
	inv := f.invoiceOf(f.order("Drive").SubscriptionID)
	page := "/admin/invoices/" + inv.ID
	res := c.postForm(page, page+"/void", url.Values{"reason": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Reason for voiding is required")
	wantRedirect(t, c.postForm(page, page+"/void", url.Values{"reason": {"Ordered by mistake"}}), page)
	if got := f.getInvoice(inv.ID); got.Status != billing.StatusVoid {
		t.Fatalf("voided: %s", got.Status)
	}
	res = c.postForm("/admin/invoices", page+"/payments", url.Values{"amount": {"1.00"}, "received_on": {"2026-01-01"}, "reference": {"S"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Amount the invoice is void")
	if ps := f.payments(inv.ID); len(ps) != 0 {
		t.Fatal("a void invoice took a payment")
	}

	// A credit note never credits more than is left of a line.
	inv = f.invoiceOf(f.order("Drive").SubscriptionID)
	page = "/admin/invoices/" + inv.ID
	line := inv.Lines[0]
	field := "credit_1"
	res = c.postForm(page, page+"/credit-notes", url.Values{field: {"999.00"}, "reason": {"Goodwill"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Amount at most "+line.Amount.String())
	res = c.postForm(page, page+"/credit-notes", url.Values{"reason": {"Goodwill"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "enter an amount for at least one line")
	if got := f.getInvoice(inv.ID); !got.Credited.IsZero() {
		t.Fatal("credited despite the errors")
	}
	res = c.postForm(page, page+"/credit-notes", url.Values{field: {"5.00"}, "reason": {"Goodwill"}})
	wantRedirect(t, res, page)
	got := f.getInvoice(inv.ID)
	if got.Credited.String() != "6.10" { // 5.00 + 22 % VAT
		t.Fatalf("credited %s", got.Credited)
	}
	wantText(t, c.get(page), "Credit note CN-", "was issued", "Goodwill")

	// Writing off what is left.
	wantRedirect(t, c.postForm(page, page+"/uncollectible", url.Values{"reason": {"Customer vanished"}}), page)
	if got := f.getInvoice(inv.ID); got.Status != billing.StatusUncollectible {
		t.Fatalf("written off: %s", got.Status)
	}

	// A supervisor reads but may not record anything.
	sup := f.client()
	sup.login("supervisor")
	inv = f.invoiceOf(f.order("Drive").SubscriptionID)
	page = "/admin/invoices/" + inv.ID
	wantNoText(t, sup.get(page), "Record bank-transfer payment", "Issue a credit note", "Void the invoice")
	res = sup.postForm(page, page+"/payments", url.Values{"amount": {"1.00"}, "received_on": {"2026-01-01"}, "reference": {"S"}})
	wantRedirect(t, res, page)
	wantText(t, sup.get(page), "Recording payments is for the marketplace's administrators.")
	if ps := f.payments(inv.ID); len(ps) != 0 {
		t.Fatal("a supervisor recorded a payment")
	}
}

func TestPanelsTaxRates(t *testing.T) {
	t.Parallel()
	f := panelSetup(t)
	c := f.client()
	c.login("admin")
	res := c.get("/admin/tax-rates")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "IT standard VAT IT 22 %", "Add a tax rate", "keeps 20 %", "vendor_a", "vendor_b")

	count := func() int {
		rs, err := f.bill.ListTaxRates(f.as("admin"))
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	res = c.postForm("/admin/tax-rates", "/admin/tax-rates", url.Values{"country": {"DE"}, "category": {""}, "rate": {"101"}, "name": {"VAT DE"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Rate (%) must be between 0 and 100")
	if !strings.Contains(res.Body, `value="VAT DE"`) {
		t.Error("the name typed was not kept")
	}
	res = c.postForm("/admin/tax-rates", "/admin/tax-rates", url.Values{"country": {"DE"}, "rate": {"abc"}, "name": {"VAT DE"}})
	wantText(t, res, "Rate (%) is not a number")
	res = c.postForm("/admin/tax-rates", "/admin/tax-rates", url.Values{"country": {"IT"}, "category": {"standard"}, "rate": {"10"}, "name": {"Dup"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Tax category this country and category already have a rate")
	if n := count(); n != 1 {
		t.Fatalf("%d rates after refused forms", n)
	}
	wantStatus(t, c.post("/admin/tax-rates", url.Values{"country": {"DE"}, "rate": {"19"}, "name": {"VAT DE"}}), http.StatusForbidden)

	res = c.postForm("/admin/tax-rates", "/admin/tax-rates", url.Values{"country": {"de"}, "rate": {"19 %"}, "name": {"VAT DE"}, "reverse_charge": {"1"}})
	wantRedirect(t, res, "/admin/tax-rates")
	rs, _ := f.bill.ListTaxRates(f.as("admin"))
	var de billing.TaxRate
	for _, r := range rs {
		if r.Country == "DE" {
			de = r
		}
	}
	if de.ID == "" || de.Rate.String() != "19" || !de.ReverseCharge || de.Category != "standard" {
		t.Fatalf("created: %+v", de)
	}

	edit := "/admin/tax-rates/" + de.ID
	wantText(t, c.get(edit), "Change the rate")
	res = c.postForm(edit, edit, url.Values{"country": {"DE"}, "category": {"standard"}, "rate": {"-1"}, "name": {"VAT DE"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Rate (%) must be between 0 and 100")
	res = c.postForm(edit, edit, url.Values{"country": {"DE"}, "category": {"standard"}, "rate": {"7"}, "name": {"VAT DE reduced"}})
	wantRedirect(t, res, "/admin/tax-rates")
	rs, _ = f.bill.ListTaxRates(f.as("admin"))
	for _, r := range rs {
		if r.ID == de.ID && (r.Rate.String() != "7" || r.ReverseCharge || r.Name != "VAT DE reduced") {
			t.Fatalf("updated: %+v", r)
		}
	}
	wantRedirect(t, c.postForm(edit, edit+"/delete", url.Values{}), "/admin/tax-rates")
	if n := count(); n != 1 {
		t.Fatalf("%d rates after delete", n)
	}
	wantStatus(t, c.get(edit), http.StatusNotFound)

	// Platform fees.
	vendor := f.world.Orgs["vendor_a"].ID
	res = c.postForm("/admin/tax-rates", "/admin/platform-fees/"+vendor, url.Values{"percent": {"150"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Fee must be between 0 and 100")
	wantRedirect(t, c.postForm("/admin/tax-rates", "/admin/platform-fees/"+vendor, url.Values{"percent": {"12.5"}}), "/admin/tax-rates#fees")
	fee, err := f.bill.GetVendorFee(f.as("admin"), vendor)
	if err != nil || fee.Percent.String() != "12.5" || fee.Default {
		t.Fatalf("fee: %+v %v", fee, err)
	}
	wantRedirect(t, c.postForm("/admin/tax-rates", "/admin/platform-fees/"+vendor, url.Values{"percent": {""}}), "/admin/tax-rates#fees")
	if fee, _ := f.bill.GetVendorFee(f.as("admin"), vendor); !fee.Default {
		t.Fatal("the default fee was not given back")
	}
	wantStatus(t, c.postForm("/admin/tax-rates", "/admin/platform-fees/"+f.world.Orgs["customer_direct"].ID, url.Values{"percent": {"1"}}), http.StatusNotFound)
}
