package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// The vendor's products: the list, the product form (create and edit),
// the product page with its plans, and the lifecycle buttons.

const obProductForm = "product"

// obProductsData is the product list.
type obProductsData struct {
	Page string
	// List is the list's address; Noun "product" or "bundle".
	List   string
	Noun   string
	Status string
	Tabs   []obTab
	Rows   []obProductRow
	Next   string
	First  string
	Staff  bool
	// Vendor is the signed-in vendor's onboarding, when it is not approved.
	Vendor       *catalog.Vendor
	VendorStatus reviewStatus
}

// obTab is one status filter of the list.
type obTab struct {
	Label   string
	Href    string
	Current bool
}

type obProductRow struct {
	Product catalog.Product
	Status  reviewStatus
	Vendor  string
}

var obStatusTabs = []struct{ status, label string }{
	{"", "All"}, {catalog.Draft, "Drafts"}, {catalog.InReview, "In review"}, {catalog.Published, "Published"}, {catalog.Retired, "Retired"},
}

// obProducts lists the vendor's products (staff: every vendor's), newest
// first, filtered by status.
func (h *handler) obProducts(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	status, cursor := q.Get("status"), q.Get("cursor")
	if !slices.ContainsFunc(obStatusTabs, func(t struct{ status, label string }) bool { return t.status == status }) {
		status = ""
	}
	staff, kind := obIsStaff(r), obKind(r)
	f := catalog.ProductFilter{Kind: kind, Status: status, Sort: "newest", Page: page.Request{Cursor: cursor}}
	if !staff {
		f.VendorID = currentUser(r).Actor.OrgID
	}
	list, next, err := h.cat.SearchProducts(r.Context(), f)
	if errs.KindOf(err) == errs.KindInvalid { // a stale cursor
		list, next, err = h.cat.SearchProducts(r.Context(), catalog.ProductFilter{Kind: f.Kind, Status: status, Sort: "newest", VendorID: f.VendorID})
	}
	if err != nil {
		return err
	}
	d := obProductsData{Page: "products", List: obListURL(kind), Noun: obKindNoun(kind), Status: status, Staff: staff}
	for _, t := range obStatusTabs {
		href := d.List
		if t.status != "" {
			href += "?status=" + t.status
		}
		d.Tabs = append(d.Tabs, obTab{Label: t.label, Href: href, Current: t.status == status})
	}
	orgs := orgCache{id: h.id}
	for _, p := range list {
		row := obProductRow{Product: p, Status: productStatusOf(p)}
		if staff {
			o, err := orgs.get(r.Context(), p.OwnerOrgID)
			if err != nil {
				return err
			}
			row.Vendor = o.Name
		}
		d.Rows = append(d.Rows, row)
	}
	d.Next, d.First = pageLinks(d.List, q, cursor, next)
	if !staff {
		if vd, err := h.cat.GetVendor(r.Context(), currentUser(r).Actor.OrgID); err == nil && vd.Status != catalog.VendorApproved {
			d.Vendor, d.VendorStatus = &vd, vendorStatusOf(vd.Status)
		}
	}
	v.Title = "Your " + d.Noun + "s"
	if staff {
		v.Title = obCapital(d.Noun) + "s"
	}
	v.Data = d
	return h.render(w, r, v, "vendor_onboarding")
}

// obProductFormData is the product form.
type obProductFormData struct {
	Page string
	// Noun is "product" or "bundle"; List the list's address.
	Noun    string
	List    string
	Product catalog.Product
	Editing bool
	Action  string
	Cancel  string
	C       map[string]formControl
	FAQ     []obFAQRow
	// CanAddFAQ is false once the FAQ has as many questions as allowed.
	CanAddFAQ  bool
	Errors     formErrors
	Categories []string
	TaxCats    []string
	// Version fingerprints the product the form was loaded with.
	Version string
	Staff   bool
}

// obFAQRow is one question of the FAQ editor.
type obFAQRow struct {
	Index    int
	Question formControl
	Answer   formControl
}

