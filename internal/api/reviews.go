package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// ReviewRequest writes the caller's review of a product.
type ReviewRequest struct {
	Rating int    `json:"rating" minimum:"1" maximum:"5" doc:"1 to 5 stars."`
	Title  string `json:"title,omitempty" maxLength:"120"`
	Body   string `json:"body,omitempty" maxLength:"4000"`
}

// ModerateReviewRequest hides a review.
type ModerateReviewRequest struct {
	Note string `json:"note" maxLength:"500" doc:"Why the review is hidden; its author sees it."`
}

// ReviewIDPath is the path parameter of one review.
type ReviewIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"Review id (rvw_...)."`
}

// ReviewPage is a page of a product's reviews with their summary.
type ReviewPage struct {
	Summary    catalog.ReviewSummary `json:"summary"`
	Data       []catalog.Review      `json:"data"`
	NextCursor string                `json:"next_cursor,omitempty"`
}

type reviewBody struct {
	Body catalog.Review
}

type reviewPageBody struct {
	Body ReviewPage
}

type listReviewsInput struct {
	ProductIDPath
	PageParams
}

type submitReviewInput struct {
	ProductIDPath
	Body ReviewRequest
}

type hideReviewInput struct {
	ReviewIDPath
	Body ModerateReviewRequest
}

// reviewHandlers serve product reviews and their moderation.
type reviewHandlers struct {
	svc *catalog.Service
}

func registerReviews(a *API, svc *catalog.Service) {
	h := reviewHandlers{svc}
	tags := []string{"Reviews"}
	Register(a, huma.Operation{
		OperationID: "list-product-reviews", Method: http.MethodGet, Path: "/products/{id}/reviews", Tags: tags,
		Summary:     "List a product's reviews",
		Description: "Published reviews, newest first, with the count and average rating. Staff also see hidden ones and why.",
	}, h.list)
	Register(a, huma.Operation{
		OperationID: "submit-product-review", Method: http.MethodPut, Path: "/products/{id}/reviews/mine", Tags: tags,
		Summary: "Write your organization's review of a product",
		Description: "One review per customer organization and product, replaced when written again. Only customers holding a " +
			"subscription of the product (trialing, active or suspended) may review it (403 no_subscription).",
	}, h.submit)
	Register(a, huma.Operation{
		OperationID: "hide-review", Method: http.MethodPost, Path: "/reviews/{id}/hide", Tags: tags,
		Summary: "Hide a review", Description: "Moderation: needs the product review function.",
	}, h.hide)
	Register(a, huma.Operation{
		OperationID: "restore-review", Method: http.MethodPost, Path: "/reviews/{id}/restore", Tags: tags,
		Summary: "Publish a hidden review again", Description: "Moderation: needs the product review function.",
	}, h.restore)
}

func (h reviewHandlers) list(ctx context.Context, in *listReviewsInput) (*reviewPageBody, error) {
	rs, next, err := h.svc.ListReviews(ctx, in.ID, page.Request{Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return nil, err
	}
	sum, err := h.svc.SummarizeReviews(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &reviewPageBody{ReviewPage{Summary: sum, Data: page.NonNil(rs), NextCursor: next}}, nil
}

func (h reviewHandlers) submit(ctx context.Context, in *submitReviewInput) (*reviewBody, error) {
	r, err := h.svc.SubmitReview(ctx, in.ID, catalog.ReviewInput{Rating: in.Body.Rating, Title: in.Body.Title, Body: in.Body.Body})
	if err != nil {
		return nil, err
	}
	return &reviewBody{r}, nil
}

func (h reviewHandlers) hide(ctx context.Context, in *hideReviewInput) (*reviewBody, error) {
	r, err := h.svc.ModerateReview(ctx, in.ID, true, in.Body.Note)
	if err != nil {
		return nil, err
	}
	return &reviewBody{r}, nil
}

func (h reviewHandlers) restore(ctx context.Context, in *ReviewIDPath) (*reviewBody, error) {
	r, err := h.svc.ModerateReview(ctx, in.ID, false, "")
	if err != nil {
		return nil, err
	}
	return &reviewBody{r}, nil
}
