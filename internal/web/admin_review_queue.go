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

// adminReviewData is the review queue.
type adminReviewData struct {
	Page        string
	CanVendors  bool
	CanProducts bool
	Vendors     []adminVendorRow
	// MoreVendors and MoreProducts tell the lists were cut at their page.
	MoreVendors  bool
	Products     []adminReviewRow
	MoreProducts bool
}

// adminVendorRow is a vendor awaiting review, with its reject form.
type adminVendorRow struct {
	Vendor catalog.Vendor
	Reason formControl
	Errors formErrors
}

// adminReviewRow is a product awaiting review.
type adminReviewRow struct {
	Product catalog.Product
	Vendor  string
	Plans   int
}

func adminVendorForm(id string) string { return "vendor-" + id }

// adminReviewQueue shows what waits for the signed-in reviewer: vendors for
// holders of the vendor review function, products for holders of the
// product review function.
func (h *handler) adminReviewQueue(w http.ResponseWriter, r *http.Request, v *view) error {
	d := adminReviewData{Page: "queue", CanVendors: may(r, identity.VendorReview), CanProducts: may(r, identity.ProductReview)}
	if d.CanVendors {
		vendors, next, err := h.cat.ListVendors(r.Context(), catalog.VendorFilter{Status: catalog.VendorPending, Page: page.Request{Limit: page.MaxLimit}})
		if err != nil {
			return err
		}
		d.MoreVendors = next != ""
		slices.SortStableFunc(vendors, func(a, b catalog.Vendor) int { return a.SubmittedAt.Compare(b.SubmittedAt) })
		for _, vd := range vendors {
			b := newControlForm(v, adminVendorForm(vd.OrgID))
			row := adminVendorRow{Vendor: vd, Reason: b.textarea("reason", "Reason for rejecting "+vd.Name, "", 2).max(2000).
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
			d.Products = append(d.Products, adminReviewRow{Product: p, Vendor: o.Name, Plans: len(plans)})
		}
	}
	v.Title = "Review"
	v.Data = d
	return h.render(w, r, v, "admin_review_queue")
}

// adminReviewProductData is a product as it will appear, with the decision.
type adminReviewProductData struct {
	Page    string
	Product catalog.Product
	Status  reviewStatus
	Vendor  catalog.Vendor
	Plans   []planView
	// Description is split into paragraphs.
	Description []string
	CanDecide   bool
	Reason      formControl
	Errors      formErrors
}

const adminRejectForm = "reject"

// adminReviewProduct shows a product the way buyers will see it once
// published, with the approve and reject buttons.
func (h *handler) adminReviewProduct(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	p, err := h.cat.GetProduct(r.Context(), id)
	if err != nil {
		return err
	}
	if p.ID != id {
		return errProductNotFound
	}
	plans, err := h.cat.ListPlans(r.Context(), p.ID, false)
	if err != nil {
		return err
	}
	d := adminReviewProductData{Page: "product", Product: p, Status: productStatusOf(p), CanDecide: p.Status == catalog.InReview}
	if vd, err := h.cat.GetVendor(r.Context(), p.OwnerOrgID); err == nil {
		d.Vendor = vd
	} else {
		d.Vendor.Name = h.adminOrgName(r, p.OwnerOrgID)
	}
	slices.SortStableFunc(plans, func(a, b catalog.Plan) int { return a.Weight - b.Weight })
	for _, pl := range plans {
		d.Plans = append(d.Plans, h.planView(r.Context(), pl))
	}
	for _, para := range strings.Split(strings.ReplaceAll(p.Description, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			d.Description = append(d.Description, para)
		}
	}
	b := newControlForm(v, adminRejectForm)
	d.Reason = b.textarea("reason", "Reason for rejecting", "", 4).req().max(2000).short("The reason").
		hint("Tell the vendor what to change; they read this with the product back in draft.")
	d.Errors = b.errors()
	v.Title = "Review " + p.Name
	v.Data = d
	return h.render(w, r, v, "admin_review_queue")
}

func (h *handler) adminOrgName(r *http.Request, id string) string {
	o, err := h.id.GetOrganization(r.Context(), id)
	if err != nil {
		return ""
	}
	return o.Name
}

func (h *handler) adminApproveProduct(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	p, err := h.cat.ApproveProduct(r.Context(), id)
	if err != nil {
		return h.refused(w, r, err, "/admin/review/products/"+id)
	}
	return h.done(w, r, "/admin/review", fmt.Sprintf("“%s” is published: buyers can find it in the catalog.", p.Name))
}

func (h *handler) adminRejectProduct(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	p, err := h.cat.RejectProduct(r.Context(), id, r.PostForm.Get("reason"))
	if err != nil {
		return h.formFailed(w, r, v, adminRejectForm, err, "/admin/review/products/"+id, h.adminReviewProduct)
	}
	return h.done(w, r, "/admin/review", fmt.Sprintf("“%s” was sent back to its vendor with your reason.", p.Name))
}

func (h *handler) adminApproveVendor(w http.ResponseWriter, r *http.Request, v *view) error {
	vd, err := h.cat.ApproveVendor(r.Context(), r.PathValue("id"))
	if err != nil {
		return h.refused(w, r, err, "/admin/review")
	}
	return h.done(w, r, "/admin/review", fmt.Sprintf("The vendor “%s” is approved: it can now submit products.", vd.Name))
}

func (h *handler) adminRejectVendor(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	vd, err := h.cat.RejectVendor(r.Context(), id, r.PostForm.Get("reason"))
	if err != nil {
		return h.formFailed(w, r, v, adminVendorForm(id), err, "/admin/review", h.adminReviewQueue)
	}
	return h.done(w, r, "/admin/review", fmt.Sprintf("The vendor “%s” was rejected; it reads your reason when it signs in.", vd.Name))
}
