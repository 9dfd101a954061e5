package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// PriceCatalogRequest creates or changes a price catalog; on update omitted
// fields are left alone.
type PriceCatalogRequest struct {
	Name        *string                `json:"name,omitempty" maxLength:"100"`
	Markups     *pricing.ChargeMarkups `json:"markups,omitempty" doc:"Default markups over what the owner buys at, per charge type (one_off, recurring, extras, usage, iaas); each a percent or a fixed value."`
	AllProducts *bool                  `json:"all_products,omitempty" doc:"Offer everything the owner may sell (default), or only the products added one by one."`
	SelfBilled  *bool                  `json:"self_billed,omitempty" doc:"Sell-out only: the seller bills its customers itself."`
	IsDefault   *bool                  `json:"is_default,omitempty" doc:"The catalog buyers of this tier buy from unless assigned another."`
}

// CreatePriceCatalogRequest creates a price catalog.
type CreatePriceCatalogRequest struct {
	PriceCatalogRequest
	Tier       string `json:"tier" enum:"wholesale,sell_in,sell_out" doc:"Who buys from it: distributors, resellers or customers."`
	OwnerOrgID string `json:"owner_org_id,omitempty" maxLength:"64" doc:"Staff may create catalogs for a channel party."`
}

func (r PriceCatalogRequest) input() channel.PriceCatalogInput {
	return channel.PriceCatalogInput{Name: r.Name, Markups: r.Markups, AllProducts: r.AllProducts, SelfBilled: r.SelfBilled, IsDefault: r.IsDefault}
}

// PlanRuleRequest prices one plan in a catalog instead of its default
// markups; with neither field the rule is removed.
type PlanRuleRequest struct {
	Markups  *pricing.ChargeMarkups     `json:"markups,omitempty"`
	Override *pricing.PlanPriceOverride `json:"override,omitempty" doc:"The catalog's own prices for the plan (e.g. a reseller's sell-out price); set fields win over markups."`
}

// QuoteRequest asks what a plan would cost.
type QuoteRequest struct {
	PlanID        string                   `json:"plan_id" maxLength:"64" doc:"A plan or bundle plan; any version prices the current one."`
	Quantities    map[string]money.Decimal `json:"quantities,omitempty" doc:"Extra resource id → quantity. Required extras default to their minimum."`
	CouponCode    string                   `json:"coupon_code,omitempty" maxLength:"40"`
	Periods       int                      `json:"periods,omitempty" doc:"Order duration in billing periods; a multiple of the plan's minimum (default: the minimum)."`
	CustomerOrgID string                   `json:"customer_org_id,omitempty" maxLength:"64" doc:"The buying customer, for resellers, distributors and staff quoting on a customer's behalf."`
	SellerOrgID   string                   `json:"seller_org_id,omitempty" maxLength:"64" doc:"For anonymous visitors: whose marketplace (default the marketplace owner's)."`
	Type          string                   `json:"type,omitempty" enum:"normal,trial" doc:"normal (default) buys at once; trial quotes the plan's free trial, the first period starting when it ends. The same body can be posted to /orders."`
}

type catalogBody struct {
	Body channel.PriceCatalog
}

