package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// The admin's review queue: vendors who registered and wait for approval,
// and products submitted for review, each approved or rejected with a
// reason through catalog.Service, as the API does.

// obReviewData is the review queue.
type obReviewData struct {
	Page        string
	CanVendors  bool
	CanProducts bool
	Vendors     []obVendorRow
	// MoreVendors and MoreProducts tell the lists were cut at their page.
	MoreVendors  bool
	Products     []obReviewRow
	MoreProducts bool
}

// obVendorRow is a vendor awaiting review, with its reject form.
type obVendorRow struct {
	Vendor catalog.Vendor
	Reason obControl
	Errors obErrors
}

// obReviewRow is a product awaiting review.
type obReviewRow struct {
	Product catalog.Product
	Vendor  string
	Plans   int
}

func obVendorForm(id string) string { return "vendor-" + id }

// obReview shows what waits for the signed-in reviewer: vendors for
// holders of the vendor review function, products for holders of the
// product review function.
func (h *handler) obReview(w http.ResponseWriter, r *http.Request, v *view) error {
	d := obReviewData{Page: "queue", CanVendors: may(r, identity.VendorReview), CanProducts: may(r, identity.ProductReview)}
	if d.CanVendors {
		vendors, next, err := h.cat.ListVendors(r.Context(), catalog.VendorFilter{Status: catalog.VendorPending, Page: page.Request{Limit: page.MaxLimit}})
		if err != nil {
			return err
		}
		d.MoreVendors = next != ""
		slices.SortStableFunc(vendors, func(a, b catalog.Vendor) int { return a.SubmittedAt.Compare(b.SubmittedAt) })
		for _, vd := range vendors {
			b := newObForm(v, obVendorForm(vd.OrgID))
			row := obVendorRow{Vendor: vd, Reason: b.textarea("reason", "Reason for rejecting "+vd.Name, "", 2).max(2000).
				short("The reason").hint("The vendor reads it.")}
			row.Errors = b.errors()
			d.Vendors = append(d.Vendors, row)
		}
	}
	if d.CanProducts {
		list, next, err := h.cat.SearchProducts(r.Context(), catalog.ProductFilter{Status: catalog.InReview, Page: page.Request{Limit: page.MaxLimit}})
		if err != nil {
			return err
		}
		d.MoreProducts = next != ""
		slices.SortStableFunc(list, func(a, b catalog.Product) int {
			if a.SubmittedAt == nil || b.SubmittedAt == nil {
				return 0
			}
			return a.SubmittedAt.Compare(*b.SubmittedAt)
		})
		orgs := orgCache{id: h.id}
		for _, p := range list {
			o, err := orgs.get(r.Context(), p.OwnerOrgID)
			if err != nil {
				return err
			}
			plans, err := h.cat.ListPlans(r.Context(), p.ID, false)
			if err != nil {
				return err
			}
			d.Products = append(d.Products, obReviewRow{Product: p, Vendor: o.Name, Plans: len(plans)})
		}
	}
	v.Title = "Review"
	v.Data = d
	return h.render(w, r, v, "onboarding_review")
}

// obReviewProductData is a product as it will appear, with the decision.
type obReviewProductData struct {
	Page    string
	Product catalog.Product
	Status  obStatus
	Vendor  catalog.Vendor
	Plans   []obPlanView
	// Description is split into paragraphs.
	Description []string
	CanDecide   bool
	Reason      obControl
	Errors      obErrors
}

const obRejectForm = "reject"

// obReviewProduct shows a product the way buyers will see it once
// published, with the approve and reject buttons.
func (h *handler) obReviewProduct(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	p, err := h.cat.GetProduct(r.Context(), id)
	if err != nil {
		return err
	}
	if p.ID != id {
		return errOBNotFound
	}
	plans, err := h.cat.ListPlans(r.Context(), p.ID, false)
	if err != nil {
		return err
	}
	d := obReviewProductData{Page: "product", Product: p, Status: obProductStatus(p), CanDecide: p.Status == catalog.InReview}
	if vd, err := h.cat.GetVendor(r.Context(), p.OwnerOrgID); err == nil {
		d.Vendor = vd
	} else {
		d.Vendor.Name = h.obOrgName(r, p.OwnerOrgID)
	}
	slices.SortStableFunc(plans, func(a, b catalog.Plan) int { return a.Weight - b.Weight })
	for _, pl := range plans {
		d.Plans = append(d.Plans, h.obPlanView(r.Context(), pl))
	}
	for _, para := range strings.Split(strings.ReplaceAll(p.Description, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			d.Description = append(d.Description, para)
		}
	}
	b := newObForm(v, obRejectForm)
	d.Reason = b.textarea("reason", "Reason for rejecting", "", 4).req().max(2000).short("The reason").
		hint("Tell the vendor what to change; they read this with the product back in draft.")
	d.Errors = b.errors()
	v.Title = "Review " + p.Name
	v.Data = d
	return h.render(w, r, v, "onboarding_review")
}

func (h *handler) obOrgName(r *http.Request, id string) string {
	o, err := h.id.GetOrganization(r.Context(), id)
	if err != nil {
		return ""
	}
	return o.Name
}

func (h *handler) obApproveProduct(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	p, err := h.cat.ApproveProduct(r.Context(), id)
	if err != nil {
		return h.refused(w, r, err, "/admin/review/products/"+id)
	}
	return h.done(w, r, "/admin/review", fmt.Sprintf("“%s” is published: buyers can find it in the catalog.", p.Name))
}

func (h *handler) obRejectProduct(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	p, err := h.cat.RejectProduct(r.Context(), id, r.PostForm.Get("reason"))
	if err != nil {
		return h.formFailed(w, r, v, obRejectForm, err, "/admin/review/products/"+id, h.obReviewProduct)
	}
	return h.done(w, r, "/admin/review", fmt.Sprintf("“%s” was sent back to its vendor with your reason.", p.Name))
}

func (h *handler) obApproveVendor(w http.ResponseWriter, r *http.Request, v *view) error {
	vd, err := h.cat.ApproveVendor(r.Context(), r.PathValue("id"))
	if err != nil {
		return h.refused(w, r, err, "/admin/review")
	}
	return h.done(w, r, "/admin/review", fmt.Sprintf("The vendor “%s” is approved: it can now submit products.", vd.Name))
}

func (h *handler) obRejectVendor(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	vd, err := h.cat.RejectVendor(r.Context(), id, r.PostForm.Get("reason"))
	if err != nil {
		return h.formFailed(w, r, v, obVendorForm(id), err, "/admin/review", h.obReview)
	}
	return h.done(w, r, "/admin/review", fmt.Sprintf("The vendor “%s” was rejected; it reads your reason when it signs in.", vd.Name))
}
