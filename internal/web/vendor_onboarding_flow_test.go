package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// obProductValues is a complete, valid product form.
func obProductValues(name string) url.Values {
	return url.Values{
		"name": {name}, "summary": {"Backups that restore"}, "description": {"Snapshots every night.\n\nEncrypted at rest."},
		"category": {"Storage"}, "tags": {"backup, Cloud"}, "features": {"Nightly snapshots\n\n  Encryption at rest  \n"},
		"faq[0].question": {"Where is my data?"}, "faq[0].answer": {"In the EU."},
		"faq[1].question": {""}, "faq[1].answer": {""},
		"provisioning_mode": {"manual"}, "tax_category": {"standard"}, "terms_url": {"https://nimbus.example/terms"},
		"requires_approval": {"on"},
	}
}

// obPlanValues is a complete, valid plan form.
func obPlanValues(name string) url.Values {
	return url.Values{
		"name": {name}, "pricing_kind": {"renewable_months"}, "period_count": {"1"}, "min_periods": {"1"},
		"currency": {"EUR"}, "recurring_price": {"20.00"}, "setup_fee": {"10"}, "iaas_cost": {""}, "trial_days": {"14"},
		"auto_renew": {"on"}, "weight": {"0"}, "allowed_periods": {"1, 12"},
	}
}

// obTieredExtraValues is the extra resource form of a tiered "Users" extra
// with the ranges given as from, to, unit price triples.
func obTieredExtraValues(ranges ...[3]string) url.Values {
	v := url.Values{"name": {"Users"}, "unit": {"user"}, "billing": {"prepaid"}, "scheme.kind": {"tiered"}}
	for i, r := range ranges {
		p := "scheme.ranges[" + strconv.Itoa(i) + "]."
		v.Set(p+"from", r[0])
		v.Set(p+"to", r[1])
		v.Set(p+"unit_price", r[2])
	}
	return v
}

var obProductURLRE = regexp.MustCompile(`^/vendor/products/(prd_[0-9a-z]+)(#.*)?$`)

// obCreateProductForm creates a product through the form and returns its id.
func obCreateProductForm(t *testing.T, c *client, name string) string {
	t.Helper()
	res := c.postForm("/vendor/products/new", "/vendor/products/new", obProductValues(name))
	wantStatus(t, res, http.StatusSeeOther)
	m := obProductURLRE.FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		t.Fatalf("create product: redirect to %q", res.Header.Get("Location"))
	}
	return m[1]
}

// obCreatePlanForm adds a plan through the form and returns it as stored.
func obCreatePlanForm(t *testing.T, e *env, c *client, productID, name string) catalog.Plan {
	t.Helper()
	path := "/vendor/products/" + productID + "/plans/new"
	wantStatus(t, c.postForm(path, path, obPlanValues(name)), http.StatusSeeOther)
	for _, pl := range obListPlans(t, e, productID) {
		if pl.Name == name {
			return pl
		}
	}
	t.Fatalf("plan %s not stored", name)
	return catalog.Plan{}
}

func obListPlans(t *testing.T, e *env, productID string) []catalog.Plan {
	t.Helper()
	plans, err := e.cat.ListPlans(actor.With(context.Background(), actor.System), productID, false)
	if err != nil {
		t.Fatal(err)
	}
	return plans
}