// Number is the row's position for people, from 1.
func (r obFAQRow) Number() int { return r.Index + 1 }

// obMaxFAQ is the service's limit of FAQ entries.
const obMaxFAQ = 50

func (h *handler) obNewProduct(w http.ResponseWriter, r *http.Request, v *view) error {
	return h.obProductFormPage(w, r, v, catalog.Product{})
}

func (h *handler) obEditProduct(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := h.obOwnProduct(r)
	if err != nil {
		return err
	}
	if p.Status == catalog.Retired {
		setFlash(w, h.secure, flashError, "A retired product cannot change.")
		http.Redirect(w, r, obURL(p), http.StatusSeeOther)
		return nil
	}
	return h.obProductFormPage(w, r, v, p)
}

// obProductFormPage renders the product form for p (zero: a new product).
func (h *handler) obProductFormPage(w http.ResponseWriter, r *http.Request, v *view, p catalog.Product) error {
	b := newControlForm(v, obProductForm)
	kind := obKind(r)
	d := obProductFormData{Page: "product_form", Noun: obKindNoun(kind), List: obListURL(kind), Product: p, Editing: p.ID != "",
		Action: obListURL(kind) + "/new", Cancel: obListURL(kind), C: map[string]formControl{}, Staff: obIsStaff(r)}
	if d.Editing {
		d.Action, d.Cancel = obURL(p)+"/edit", obURL(p)
		d.Version = obFingerprint(p)
	}
	if p.TaxCategory == "" {
		p.TaxCategory = catalog.DefaultTaxCategory
	}
	if p.ProvisioningMode == "" {
		p.ProvisioningMode = catalog.ProvisionSyndicated
	}
	d.addProductControls(b, p, kind)
	if d.Staff && !d.Editing && kind == catalog.KindProduct {
		opts, err := h.obVendorOptions(r.Context())
		if err != nil {
			return err
		}
		d.C["owner_org_id"] = b.selectOne("owner_org_id", "Vendor", "", opts).req()
	}
	d.addFAQControls(b, p)
	d.Errors = b.errors()
	if err := h.obProductChoices(r.Context(), &d); err != nil {
		return err
	}
	v.Title = "New " + d.Noun
	if d.Editing {
		v.Title = "Edit " + p.Name
	}
	v.Data = d
	return h.render(w, r, v, "vendor_onboarding")
}

// addProductControls adds the inputs of product p's own fields; kind
// tells a product (which provisions itself) from a bundle.
func (d *obProductFormData) addProductControls(b *controlForm, p catalog.Product, kind string) {
	c := d.C
	c["name"] = b.text("name", obCapital(d.Noun)+" name", p.Name).req().max(120)
	c["summary"] = b.text("summary", "Short description", p.Summary).max(300).
		hint("One sentence shown in search results and on product cards.")
	c["description"] = b.textarea("description", "Long description", p.Description, 8).max(20000).
		hint("Plain text; blank lines separate paragraphs.")
	c["category"] = b.text("category", "Category", p.Category).max(60).list("ob-categories").
		hint("Pick a category buyers browse, or name a new one.")
	c["tags"] = b.text("tags", "Tags", strings.Join(p.Tags, ", ")).hint("Words buyers search for, separated by commas (at most 20).")
	c["features"] = b.textarea("features", "Features", strings.Join(p.Features, "\n"), 6).
		hint("One feature per line (at most 40).")
	c["logo_url"] = b.text("logo_url", "Logo URL", p.LogoURL).typ("url").ph("https://")
	c["screenshots"] = b.textarea("screenshots", "Screenshot URLs", strings.Join(p.Screenshots, "\n"), 3).
		hint("One https:// address per line (at most 12).")
	c["terms_url"] = b.text("terms_url", "Terms of service URL", p.TermsURL).typ("url").ph("https://")
	c["privacy_url"] = b.text("privacy_url", "Privacy policy URL", p.PrivacyURL).typ("url").ph("https://")
	if kind == catalog.KindProduct { // each product of a bundle provisions itself
		c["provisioning_mode"] = b.selectOne("provisioning_mode", "Provisioning", p.ProvisioningMode, []formOption{
			{Value: catalog.ProvisionSyndicated, Label: "Automatic: your system receives each subscription's events"},
			{Value: catalog.ProvisionManual, Label: "Manual: you set each subscription up by hand"},
			{Value: catalog.ProvisionNone, Label: "None: nothing to set up"},
		}).req()
	}
	c["tax_category"] = b.text("tax_category", "Tax category", p.TaxCategory).req().max(40).list("ob-tax-categories").
		hint("Chooses the tax rate in each buyer's country; “standard” unless the marketplace set up another.")
	c["requires_approval"] = b.checkbox("requires_approval", "Orders wait for my approval", p.RequiresApproval)
	c["self_billed"] = b.checkbox("self_billed", "I bill the customers myself", p.SelfBilled)
}

