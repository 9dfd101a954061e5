package web

import (
	"net/http"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// adminReviewsData is the moderation page's content.
type adminReviewsData struct {
	Status      string
	Rows        []catalog.QueuedReview
	Next, First string
}

func (h *handler) adminReviewsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	if !may(r, identity.ProductReview) {
		return errs.Forbidden("permission_denied", "moderating reviews needs the product review function")
	}
	q := r.URL.Query()
	d := adminReviewsData{Status: q.Get("status")}
	if d.Status != catalog.ReviewPublished && d.Status != catalog.ReviewHidden {
		d.Status = ""
	}
	cursor := q.Get("cursor")
	rows, next, err := h.cat.ModerationQueue(r.Context(), catalog.ReviewFilter{Status: d.Status}, page.Request{Cursor: cursor})
	if err != nil {
		return err
	}
	d.Rows = rows
	d.Next, d.First = pageLinks("/admin/reviews", q, cursor, next)
	v.Title = "Reviews"
	v.Data = d
	return h.render(w, r, v, "admin_customer_reviews")
}

func (h *handler) adminHideReview(w http.ResponseWriter, r *http.Request, v *view) error {
	if _, err := h.cat.ModerateReview(r.Context(), r.PathValue("id"), true, r.PostForm.Get("note")); err != nil {
		return h.formFailed(w, r, v, "hide-"+r.PathValue("id"), err, "/admin/reviews", h.adminReviewsPage)
	}
	return h.done(w, r, "/admin/reviews", "Review hidden. Its author sees your note.")
}

func (h *handler) adminRestoreReview(w http.ResponseWriter, r *http.Request, v *view) error {
	if _, err := h.cat.ModerateReview(r.Context(), r.PathValue("id"), false, ""); err != nil {
		return h.refused(w, r, err, "/admin/reviews")
	}
	return h.done(w, r, "/admin/reviews", "Review published again.")
}
