package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// adminFeeRow is a vendor with its platform fee.
type adminFeeRow struct {
	Vendor identity.Organization
	Fee    billing.VendorFee
}

// adminTaxRatesData is the tax rates page's content.
type adminTaxRatesData struct {
	Rates []billing.TaxRate
	// DefaultFee is the marketplace's platform fee.
	DefaultFee money.Decimal
	Fees       []adminFeeRow
	MoreFees   bool
	DefaultCat string
	CanEdit    bool
}

// adminTaxRates lists the tax rates with a form to add one, and the
// vendors' platform fees.
func (h *handler) adminTaxRates(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	rates, err := h.bill.ListTaxRates(ctx)
	if err != nil {
		return err
	}
	set, err := h.bill.Settings(ctx)
	if err != nil {
		return err
	}
	d := adminTaxRatesData{Rates: rates, DefaultFee: set.PlatformFeePercent, DefaultCat: catalog.DefaultTaxCategory,
		CanEdit: may(r, identity.WholesalePricing) && !v.ReadOnly()}
	vendors, next, err := h.id.ListOrganizations(ctx, identity.OrganizationFilter{Kind: identity.VendorOrg, Page: page.Request{Limit: page.MaxLimit}})
	if err != nil {
		return err
	}
	d.MoreFees = next != ""
	for _, o := range vendors {
		fee, err := h.bill.GetVendorFee(ctx, o.ID)
		if err != nil {
			return err
		}
		d.Fees = append(d.Fees, adminFeeRow{Vendor: o, Fee: fee})
	}
	v.Title = "Tax rates and fees"
	v.Data = d
	return h.render(w, r, v, "admin_tax_rates")
}

// adminTaxInput reads the tax rate form.
func adminTaxInput(r *http.Request) (billing.TaxRateInput, error) {
	f := r.PostForm
	country, category, name := f.Get("country"), f.Get("category"), f.Get("name")
	rc := f.Get("reverse_charge") == "1"
	in := billing.TaxRateInput{Country: &country, Category: &category, Name: &name, ReverseCharge: &rc}
	if strings.TrimSpace(category) == "" {
		c := catalog.DefaultTaxCategory
		in.Category = &c
	}
	raw := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f.Get("rate")), "%"))
	if raw == "" {
		return in, panelInvalid("rate", "required", "is required")
	}
	rate, err := money.ParseDecimal(raw)
	if err != nil {
		return in, panelInvalid("rate", "invalid_number", "is not a number, e.g. 22 or 5.5")
	}
	in.Rate = &rate
	return in, nil
}

// adminCreateTaxRate adds a tax rate.
func (h *handler) adminCreateTaxRate(w http.ResponseWriter, r *http.Request, v *view) error {
	fail := func(err error) error {
		err = panelCodeField(err, map[string]string{"tax_rate_exists": "category"})
		return h.formFailed(w, r, v, "taxrate", err, "/admin/tax-rates", h.adminTaxRates)
	}
	in, err := adminTaxInput(r)
	if err != nil {
		return fail(err)
	}
	rate, err := h.bill.CreateTaxRate(r.Context(), in)
	if err != nil {
		return fail(err)
	}
	return h.done(w, r, "/admin/tax-rates", fmt.Sprintf("The tax rate “%s” (%s %%) was added.", rate.Name, money.FormatDecimal(rate.Rate)))
}

// adminTaxRateData is a tax rate's edit page content.
type adminTaxRateData struct {
	Rate    billing.TaxRate
	CanEdit bool
}

// adminFindTaxRate finds the tax rate of the path.
func (h *handler) adminFindTaxRate(r *http.Request) (billing.TaxRate, error) {
	rates, err := h.bill.ListTaxRates(r.Context())
	if err != nil {
		return billing.TaxRate{}, err
	}
	for _, rt := range rates {
		if rt.ID == r.PathValue("id") {
			return rt, nil
		}
	}
	return billing.TaxRate{}, errs.NotFound("tax_rate_not_found", "no such tax rate")
}

// adminTaxRate shows a tax rate's edit form.
func (h *handler) adminTaxRate(w http.ResponseWriter, r *http.Request, v *view) error {
	rt, err := h.adminFindTaxRate(r)
	if err != nil {
		return err
	}
	v.Title = "Tax rate " + rt.Name
	v.Data = adminTaxRateData{Rate: rt, CanEdit: may(r, identity.WholesalePricing) && !v.ReadOnly()}
	return h.render(w, r, v, "admin_tax_rate")
}

// adminUpdateTaxRate changes a tax rate.
func (h *handler) adminUpdateTaxRate(w http.ResponseWriter, r *http.Request, v *view) error {
	rt, err := h.adminFindTaxRate(r)
	if err != nil {
		return err
	}
	back := "/admin/tax-rates/" + rt.ID
	fail := func(err error) error {
		err = panelCodeField(err, map[string]string{"tax_rate_exists": "category"})
		return h.formFailed(w, r, v, "taxrate", err, back, h.adminTaxRate)
	}
	in, err := adminTaxInput(r)
	if err != nil {
		return fail(err)
	}
	if _, err := h.bill.UpdateTaxRate(r.Context(), rt.ID, in); err != nil {
		return fail(err)
	}
	return h.done(w, r, "/admin/tax-rates", "The tax rate was saved. Invoices issued from now on use it.")
}

// adminDeleteTaxRate removes a tax rate.
func (h *handler) adminDeleteTaxRate(w http.ResponseWriter, r *http.Request, v *view) error {
	rt, err := h.adminFindTaxRate(r)
	if err != nil {
		return err
	}
	if err := h.bill.DeleteTaxRate(r.Context(), rt.ID); err != nil {
		return h.refused(w, r, err, "/admin/tax-rates")
	}
	return h.done(w, r, "/admin/tax-rates", fmt.Sprintf("The tax rate “%s” was removed.", rt.Name))
}

// adminSetVendorFee sets a vendor's platform fee (blank: the default).
func (h *handler) adminSetVendorFee(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	form := "fee-" + id
	var pct *money.Decimal
	if raw := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r.PostForm.Get("percent")), "%")); raw != "" {
		d, err := money.ParseDecimal(raw)
		if err != nil {
			return h.formFailed(w, r, v, form, panelInvalid("percent", "invalid_number", "is not a number, e.g. 15"), "/admin/tax-rates#fees", h.adminTaxRates)
		}
		pct = &d
	}
	fee, err := h.bill.SetVendorFee(r.Context(), id, pct)
	if err != nil {
		if errs.KindOf(err) == errs.KindNotFound {
			return err
		}
		return h.formFailed(w, r, v, form, err, "/admin/tax-rates#fees", h.adminTaxRates)
	}
	msg := fmt.Sprintf("The vendor's platform fee is now %s %%.", money.FormatDecimal(fee.Percent))
	if fee.Default {
		msg = "The vendor pays the marketplace's default platform fee again."
	}
	return h.done(w, r, "/admin/tax-rates#fees", msg)
}
