package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// panelFixture is a marketplace with a 22 % Italian VAT and, for each of
// vendor_a and vendor_b, a product sold at once ("Drive", "Vault") and one
// that waits for the vendor's approval ("Drive Pro", "Vault Pro").
type panelFixture struct {
	*env
	plans map[string]catalog.Plan
}

func panelSetup(t *testing.T, opts ...envOptions) *panelFixture {
	t.Helper()
	e := newEnv(t, opts...)
	f := &panelFixture{env: e, plans: map[string]catalog.Plan{}}
	rate, name, country := catalogtest.DP("22"), "VAT IT", "IT"
	if _, err := e.bill.CreateTaxRate(f.as("admin"), billing.TaxRateInput{Country: &country, Rate: rate, Name: &name}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		vendor, name string
		approval     bool
	}{{"vendor_a", "Drive", false}, {"vendor_a", "Drive Pro", true}, {"vendor_b", "Vault", false}, {"vendor_b", "Vault Pro", true}} {
		prod, plans := catalogtest.Published(t, e.cat, e.world.Orgs[p.vendor].ID, p.name, catalog.PlanInput{
			Name: catalogtest.Ptr("Monthly"), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
			RecurringPrice: catalogtest.DP("30.00")})
		if p.approval {
			if _, err := e.cat.UpdateProduct(actor.With(context.Background(), actor.System), prod.ID,
				catalog.ProductInput{RequiresApproval: catalogtest.Ptr(true)}); err != nil {
				t.Fatal(err)
			}
		}
		f.plans[p.name] = plans[0]
	}
	return f
}

func (f *panelFixture) as(who string) context.Context { return f.world.As(f.t, who) }

// order places an order of product's plan as customer_direct and delivers
// its events (the subscription's first invoice is issued).
func (f *panelFixture) order(product string) subscription.Order {
	f.t.Helper()
	o, err := f.subs.PlaceOrder(f.as("customer_direct"), subscription.PlaceOrderInput{PlanID: f.plans[product].ID})
	if err != nil {
		f.t.Fatal(err)
	}
	f.deliver()
	return o
}

func (f *panelFixture) getOrder(id string) subscription.Order {
	f.t.Helper()
	o, err := f.subs.GetOrder(f.as("admin"), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

func (f *panelFixture) getSub(id string) subscription.Subscription {
	f.t.Helper()
	s, err := f.subs.GetSubscription(f.as("admin"), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// invoiceOf is the invoice charging subscription sub.
func (f *panelFixture) invoiceOf(sub string) billing.Invoice {
	f.t.Helper()
	list, _, err := f.bill.ListInvoices(f.as("admin"), billing.InvoiceFilter{SubscriptionID: sub, Kind: billing.KindInvoice})
	if err != nil {
		f.t.Fatal(err)
	}
	if len(list) != 1 {
		f.t.Fatalf("%d invoices for %s", len(list), sub)
	}
	return f.getInvoice(list[0].ID)
}

func (f *panelFixture) getInvoice(id string) billing.Invoice {
	f.t.Helper()
	inv, err := f.bill.GetInvoice(f.as("admin"), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return inv
}

func (f *panelFixture) payments(invoice string) []billing.Payment {
	f.t.Helper()
	ps, err := f.bill.ListPayments(f.as("admin"), invoice)
	if err != nil {
		f.t.Fatal(err)
	}
	return ps
}

// panelPostMultipart posts fields and one file as multipart/form-data, with the
// CSRF token of the page at from.
func panelPostMultipart(c *client, from, path string, fields map[string]string, fileField, fileName string, data []byte) *response {
	c.t.Helper()
	page := c.get(from)
	if page.StatusCode != http.StatusOK {
		c.t.Fatalf("GET %s: status %d", from, page.StatusCode)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", csrfToken(c.t, page.Body))
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, fileName)
		if err != nil {
			c.t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for name, value := range c.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return &response{Response: res, Body: string(b)}
}

// panelPNG is the smallest file http.DetectContentType calls a PNG.
var panelPNG = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)

// panelPayment pays what is due, received at the test clock's start.
func panelPayment(ref string) billing.PaymentInput {
	return billing.PaymentInput{Reference: ref, ReceivedOn: panelStart}
}

// panelStart is the test clock's time (dbtest.DefaultStart).
var panelStart = dbtest.DefaultStart