// obVendorOptions are the vendors staff may create a product for.
func (h *handler) obVendorOptions(ctx context.Context) ([]formOption, error) {
	vendors, _, err := h.cat.ListVendors(ctx, catalog.VendorFilter{Page: page.Request{Limit: page.MaxLimit}})
	if err != nil {
		return nil, err
	}
	opts := []formOption{{Value: "", Label: "Choose a vendor"}}
	for _, vd := range vendors {
		opts = append(opts, formOption{Value: vd.OrgID, Label: vd.Name})
	}
	return opts, nil
}

// addFAQControls adds the rows of questions and answers (at least one;
// the posted rows when the form was submitted).
func (d *obProductFormData) addFAQControls(b *controlForm, p catalog.Product) {
	rows := len(p.FAQ)
	if b.f.Submitted {
		rows = obRowCount(b.f.Values, "faq", obMaxFAQ)
	}
	if rows == 0 {
		rows = 1
	}
	for i := range rows {
		var q, a string
		if i < len(p.FAQ) {
			q, a = p.FAQ[i].Question, p.FAQ[i].Answer
		}
		d.FAQ = append(d.FAQ, obFAQRow{Index: i,
			Question: b.text(fmt.Sprintf("faq[%d].question", i), fmt.Sprintf("Question %d", i+1), q).max(300).short("Question"),
			Answer:   b.textarea(fmt.Sprintf("faq[%d].answer", i), fmt.Sprintf("Answer %d", i+1), a, 3).max(5000).short("Answer"),
		})
	}
	d.CanAddFAQ = rows < obMaxFAQ
}

// obProductChoices fills the suggestions of the category and tax category
// inputs: the marketplace's categories, and the tax categories of its
// rates.
func (h *handler) obProductChoices(ctx context.Context, d *obProductFormData) error {
	cats, err := h.cat.Categories(ctx)
	if err != nil {
		return err
	}
	for _, c := range cats {
		d.Categories = append(d.Categories, c.Name)
	}
	d.TaxCats = []string{catalog.DefaultTaxCategory}
	if rates, err := h.bill.ListTaxRates(ctx); err == nil {
		for _, rt := range rates {
			if !slices.Contains(d.TaxCats, rt.Category) {
				d.TaxCats = append(d.TaxCats, rt.Category)
			}
		}
	}
	return nil
}

