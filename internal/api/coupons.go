package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// CreateCouponRequest creates a coupon.
type CreateCouponRequest struct {
	Code           string         `json:"code,omitempty" maxLength:"40" doc:"3-40 letters, digits, - or _ (upper-cased); generated when absent."`
	Kind           string         `json:"kind" enum:"discount_percent,discount_amount,fixed_price,extended_trial"`
	Scope          string         `json:"scope,omitempty" enum:"licence,licence_extras,total" doc:"What a discount applies to (default licence)."`
	Percent        money.Decimal  `json:"percent,omitempty" doc:"discount_percent: more than 0, at most 100."`
	Amount         money.Decimal  `json:"amount,omitempty" doc:"discount_amount: per period, in currency."`
	FixedPrice     money.Decimal  `json:"fixed_price,omitempty" doc:"fixed_price: the licence price per period, in currency."`
	Currency       string         `json:"currency,omitempty" maxLength:"3"`
	TrialDays      int            `json:"trial_days,omitempty" doc:"extended_trial: the trial's length."`
	Usage          string         `json:"usage,omitempty" enum:"one_time,reusable" doc:"one_time: usable once overall, by whoever holds the code. Default reusable."`
	MaxRedemptions *int           `json:"max_redemptions,omitempty" doc:"A reusable coupon's limit."`
	Budget         *money.Decimal `json:"budget,omitempty" doc:"extended_trial: each use draws the trial's infrastructure cost; refused when spent."`
	TargetEmail    string         `json:"target_email,omitempty" maxLength:"254" doc:"Only the customer with a user of this email may use it."`
	ValidFrom      *time.Time     `json:"valid_from,omitempty"`
	ValidUntil     *time.Time     `json:"valid_until,omitempty" doc:"Redemption ends; a recurring discount stops for periods starting from then."`
	Plans          []string       `json:"plans,omitempty" maxItems:"100" doc:"Restrict to these plans; empty: every plan the owner may discount."`
}

type couponBody struct {
	Body catalog.Coupon
}

// CouponIDPath is the path parameter of one coupon.
type CouponIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"Coupon id (cpn_...)."`
}

// UpdateCouponRequest changes a coupon's window end, limit and target;
// omitted fields are left alone.
type UpdateCouponRequest struct {
	ValidUntil     *time.Time `json:"valid_until,omitempty"`
	MaxRedemptions *int       `json:"max_redemptions,omitempty"`
	TargetEmail    *string    `json:"target_email,omitempty" maxLength:"254"`
}

type couponPage struct {
	Body Page[catalog.Coupon]
}

type listCouponsInput struct {
	PageParams
}

type createCouponInput struct {
	Body CreateCouponRequest
}

type updateCouponInput struct {
	CouponIDPath
	Body UpdateCouponRequest
}

// couponHandlers serve coupons.
type couponHandlers struct {
	svc *catalog.Service
}

func registerCoupons(a *API, svc *catalog.Service) {
	h := couponHandlers{svc}
	tags := []string{"Coupons"}
	Register(a, huma.Operation{
		OperationID: "list-coupons", Method: http.MethodGet, Path: "/coupons", Tags: tags,
		Summary: "List coupons", Description: "The caller's organization's coupons (staff: all), newest first.",
	}, h.list)
	Register(a, huma.Operation{
		OperationID: "create-coupon", Method: http.MethodPost, Path: "/coupons", Tags: tags,
		Summary: "Create a coupon",
		Description: "Admins make coupons for any plan, vendors for their own plans, resellers and distributors for what they offer " +
			"to their own customers. Kinds: discount (percent or amount), fixed price (a private deal), extended trial.",
		DefaultStatus: http.StatusCreated,
	}, h.create)
	Register(a, huma.Operation{
		OperationID: "get-coupon", Method: http.MethodGet, Path: "/coupons/{id}", Tags: tags, Summary: "Get a coupon",
	}, h.get)
	Register(a, huma.Operation{
		OperationID: "update-coupon", Method: http.MethodPatch, Path: "/coupons/{id}", Tags: tags,
		Summary: "Change a coupon", Description: "Its window end, limit and target; a coupon's kind and value never change.",
	}, h.update)
	Register(a, huma.Operation{
		OperationID: "disable-coupon", Method: http.MethodDelete, Path: "/coupons/{id}", Tags: tags,
		Summary: "Disable a coupon", Description: "It can no longer be used; redemptions already made stand.",
		DefaultStatus: http.StatusNoContent,
	}, h.disable)
}

func (h couponHandlers) list(ctx context.Context, in *listCouponsInput) (*couponPage, error) {
	cs, next, err := h.svc.ListCoupons(ctx, page.Request{Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return nil, err
	}
	return &couponPage{Page[catalog.Coupon]{Data: page.NonNil(cs), NextCursor: next}}, nil
}

func (h couponHandlers) create(ctx context.Context, in *createCouponInput) (*couponBody, error) {
	b := in.Body
	c, err := h.svc.CreateCoupon(ctx, catalog.CouponInput{Code: b.Code, Kind: b.Kind, Scope: b.Scope, Percent: b.Percent, Amount: b.Amount,
		FixedPrice: b.FixedPrice, Currency: b.Currency, TrialDays: b.TrialDays, Usage: b.Usage, MaxRedemptions: b.MaxRedemptions,
		Budget: b.Budget, TargetEmail: b.TargetEmail, ValidFrom: b.ValidFrom, ValidUntil: b.ValidUntil, Plans: b.Plans})
	if err != nil {
		return nil, err
	}
	return &couponBody{c}, nil
}

func (h couponHandlers) get(ctx context.Context, in *CouponIDPath) (*couponBody, error) {
	c, err := h.svc.GetCoupon(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &couponBody{c}, nil
}

func (h couponHandlers) update(ctx context.Context, in *updateCouponInput) (*couponBody, error) {
	c, err := h.svc.UpdateCoupon(ctx, in.ID, catalog.UpdateCouponInput{ValidUntil: in.Body.ValidUntil, MaxRedemptions: in.Body.MaxRedemptions,
		TargetEmail: in.Body.TargetEmail})
	if err != nil {
		return nil, err
	}
	return &couponBody{c}, nil
}

func (h couponHandlers) disable(ctx context.Context, in *CouponIDPath) (*noContent, error) {
	_, err := h.svc.DisableCoupon(ctx, in.ID)
	return nil, err
}

// RegisterCatalog registers the catalog resources: vendors, products,
// plans, coupons and reviews.
func RegisterCatalog(a *API, svc *catalog.Service) {
	registerVendors(a, svc)
	registerProducts(a, svc)
	registerPlans(a, svc)
	registerCoupons(a, svc)
	registerReviews(a, svc)
}