func obGetProduct(t *testing.T, e *env, id string) catalog.Product {
	t.Helper()
	p, err := e.cat.GetProduct(actor.With(context.Background(), actor.System), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// obInputValue returns the value attribute of the input named name, and
// whether there is one.
func obInputValue(body, name string) (string, bool) {
	re := regexp.MustCompile(`<input[^>]*name="` + regexp.QuoteMeta(html.EscapeString(name)) + `"[^>]*value="([^"]*)"`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// obFieldErrorText returns the text of the error shown next to input id.
func obFieldErrorText(body, id string) string {
	re := regexp.MustCompile(`(?s)<p class="field-error" id="` + regexp.QuoteMeta(id) + `-error">(.*?)</p>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func obWantFieldError(t *testing.T, res *response, id, want string) {
	t.Helper()
	if got := obFieldErrorText(res.Body, id); !strings.Contains(got, want) {
		t.Errorf("error next to %s: %q, want it to contain %q\n%s", id, got, want, text(res.Body))
	}
}

func TestOnboardingVendorToPublication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vendor := e.client()
	vendor.login("vendor_a")

	// The vendor's product list starts empty, with a button to begin.
	res := vendor.get("/vendor/products")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Your products", "No products yet", "New product")

	// It creates a product through the form.
	id := obCreateProductForm(t, vendor, "Nimbus Backup")
	p := obGetProduct(t, e, id)
	if p.Status != catalog.Draft || p.OwnerOrgID != e.world.Orgs["vendor_a"].ID || p.Category != "Storage" ||
		strings.Join(p.Tags, "|") != "backup|cloud" || strings.Join(p.Features, "|") != "Nightly snapshots|Encryption at rest" ||
		len(p.FAQ) != 1 || p.FAQ[0].Answer != "In the EU." || p.ProvisioningMode != "manual" || !p.RequiresApproval || p.SelfBilled {
		t.Fatalf("stored product: %+v", p)
	}
	res = vendor.get("/vendor/products/" + id)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "The product “Nimbus Backup” was created as a draft", "Nimbus Backup", "Draft", "No plans yet", "Add a plan below before submitting it")
	wantText(t, vendor.get("/vendor/products"), "Nimbus Backup", "Storage", "Draft")

	// Edit it: the form shows the stored values.
	res = vendor.get("/vendor/products/" + id + "/edit")
	wantStatus(t, res, http.StatusOK)
	if v, _ := obInputValue(res.Body, "tags"); v != "backup, cloud" {
		t.Errorf("tags input %q", v)
	}
	if !strings.Contains(res.Body, "Nightly snapshots\nEncryption at rest</textarea>") {
		t.Errorf("features text area:\n%s", res.Body)
	}
	edit := obProductValues("Nimbus Backup")
	edit.Set("summary", "Backups that always restore")
	edit.Set("version", obMustInput(t, res.Body, "version"))
	wantRedirect(t, vendor.postForm("/vendor/products/"+id+"/edit", "/vendor/products/"+id+"/edit", edit), "/vendor/products/"+id)
	if got := obGetProduct(t, e, id).Summary; got != "Backups that always restore" {
		t.Errorf("summary after edit: %q", got)
	}

	// A plan, through the plan form.
	plan := obCreatePlanForm(t, e, vendor, id, "Team")
	if !plan.RecurringPrice.Equal(money.MustDecimal("20")) || !plan.SetupFee.Equal(money.MustDecimal("10")) || plan.TrialDays != 14 ||
		plan.Currency.Code() != "EUR" || !plan.AutoRenew || len(plan.AllowedPeriods) != 2 || plan.AllowedPeriods[1] != 12 {
		t.Fatalf("stored plan: %+v", plan)
	}

	// A tiered extra resource through the range editor: the new form has
	// two empty ranges; "Add a range" shows it again with a third, and
	// stores nothing.
	extras := "/vendor/products/" + id + "/plans/" + plan.ID + "/extras/new"
	res = vendor.get(extras)
	wantStatus(t, res, http.StatusOK)
	if n := strings.Count(res.Body, ` data-range="`); n != 2 {
		t.Fatalf("%d range rows on the new extra form, want 2", n)
	}
	form := obTieredExtraValues([3]string{"1", "9", "4.99"}, [3]string{"", "", ""})
	form.Set("version", obMustInput(t, res.Body, "version"))
	form.Set("op", "add_range")
	form.Set("csrf_token", csrfToken(t, res.Body))
	res = vendor.post(extras, form)
	wantStatus(t, res, http.StatusOK)
	if n := strings.Count(res.Body, ` data-range="`); n != 3 {
		t.Fatalf("%d range rows after adding one, want 3", n)
	}
	if v, _ := obInputValue(res.Body, "scheme.ranges[0].unit_price"); v != "4.99" {
		t.Errorf("the typed unit price was not kept: %q", v)
	}
	if got := obListPlans(t, e, id)[0].Extras; len(got) != 0 {
		t.Fatalf("adding a range stored the extra: %+v", got)
	}
	// The second row stays empty (left out), the third continues the first.
	form.Del("op")
	form.Set("scheme.ranges[2].from", "10")
	form.Set("scheme.ranges[2].to", "")
	form.Set("scheme.ranges[2].unit_price", "2.50")
	res = vendor.post(extras, form)
	wantRedirect(t, res, "/vendor/products/"+id+"#plan-"+plan.LineageID)
	plan = obListPlans(t, e, id)[0]
	if len(plan.Extras) != 1 {
		t.Fatalf("extras: %+v", plan.Extras)
	}
	x := plan.Extras[0]
	want := pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{
		{From: money.MustDecimal("1"), To: catalogtest.DP("9"), UnitPrice: money.MustDecimal("4.99")},
		{From: money.MustDecimal("10"), UnitPrice: money.MustDecimal("2.50")},
	}}
	if x.Name != "Users" || x.Unit != "user" || x.Billing != "prepaid" || x.Required || !obSameScheme(x.Scheme, want) {
		t.Fatalf("stored extra: %+v, scheme %+v", x, x.Scheme)
	}
	// To the cent: 15 users cost 9 × 4.99 + 6 × 2.50 = 59.91.
	rating, err := x.Scheme.Rate(money.MustDecimal("15"))
	if err != nil || !rating.Amount.Equal(money.MustDecimal("59.91")) {
		t.Fatalf("15 users: %+v %v", rating, err)
	}
	res = vendor.get("/vendor/products/" + id)
	wantText(t, res, "The extra resource “Users” was saved.", "Tiered", "1–9", "EUR 4.99", "10 and more", "EUR 2.50")

	// A metric, per unit, with no ranges.
	metrics := "/vendor/products/" + id + "/plans/" + plan.ID + "/metrics/new"
	res = vendor.get(metrics)
	wantStatus(t, res, http.StatusOK)
	wantRedirect(t, vendor.post(metrics, url.Values{"csrf_token": {csrfToken(t, res.Body)}, "version": {obMustInput(t, res.Body, "version")},
		"name": {"Storage"}, "key": {"storage_gb"}, "unit": {"GB"}, "aggregation": {"max"}, "included": {"10"},
		"scheme.kind": {"per_unit"}, "scheme.unit_price": {"0.10"}}), "/vendor/products/"+id+"#plan-"+plan.LineageID)
	plan = obListPlans(t, e, id)[0]
	if len(plan.Metrics) != 1 || plan.Metrics[0].Key != "storage_gb" || !plan.Metrics[0].Included.Equal(money.MustDecimal("10")) ||
		!plan.Metrics[0].Scheme.UnitPrice.Equal(money.MustDecimal("0.1")) || len(plan.Extras) != 1 {
		t.Fatalf("stored metric: %+v", plan)
	}
	wantText(t, vendor.get("/vendor/products/"+id), "Storage", "EUR 0.10 per GB", "10 GB included per period")

	// Submit for review.
	res = vendor.postForm("/vendor/products/"+id, "/vendor/products/"+id+"/submit", url.Values{})
	wantRedirect(t, res, "/vendor/products/"+id)
	if got := obGetProduct(t, e, id).Status; got != catalog.InReview {
		t.Fatalf("status after submit: %s", got)
	}
	wantText(t, vendor.get("/vendor/products/"+id), "was submitted for review", "In review", "Withdraw from review")

	// Not published yet: the catalog does not have it.
	if found := obSearchCatalog(t, e, "Nimbus"); len(found) != 0 {
		t.Fatalf("found before approval: %+v", found)
	}

	// An admin finds it in the review queue, looks at it as it will
	// appear, and approves it.
	admin := e.client()
	admin.login("admin")
	res = admin.get("/admin/review")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Products awaiting review", "Nimbus Backup", "vendor_a")
	res = admin.get("/admin/review/products/" + id)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Review Nimbus Backup", "Backups that always restore", "Nightly snapshots", "Where is my data?", "Team",
		"EUR 20.00 per month", "Setup fee EUR 10.00", "14-day free trial", "Users", "1–9", "EUR 4.99", "10 and more", "EUR 2.50",
		"Storage", "Approve and publish", "Reject")
	res = admin.postForm("/admin/review/products/"+id, "/admin/review/products/"+id+"/approve", url.Values{})
	wantRedirect(t, res, "/admin/review")
	wantText(t, admin.get("/admin/review"), "“Nimbus Backup” is published", "No products wait for review")

	// Published: the catalog finds it, for anyone.
	found := obSearchCatalog(t, e, "Nimbus")
	if len(found) != 1 || found[0].ID != id || found[0].Status != catalog.Published {
		t.Fatalf("catalog search after approval: %+v", found)
	}
	res = vendor.get("/vendor/products/" + id)
	wantText(t, res, "Published", "See it in the catalog")
	wantNoText(t, res, "Submit for review")
}

// obMustInput returns the value of input name in a page.
func obMustInput(t *testing.T, body, name string) string {
	t.Helper()
	v, ok := obInputValue(body, name)
	if !ok {
		t.Fatalf("no input %s in page:\n%s", name, body)
	}
	return v
}

func obSearchCatalog(t *testing.T, e *env, q string) []catalog.Product {
	t.Helper()
	found, _, err := e.cat.SearchProducts(context.Background(), catalog.ProductFilter{Query: q})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// obSameScheme compares schemes by value (decimals compare as numbers).
func obSameScheme(a, b pricing.Scheme) bool {
	if a.Kind != b.Kind || !a.UnitPrice.Equal(b.UnitPrice) || a.PackageSize != b.PackageSize || !a.PackagePrice.Equal(b.PackagePrice) ||
		len(a.Ranges) != len(b.Ranges) {
		return false
	}
	for i := range a.Ranges {
		x, y := a.Ranges[i], b.Ranges[i]
		if !x.From.Equal(y.From) || (x.To == nil) != (y.To == nil) || (x.To != nil && !x.To.Equal(*y.To)) ||
			!x.UnitPrice.Equal(y.UnitPrice) || !x.FlatPrice.Equal(y.FlatPrice) || !x.SetupFee.Equal(y.SetupFee) ||
			(x.Step == nil) != (y.Step == nil) || x.Tag != y.Tag {
			return false
		}
	}
	return true
}
