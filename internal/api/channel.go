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

// RegisterChannel registers the channel resources: price catalogs, their
// assignments, the price chain and quotes, and the plan reads (plans are
// priced for their viewer along the channel).
func RegisterChannel(a *API, svc *channel.Service) {
	registerPlanReads(a, svc)
	tags := []string{"Channel pricing"}
	Register(a, huma.Operation{
		OperationID: "list-price-catalogs", Method: http.MethodGet, Path: "/price-catalogs", Tags: tags,
		Summary: "List price catalogs",
		Description: "The caller organization's catalogs and the one it buys from (relation buyer: markups hidden). Staff see all. " +
			"The marketplace owner sells at wholesale to distributors, a distributor at sell-in to resellers, and anyone at sell-out to customers.",
	}, func(ctx context.Context, _ *struct{}) (*struct {
		Body struct {
			Data []channel.PriceCatalog `json:"data" nullable:"false"`
		}
	}, error) {
		cs, err := svc.ListPriceCatalogs(ctx)
		if err != nil {
			return nil, err
		}
		out := &struct {
			Body struct {
				Data []channel.PriceCatalog `json:"data" nullable:"false"`
			}
		}{}
		out.Body.Data = page.NonNil(cs)
		return out, nil
	})

	Register(a, huma.Operation{
		OperationID: "create-price-catalog", Method: http.MethodPost, Path: "/price-catalogs", Tags: tags,
		Summary: "Create a price catalog", Description: "Needs the pricing function of the tier (wholesale, sell-in or sell-out pricing).",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct{ Body CreatePriceCatalogRequest }) (*catalogBody, error) {
		ci := in.Body.input()
		ci.Tier, ci.OwnerOrgID = in.Body.Tier, in.Body.OwnerOrgID
		c, err := svc.CreatePriceCatalog(ctx, ci)
		if err != nil {
			return nil, err
		}
		return &catalogBody{c}, nil
	})

	Register(a, huma.Operation{
		OperationID: "get-price-catalog", Method: http.MethodGet, Path: "/price-catalogs/{id}", Tags: tags, Summary: "Get a price catalog",
	}, func(ctx context.Context, in *CatalogIDPath) (*catalogBody, error) {
		c, err := svc.GetPriceCatalog(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &catalogBody{c}, nil
	})

	Register(a, huma.Operation{
		OperationID: "update-price-catalog", Method: http.MethodPatch, Path: "/price-catalogs/{id}", Tags: tags,
		Summary: "Change a price catalog", Description: "Price changes apply to new subscriptions and at renewal, never to running ones.",
	}, func(ctx context.Context, in *struct {
		CatalogIDPath
		Body PriceCatalogRequest
	}) (*catalogBody, error) {
		c, err := svc.UpdatePriceCatalog(ctx, in.ID, in.Body.input())
		if err != nil {
			return nil, err
		}
		return &catalogBody{c}, nil
	})

	Register(a, huma.Operation{
		OperationID: "archive-price-catalog", Method: http.MethodDelete, Path: "/price-catalogs/{id}", Tags: tags,
		Summary: "Archive a price catalog", Description: "Not the default, and nobody assigned to it.", DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *CatalogIDPath) (*struct{}, error) {
		_, err := svc.ArchivePriceCatalog(ctx, in.ID)
		return nil, err
	})

	Register(a, huma.Operation{
		OperationID: "list-catalog-prices", Method: http.MethodGet, Path: "/price-catalogs/{id}/prices", Tags: tags,
		Summary: "Prices of a catalog",
		Description: "Every plan the catalog offers with its prices: the owner sees what it buys and sells at, a buyer only what it buys at. " +
			"Nobody sees the prices of the parties above the one they buy from.",
	}, func(ctx context.Context, in *CatalogIDPath) (*struct {
		Body struct {
			Data []channel.PlanPrice `json:"data" nullable:"false"`
		}
	}, error) {
		ps, err := svc.CatalogPrices(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out := &struct {
			Body struct {
				Data []channel.PlanPrice `json:"data" nullable:"false"`
			}
		}{}
		out.Body.Data = ps
		return out, nil
	})

	for _, offer := range []bool{true, false} {
		op := huma.Operation{OperationID: "offer-product", Method: http.MethodPut, Summary: "Offer a product",
			Description: "Adds a product to a catalog that lists its products; the catalog the owner buys from must offer it."}
		if !offer {
			op = huma.Operation{OperationID: "withdraw-product-offer", Method: http.MethodDelete, Summary: "Stop offering a product"}
		}
		op.Path, op.Tags = "/price-catalogs/{id}/products/{product_id}", tags
		Register(a, op, func(ctx context.Context, in *struct {
			CatalogIDPath
			ProductID string `path:"product_id" maxLength:"64"`
		}) (*catalogBody, error) {
			c, err := svc.SetProductOffered(ctx, in.ID, in.ProductID, offer)
			if err != nil {
				return nil, err
			}
			return &catalogBody{c}, nil
		})
	}

	Register(a, huma.Operation{
		OperationID: "set-plan-rule", Method: http.MethodPut, Path: "/price-catalogs/{id}/plans/{plan_id}", Tags: tags,
		Summary:     "Price a plan in a catalog",
		Description: "Other markups and/or the catalog's own prices for one plan. Checked at once by pricing the plan through the channel.",
	}, func(ctx context.Context, in *struct {
		CatalogIDPath
		PlanID string `path:"plan_id" maxLength:"64"`
		Body   PlanRuleRequest
	}) (*struct{ Body channel.PlanRule }, error) {
		r, err := svc.SetPlanRule(ctx, in.ID, in.PlanID, in.Body.Markups, in.Body.Override)
		if err != nil {
			return nil, err
		}
		return &struct{ Body channel.PlanRule }{r}, nil
	})

	Register(a, huma.Operation{
		OperationID: "get-buyer-catalog", Method: http.MethodGet, Path: "/organizations/{id}/price-catalog", Tags: tags,
		Summary: "Which catalog an organization buys from",
	}, func(ctx context.Context, in *OrgIDPath) (*struct{ Body channel.Assignment }, error) {
		as, err := svc.GetAssignment(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body channel.Assignment }{as}, nil
	})

	Register(a, huma.Operation{
		OperationID: "assign-buyer-catalog", Method: http.MethodPut, Path: "/organizations/{id}/price-catalog", Tags: tags,
		Summary:     "Assign a buyer's catalog",
		Description: "The seller (the buyer's parent organization) makes it buy from one of its catalogs of the buyer's tier; an empty catalog_id goes back to the default.",
	}, func(ctx context.Context, in *struct {
		OrgIDPath
		Body struct {
			CatalogID string `json:"catalog_id" maxLength:"64"`
		}
	}) (*struct{ Body channel.Assignment }, error) {
		as, err := svc.AssignCatalog(ctx, in.ID, in.Body.CatalogID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body channel.Assignment }{as}, nil
	})

	Register(a, huma.Operation{
		OperationID: "get-price-chain", Method: http.MethodGet, Path: "/price-chain", Tags: tags,
		Summary: "A plan's price along the channel",
		Description: "For staff: what the buyer pays and what every party pays the one above (vendor list price, wholesale, sell-in, " +
			"sell-out). Parties read their own prices through their catalogs.",
	}, func(ctx context.Context, in *struct {
		PlanID     string `query:"plan_id" required:"true" maxLength:"64"`
		BuyerOrgID string `query:"buyer_org_id" required:"true" maxLength:"64"`
	}) (*struct{ Body channel.Chain }, error) {
		c, err := svc.Resolve(ctx, in.PlanID, in.BuyerOrgID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body channel.Chain }{c}, nil
	})

	Register(a, huma.Operation{
		OperationID: "create-quote", Method: http.MethodPost, Path: "/quotes", Tags: []string{"Quotes"},
		Summary: "Price an order",
		Description: "Every line of the first invoice (setup fee, licence, infrastructure, each extra resource with its scheme " +
			"breakdown, bundle components and savings, the coupon's effect), the recurring amount per period, the total for the chosen " +
			"duration and the trial terms, at the buyer's price along the channel. Checkout and orders price through this same path. " +
			"Anonymous visitors get a marketplace's public price. Nothing is stored.",
		Metadata: map[string]any{"public": true},
	}, func(ctx context.Context, in *struct{ Body QuoteRequest }) (*struct{ Body channel.Quote }, error) {
		b := in.Body
		q, err := svc.Quote(ctx, channel.QuoteInput{PlanID: b.PlanID, Quantities: b.Quantities, CouponCode: b.CouponCode, Periods: b.Periods,
			CustomerOrgID: b.CustomerOrgID, SellerOrgID: b.SellerOrgID, Trial: b.Type == "trial"})
		if err != nil {
			return nil, err
		}
		return &struct{ Body channel.Quote }{q}, nil
	})
}
