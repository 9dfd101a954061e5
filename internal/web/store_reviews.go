package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// storeReviews is the product page's reviews: the summary, the latest
// published ones, and the viewer's own (with the form to write it).
type storeReviews struct {
	Summary catalog.ReviewSummary
	List    []catalog.Review
	More    bool
	// Mine is the viewer's organization's review, if written.
	Mine *catalog.Review
	// CanWrite: the viewer is a customer's user; the service still checks
	// it holds a subscription of the product.
	CanWrite bool
}

// Choices are the ratings to choose from, best first.
func (storeReviews) Choices() []int { return []int{5, 4, 3, 2, 1} }

// Bars is the share of each rating, five stars first, for the summary.
func (s storeReviews) Bars() []struct{ Stars, Count, Percent int } {
	out := make([]struct{ Stars, Count, Percent int }, 5)
	for i := range 5 {
		n := s.Summary.Stars[4-i]
		out[i].Stars, out[i].Count = 5-i, n
		if s.Summary.Count > 0 {
			out[i].Percent = n * 100 / s.Summary.Count
		}
	}
	return out
}

// storeReviewsOf reads the reviews shown on a product page.
func (h *handler) storeReviewsOf(r *http.Request, p catalog.Product) (storeReviews, error) {
	ctx := r.Context()
	var out storeReviews
	var err error
	if out.Summary, err = h.cat.SummarizeReviews(ctx, p.ID); err != nil {
		return out, err
	}
	list, next, err := h.cat.ListReviews(ctx, p.ID, page.Request{Limit: 10})
	if err != nil {
		return out, err
	}
	out.List, out.More = list, next != ""
	if s := currentUser(r); s != nil && s.Actor.OrgKind == string(identity.CustomerOrg) {
		out.CanWrite = true
		mine, ok, err := h.cat.MyReview(ctx, p.ID)
		if err != nil {
			return out, err
		}
		if ok {
			out.Mine = &mine
		}
	}
	return out, nil
}

// storeSubmitReview writes the customer's review of a product.
func (h *handler) storeSubmitReview(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	back := "/products/" + id + "#reviews"
	rating, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("rating")))
	if err != nil {
		rating = 0 // refused by the service as out of range, next to the field
	}
	_, err = h.cat.SubmitReview(r.Context(), id, catalog.ReviewInput{Rating: rating, Title: r.PostForm.Get("title"), Body: r.PostForm.Get("body")})
	if err != nil {
		if errs.KindOf(err) == errs.KindForbidden {
			return h.refused(w, r, err, back)
		}
		return h.formFailed(w, r, v, "review", err, back, h.storeProductPage)
	}
	return h.done(w, r, back, "Thank you: your review is published.")
}