// CatalogIDPath is the path parameter of one price catalog.
type CatalogIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"Price catalog id (pcat_...)."`
}

// PriceCatalogList is every price catalog the caller sees.
type PriceCatalogList struct {
	Data []channel.PriceCatalog `json:"data" nullable:"false"`
}

// PlanPriceList is every plan a catalog offers with its prices.
type PlanPriceList struct {
	Data []channel.PlanPrice `json:"data" nullable:"false"`
}

// AssignBuyerCatalogRequest makes a buyer buy from a catalog.
type AssignBuyerCatalogRequest struct {
	CatalogID string `json:"catalog_id" maxLength:"64"`
}

type priceCatalogListBody struct {
	Body PriceCatalogList
}

type planPriceListBody struct {
	Body PlanPriceList
}

type planRuleBody struct {
	Body channel.PlanRule
}

type assignmentBody struct {
	Body channel.Assignment
}

type chainBody struct {
	Body channel.Chain
}

type quoteBody struct {
	Body channel.Quote
}

type createPriceCatalogInput struct {
	Body CreatePriceCatalogRequest
}

type updatePriceCatalogInput struct {
	CatalogIDPath
	Body PriceCatalogRequest
}

type productOfferInput struct {
	CatalogIDPath
	ProductID string `path:"product_id" maxLength:"64"`
}

type setPlanRuleInput struct {
	CatalogIDPath
	PlanID string `path:"plan_id" maxLength:"64"`
	Body   PlanRuleRequest
}

type assignBuyerCatalogInput struct {
	OrgIDPath
	Body AssignBuyerCatalogRequest
}

type priceChainInput struct {
	PlanID     string `query:"plan_id" required:"true" maxLength:"64"`
	BuyerOrgID string `query:"buyer_org_id" required:"true" maxLength:"64"`
}

type createQuoteInput struct {
	Body QuoteRequest
}

// channelHandlers serve the channel resources.
type channelHandlers struct {
	svc *channel.Service
}

// RegisterChannel registers the channel resources: price catalogs, their
// assignments, the price chain and quotes, and the plan reads (plans are
// priced for their viewer along the channel).
func RegisterChannel(a *API, svc *channel.Service) {
	h := channelHandlers{svc}
	registerPlanReads(a, h)
	registerPriceCatalogs(a, h)
	tags := []string{"Channel pricing"}
	Register(a, huma.Operation{
		OperationID: "get-buyer-catalog", Method: http.MethodGet, Path: "/organizations/{id}/price-catalog", Tags: tags,
		Summary: "Which catalog an organization buys from",
	}, h.getBuyerCatalog)
	Register(a, huma.Operation{
		OperationID: "assign-buyer-catalog", Method: http.MethodPut, Path: "/organizations/{id}/price-catalog", Tags: tags,
		Summary:     "Assign a buyer's catalog",
		Description: "The seller (the buyer's parent organization) makes it buy from one of its catalogs of the buyer's tier; an empty catalog_id goes back to the default.",
	}, h.assignBuyerCatalog)
	Register(a, huma.Operation{
		OperationID: "get-price-chain", Method: http.MethodGet, Path: "/price-chain", Tags: tags,
		Summary: "A plan's price along the channel",
		Description: "For staff: what the buyer pays and what every party pays the one above (vendor list price, wholesale, sell-in, " +
			"sell-out). Parties read their own prices through their catalogs.",
	}, h.getPriceChain)
	Register(a, huma.Operation{
		OperationID: "create-quote", Method: http.MethodPost, Path: "/quotes", Tags: []string{"Quotes"},
		Summary: "Price an order",
		Description: "Every line of the first invoice (setup fee, licence, infrastructure, each extra resource with its scheme " +
			"breakdown, bundle components and savings, the coupon's effect), the recurring amount per period, the total for the chosen " +
			"duration and the trial terms, at the buyer's price along the channel. Checkout and orders price through this same path. " +
			"Anonymous visitors get a marketplace's public price. Nothing is stored.",
		Metadata: map[string]any{"public": true},
	}, h.createQuote)
}

// registerPriceCatalogs registers the price catalogs and what they offer.
func registerPriceCatalogs(a *API, h channelHandlers) {
	tags := []string{"Channel pricing"}
	Register(a, huma.Operation{
		OperationID: "list-price-catalogs", Method: http.MethodGet, Path: "/price-catalogs", Tags: tags,
		Summary: "List price catalogs",
		Description: "The caller organization's catalogs and the one it buys from (relation buyer: markups hidden). Staff see all. " +
			"The marketplace owner sells at wholesale to distributors, a distributor at sell-in to resellers, and anyone at sell-out to customers.",
	}, h.listPriceCatalogs)
	Register(a, huma.Operation{
		OperationID: "create-price-catalog", Method: http.MethodPost, Path: "/price-catalogs", Tags: tags,
		Summary: "Create a price catalog", Description: "Needs the pricing function of the tier (wholesale, sell-in or sell-out pricing).",
		DefaultStatus: http.StatusCreated,
	}, h.createPriceCatalog)
	Register(a, huma.Operation{
		OperationID: "get-price-catalog", Method: http.MethodGet, Path: "/price-catalogs/{id}", Tags: tags, Summary: "Get a price catalog",
	}, h.getPriceCatalog)
	Register(a, huma.Operation{
		OperationID: "update-price-catalog", Method: http.MethodPatch, Path: "/price-catalogs/{id}", Tags: tags,
		Summary: "Change a price catalog", Description: "Price changes apply to new subscriptions and at renewal, never to running ones.",
	}, h.updatePriceCatalog)
	Register(a, huma.Operation{
		OperationID: "archive-price-catalog", Method: http.MethodDelete, Path: "/price-catalogs/{id}", Tags: tags,
		Summary: "Archive a price catalog", Description: "Not the default, and nobody assigned to it.", DefaultStatus: http.StatusNoContent,
	}, h.archivePriceCatalog)
	Register(a, huma.Operation{
		OperationID: "list-catalog-prices", Method: http.MethodGet, Path: "/price-catalogs/{id}/prices", Tags: tags,
		Summary: "Prices of a catalog",
		Description: "Every plan the catalog offers with its prices: the owner sees what it buys and sells at, a buyer only what it buys at. " +
			"Nobody sees the prices of the parties above the one they buy from.",
	}, h.listCatalogPrices)
	Register(a, huma.Operation{
		OperationID: "offer-product", Method: http.MethodPut, Summary: "Offer a product",
		Description: "Adds a product to a catalog that lists its products; the catalog the owner buys from must offer it.",
		Path:        "/price-catalogs/{id}/products/{product_id}", Tags: tags,
	}, h.offerProduct)
	Register(a, huma.Operation{
		OperationID: "withdraw-product-offer", Method: http.MethodDelete, Summary: "Stop offering a product",
		Path: "/price-catalogs/{id}/products/{product_id}", Tags: tags,
	}, h.withdrawProductOffer)
	Register(a, huma.Operation{
		OperationID: "set-plan-rule", Method: http.MethodPut, Path: "/price-catalogs/{id}/plans/{plan_id}", Tags: tags,
		Summary:     "Price a plan in a catalog",
		Description: "Other markups and/or the catalog's own prices for one plan. Checked at once by pricing the plan through the channel.",
	}, h.setPlanRule)
}

func (h channelHandlers) listPriceCatalogs(ctx context.Context, _ *noInput) (*priceCatalogListBody, error) {
	cs, err := h.svc.ListPriceCatalogs(ctx)
	if err != nil {
		return nil, err
	}
	return &priceCatalogListBody{PriceCatalogList{Data: page.NonNil(cs)}}, nil
}

func (h channelHandlers) createPriceCatalog(ctx context.Context, in *createPriceCatalogInput) (*catalogBody, error) {
	ci := in.Body.input()
	ci.Tier, ci.OwnerOrgID = in.Body.Tier, in.Body.OwnerOrgID
	c, err := h.svc.CreatePriceCatalog(ctx, ci)
	if err != nil {
		return nil, err
	}
	return &catalogBody{c}, nil
}

func (h channelHandlers) getPriceCatalog(ctx context.Context, in *CatalogIDPath) (*catalogBody, error) {
	c, err := h.svc.GetPriceCatalog(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &catalogBody{c}, nil
}

func (h channelHandlers) updatePriceCatalog(ctx context.Context, in *updatePriceCatalogInput) (*catalogBody, error) {
	c, err := h.svc.UpdatePriceCatalog(ctx, in.ID, in.Body.input())
	if err != nil {
		return nil, err
	}
	return &catalogBody{c}, nil
}

func (h channelHandlers) archivePriceCatalog(ctx context.Context, in *CatalogIDPath) (*noContent, error) {
	_, err := h.svc.ArchivePriceCatalog(ctx, in.ID)
	return nil, err
}

func (h channelHandlers) listCatalogPrices(ctx context.Context, in *CatalogIDPath) (*planPriceListBody, error) {
	ps, err := h.svc.CatalogPrices(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &planPriceListBody{PlanPriceList{Data: ps}}, nil
}

func (h channelHandlers) offerProduct(ctx context.Context, in *productOfferInput) (*catalogBody, error) {
	return h.setProductOffered(ctx, in, true)
}

func (h channelHandlers) withdrawProductOffer(ctx context.Context, in *productOfferInput) (*catalogBody, error) {
	return h.setProductOffered(ctx, in, false)
}

func (h channelHandlers) setProductOffered(ctx context.Context, in *productOfferInput, offer bool) (*catalogBody, error) {
	c, err := h.svc.SetProductOffered(ctx, in.ID, in.ProductID, offer)
	if err != nil {
		return nil, err
	}
	return &catalogBody{c}, nil
}

func (h channelHandlers) setPlanRule(ctx context.Context, in *setPlanRuleInput) (*planRuleBody, error) {
	r, err := h.svc.SetPlanRule(ctx, in.ID, in.PlanID, in.Body.Markups, in.Body.Override)
	if err != nil {
		return nil, err
	}
	return &planRuleBody{r}, nil
}

func (h channelHandlers) getBuyerCatalog(ctx context.Context, in *OrgIDPath) (*assignmentBody, error) {
	as, err := h.svc.GetAssignment(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &assignmentBody{as}, nil
}

func (h channelHandlers) assignBuyerCatalog(ctx context.Context, in *assignBuyerCatalogInput) (*assignmentBody, error) {
	as, err := h.svc.AssignCatalog(ctx, in.ID, in.Body.CatalogID)
	if err != nil {
		return nil, err
	}
	return &assignmentBody{as}, nil
}

func (h channelHandlers) getPriceChain(ctx context.Context, in *priceChainInput) (*chainBody, error) {
	c, err := h.svc.Resolve(ctx, in.PlanID, in.BuyerOrgID)
	if err != nil {
		return nil, err
	}
	return &chainBody{c}, nil
}

func (h channelHandlers) createQuote(ctx context.Context, in *createQuoteInput) (*quoteBody, error) {
	b := in.Body
	q, err := h.svc.Quote(ctx, channel.QuoteInput{PlanID: b.PlanID, Quantities: b.Quantities, CouponCode: b.CouponCode, Periods: b.Periods,
		CustomerOrgID: b.CustomerOrgID, SellerOrgID: b.SellerOrgID, Trial: b.Type == "trial"})
	if err != nil {
		return nil, err
	}
	return &quoteBody{q}, nil
}