// obProductInput reads the product form. The rename function maps the
// service's field errors back onto the form's inputs: list items are
// lines of a text area, and blank FAQ rows are not sent.
func obProductInput(values url.Values) (catalog.ProductInput, func(errs.FieldError) errs.FieldError) {
	p := newObParser(values)
	in := catalog.ProductInput{Name: p.ptr("name"), Summary: p.ptr("summary"), Description: p.ptr("description"),
		Category: p.ptr("category"), LogoURL: p.ptr("logo_url"), TermsURL: p.ptr("terms_url"), PrivacyURL: p.ptr("privacy_url"),
		TaxCategory: p.ptr("tax_category")}
	if _, ok := values["provisioning_mode"]; ok {
		in.ProvisioningMode = p.ptr("provisioning_mode")
	}
	approval, self := p.on("requires_approval"), p.on("self_billed")
	in.RequiresApproval, in.SelfBilled = &approval, &self
	tags := obCommaList(values.Get("tags"))
	features, featureLines := obLines(values.Get("features"))
	shots, shotLines := obLines(values.Get("screenshots"))
	in.Tags, in.Features, in.Screenshots = &tags, &features, &shots
	faq := []catalog.FAQEntry{}
	var faqRows []int
	for i := range obRowCount(values, "faq", obMaxFAQ) {
		q, a := values.Get(fmt.Sprintf("faq[%d].question", i)), values.Get(fmt.Sprintf("faq[%d].answer", i))
		if strings.TrimSpace(q) == "" && strings.TrimSpace(a) == "" {
			continue
		}
		faq = append(faq, catalog.FAQEntry{Question: q, Answer: a})
		faqRows = append(faqRows, i)
	}
	in.FAQ = &faq
	rename := func(fe errs.FieldError) errs.FieldError {
		g, k, _, ok := obSplitIndex(fe.Field)
		switch {
		case !ok:
		case g == "tags" && k < len(tags):
			fe.Field, fe.Message = "tags", fmt.Sprintf("(“%s”) %s", tags[k], fe.Message)
		case g == "features" && k < len(featureLines):
			fe.Field, fe.Message = "features", fmt.Sprintf("on line %d %s", featureLines[k], fe.Message)
		case g == "screenshots" && k < len(shotLines):
			fe.Field, fe.Message = "screenshots", fmt.Sprintf("on line %d %s", shotLines[k], fe.Message)
		case g == "faq":
			fe = obReindex(fe, "faq", faqRows)
		}
		return fe
	}
	return in, rename
}

// obProductEditStep handles the FAQ editor's buttons (add or remove a
// question): the form is shown again with the change and nothing is
// saved. It reports whether the post was such a step.
func obProductEditStep(w http.ResponseWriter, r *http.Request, v *view, page pageFunc) (bool, error) {
	op, row := obOp(r)
	values := obCloneValues(r.PostForm)
	switch op {
	case "add_faq":
		obAddRow(values, "faq", ".question", obMaxFAQ)
	case "remove_faq":
		if row >= 0 {
			obRemoveRow(values, "faq", row)
		}
	default:
		return false, nil
	}
	return true, obRedisplay(w, r, v, obProductForm, values, "", http.StatusOK, page)
}

func obCloneValues(values url.Values) url.Values {
	out := url.Values{}
	for k, v := range values {
		out[k] = slices.Clone(v)
	}
	return out
}

func (h *handler) obCreateProduct(w http.ResponseWriter, r *http.Request, v *view) error {
	if step, err := obProductEditStep(w, r, v, h.obNewProduct); step {
		return err
	}
	in, rename := obProductInput(r.PostForm)
	kind := obKind(r)
	p, err := h.cat.CreateProduct(r.Context(), catalog.CreateProductInput{ProductInput: in, Kind: kind, OwnerOrgID: r.PostForm.Get("owner_org_id")})
	if err != nil {
		return h.formFailed(w, r, v, obProductForm, obRename(err, rename), obListURL(kind), h.obNewProduct)
	}
	return h.done(w, r, obURL(p), fmt.Sprintf("The %s “%s” was created as a draft. Add a plan, then submit it for review.", obKindNoun(kind), p.Name))
}

func (h *handler) obUpdateProduct(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := h.obOwnProduct(r)
	if err != nil {
		return err
	}
	if step, err := obProductEditStep(w, r, v, h.obEditProduct); step {
		return err
	}
	if r.PostForm.Get("version") != obFingerprint(p) {
		return obRedisplay(w, r, v, obProductForm, r.PostForm, obStaleMessage, http.StatusConflict, h.obEditProduct)
	}
	in, rename := obProductInput(r.PostForm)
	p, err = h.cat.UpdateProduct(r.Context(), p.ID, in)
	if err != nil {
		return h.formFailed(w, r, v, obProductForm, obRename(err, rename), obURL(p), h.obEditProduct)
	}
	return h.done(w, r, obURL(p), fmt.Sprintf("The %s “%s” was saved.", obKindNoun(p.Kind), p.Name))
}

// obStaleMessage refuses a form loaded before someone else's change.
const obStaleMessage = "This was changed by someone else since you opened the form. Check the values below against the current ones " +
	"(reload the page in another tab to see them) and save again."

// obProductData is the vendor's product page.
type obProductData struct {
	Page string
	// Noun is "product" or "bundle"; List the list's address and Base the
	// product's own.
	Noun    string
	List    string
	Base    string
	Bundle  bool
	Product catalog.Product
	Status  reviewStatus
	Vendor  string
	Plans   []planView
	// Older are superseded and retired plan versions.
	Older []planView
	// What the vendor may do now.
	CanEdit, CanSubmit, CanWithdraw, CanRetire bool
	// Published means plans version themselves on a price change.
	Published bool
	Preview   string
}

// obProduct shows a product with its plans, extras and metrics.
func (h *handler) obProduct(w http.ResponseWriter, r *http.Request, v *view) error {
	p, err := h.obOwnProduct(r)
	if err != nil {
		return err
	}
	plans, err := h.cat.ListPlans(r.Context(), p.ID, true)
	if err != nil {
		return err
	}
	d := obProductData{Page: "product", Noun: obKindNoun(p.Kind), List: obListURL(p.Kind), Base: obURL(p), Bundle: p.Kind == catalog.KindBundle,
		Product: p, Status: productStatusOf(p), Published: p.PublishedAt != nil,
		CanEdit: p.Status != catalog.Retired, CanSubmit: p.Status == catalog.Draft, CanWithdraw: p.Status == catalog.InReview,
		CanRetire: p.Status == catalog.Published || p.Status == catalog.Draft}
	slices.SortStableFunc(plans, func(a, b catalog.Plan) int { return a.Weight - b.Weight })
	for _, pl := range plans {
		view := h.planView(r.Context(), pl)
		if pl.Status == catalog.PlanActive {
			d.Plans = append(d.Plans, view)
		} else {
			d.Older = append(d.Older, view)
		}
	}
	if obIsStaff(r) {
		if o, err := h.id.GetOrganization(r.Context(), p.OwnerOrgID); err == nil {
			d.Vendor = o.Name
		}
	}
	if p.Status == catalog.Published {
		d.Preview = "/products/" + p.Slug
	}
	v.Title = p.Name
	v.Data = d
	return h.render(w, r, v, "vendor_onboarding")
}

// obLifecycle moves a product along its lifecycle: submit for review,
// withdraw from review, retire.
func (h *handler) obLifecycle(action string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		p, err := h.obOwnProduct(r)
		if err != nil {
			return err
		}
		do := map[string]func(context.Context, string) (catalog.Product, error){
			"submit": h.cat.SubmitProduct, "withdraw": h.cat.WithdrawProduct, "retire": h.cat.RetireProduct,
		}[action]
		out, err := do(r.Context(), p.ID)
		if err != nil {
			return h.refused(w, r, err, obURL(p))
		}
		msg := map[string]string{
			"submit":   "“%s” was submitted for review. The marketplace team will publish it or tell you what to change.",
			"withdraw": "“%s” was withdrawn from review and is a draft again.",
			"retire":   "“%s” was retired: it is no longer sold. Running subscriptions are not affected.",
		}[action]
		return h.done(w, r, obURL(out), fmt.Sprintf(msg, out.Name))
	}
}

// obCapital capitalizes the first letter of an ASCII word.
func obCapital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
