package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// ProductRequest holds a product's editable fields; on update omitted
// fields are left alone.
type ProductRequest struct {
	Name             *string             `json:"name,omitempty" maxLength:"120"`
	Summary          *string             `json:"summary,omitempty" maxLength:"300"`
	Description      *string             `json:"description,omitempty" maxLength:"20000"`
	Category         *string             `json:"category,omitempty" maxLength:"60"`
	Tags             *[]string           `json:"tags,omitempty" maxItems:"20"`
	LogoURL          *string             `json:"logo_url,omitempty" maxLength:"2000"`
	Screenshots      *[]string           `json:"screenshots,omitempty" maxItems:"12"`
	Features         *[]string           `json:"features,omitempty" maxItems:"40"`
	FAQ              *[]catalog.FAQEntry `json:"faq,omitempty" maxItems:"50"`
	TermsURL         *string             `json:"terms_url,omitempty" maxLength:"2000"`
	PrivacyURL       *string             `json:"privacy_url,omitempty" maxLength:"2000"`
	ProvisioningMode *string             `json:"provisioning_mode,omitempty" enum:"syndicated,manual,none"`
	RequiresApproval *bool               `json:"requires_approval,omitempty" doc:"Orders wait for the vendor's (or reseller's) approval."`
	SelfBilled       *bool               `json:"self_billed,omitempty" doc:"The vendor bills the customer itself."`
	TaxCategory      *string             `json:"tax_category,omitempty" maxLength:"40" doc:"Tax category (default standard): picks the tax rate in each customer country."`
}

func (r ProductRequest) input() catalog.ProductInput {
	return catalog.ProductInput{Name: r.Name, Summary: r.Summary, Description: r.Description, Category: r.Category, Tags: r.Tags,
		LogoURL: r.LogoURL, Screenshots: r.Screenshots, Features: r.Features, FAQ: r.FAQ, TermsURL: r.TermsURL, PrivacyURL: r.PrivacyURL,
		ProvisioningMode: r.ProvisioningMode, RequiresApproval: r.RequiresApproval, SelfBilled: r.SelfBilled, TaxCategory: r.TaxCategory}
}

// CreateProductRequest creates a product or a bundle.
type CreateProductRequest struct {
	ProductRequest
	Kind       string `json:"kind,omitempty" enum:"product,bundle" doc:"Default product."`
	OwnerOrgID string `json:"owner_org_id,omitempty" maxLength:"64" doc:"Staff name the vendor; others create for their own organization."`
}

type productBody struct {
	Body catalog.Product
}

// ProductIDPath is the path parameter of one product.
type ProductIDPath struct {
	ID string `path:"id" maxLength:"100" doc:"Product id (prd_...), or its slug where reading."`
}

func registerProducts(a *API, svc *catalog.Service) {
	tags := []string{"Products"}
	Register(a, huma.Operation{
		OperationID: "search-products", Method: http.MethodGet, Path: "/products", Tags: tags,
		Summary: "Search products",
		Description: "Full-text search and filters over the catalog. Visitors and buyers see published products; owners also their own " +
			"drafts and products in review; staff every product. With q the default order is relevance, otherwise name; such lists page " +
			"by position. sort=newest pages by id.",
		Metadata: map[string]any{"public": true},
	}, func(ctx context.Context, in *struct {
		PageParams
		Q          string `query:"q" maxLength:"200" doc:"Words matched against name, summary, description, category and tags; each also as a prefix."`
		Kind       string `query:"kind" enum:"product,bundle"`
		Category   string `query:"category" maxLength:"60"`
		Tag        string `query:"tag" maxLength:"40"`
		VendorID   string `query:"vendor_id" maxLength:"64"`
		PriceModel string `query:"price_model" enum:"renewable_months,renewable_hours,short,everlasting,free,contact_only"`
		Free       bool   `query:"free" doc:"Only products with a free plan."`
		Trial      bool   `query:"trial" doc:"Only products with a trial."`
		Featured   bool   `query:"featured" doc:"Only the products staff feature on the storefront."`
		Status     string `query:"status" enum:"draft,in_review,published,retired"`
		Sort       string `query:"sort" enum:"relevance,newest,name"`
	}) (*struct{ Body Page[catalog.Product] }, error) {
		ps, next, err := svc.SearchProducts(ctx, catalog.ProductFilter{Query: in.Q, Kind: in.Kind, Category: in.Category, Tag: in.Tag,
			VendorID: in.VendorID, PriceModel: in.PriceModel, Free: in.Free, Trial: in.Trial, Featured: in.Featured, Status: in.Status, Sort: in.Sort,
			Page: page.Request{Limit: in.Limit, Cursor: in.Cursor}})
		if err != nil {
			return nil, err
		}
		return &struct{ Body Page[catalog.Product] }{Page[catalog.Product]{Data: page.NonNil(ps), NextCursor: next}}, nil
	})

	Register(a, huma.Operation{
		OperationID: "list-categories", Method: http.MethodGet, Path: "/categories", Tags: tags,
		Summary: "List categories", Description: "The categories of published products, with how many products each has.",
		Metadata: map[string]any{"public": true},
	}, func(ctx context.Context, _ *struct{}) (*struct {
		Body struct {
			Data []catalog.Category `json:"data" nullable:"false"`
		}
	}, error) {
		cs, err := svc.Categories(ctx)
		if err != nil {
			return nil, err
		}
		out := &struct {
			Body struct {
				Data []catalog.Category `json:"data" nullable:"false"`
			}
		}{}
		out.Body.Data = page.NonNil(cs)
		return out, nil
	})

	Register(a, huma.Operation{
		OperationID: "create-product", Method: http.MethodPost, Path: "/products", Tags: tags,
		Summary: "Create a product",
		Description: "Creates a draft product owned by the caller's vendor organization (staff name the vendor), or a draft bundle " +
			"owned by the caller's organization. Add plans, then submit it for review.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct{ Body CreateProductRequest }) (*productBody, error) {
		p, err := svc.CreateProduct(ctx, catalog.CreateProductInput{ProductInput: in.Body.input(), Kind: in.Body.Kind, OwnerOrgID: in.Body.OwnerOrgID})
		if err != nil {
			return nil, err
		}
		return &productBody{p}, nil
	})

	Register(a, huma.Operation{
		OperationID: "get-product", Method: http.MethodGet, Path: "/products/{id}", Tags: tags,
		Summary: "Get a product", Description: "By id or slug. Published products are public.",
		Metadata: map[string]any{"public": true},
	}, func(ctx context.Context, in *ProductIDPath) (*productBody, error) {
		p, err := svc.GetProduct(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &productBody{p}, nil
	})

	Register(a, huma.Operation{
		OperationID: "update-product", Method: http.MethodPatch, Path: "/products/{id}", Tags: tags,
		Summary: "Update a product", Description: "Changes a product's marketing data. Prices live in plans.",
	}, func(ctx context.Context, in *struct {
		ProductIDPath
		Body ProductRequest
	}) (*productBody, error) {
		p, err := svc.UpdateProduct(ctx, in.ID, in.Body.input())
		if err != nil {
			return nil, err
		}
		return &productBody{p}, nil
	})

	lifecycle := []struct {
		id, path, summary, description string
		do                             func(context.Context, string) (catalog.Product, error)
	}{
		{"submit-product", "submit", "Submit a product for review", "A draft with at least one plan goes to the marketplace staff; a vendor must be approved first.", svc.SubmitProduct},
		{"withdraw-product", "withdraw", "Withdraw a product from review", "Back to draft, by its owner.", svc.WithdrawProduct},
		{"approve-product", "approve", "Publish a product", "For holders of the product review function. From then on a price change makes a new plan version.", svc.ApproveProduct},
		{"retire-product", "retire", "Retire a product", "Stops its sales; running subscriptions go on.", svc.RetireProduct},
	}
	for _, l := range lifecycle {
		Register(a, huma.Operation{
			OperationID: l.id, Method: http.MethodPost, Path: "/products/{id}/" + l.path, Tags: tags, Summary: l.summary, Description: l.description,
		}, func(ctx context.Context, in *ProductIDPath) (*productBody, error) {
			p, err := l.do(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &productBody{p}, nil
		})
	}
	Register(a, huma.Operation{
		OperationID: "reject-product", Method: http.MethodPost, Path: "/products/{id}/reject", Tags: tags,
		Summary: "Reject a product", Description: "Back to draft with a reason the owner reads.",
	}, func(ctx context.Context, in *struct {
		ProductIDPath
		Body ReasonRequest
	}) (*productBody, error) {
		p, err := svc.RejectProduct(ctx, in.ID, in.Body.Reason)
		if err != nil {
			return nil, err
		}
		return &productBody{p}, nil
	})
	Register(a, huma.Operation{
		OperationID: "feature-product", Method: http.MethodPut, Path: "/products/{id}/featured", Tags: tags,
		Summary:     "Feature a product on the storefront",
		Description: "Staff holding marketplace customization put a published product on the home page (featured true) or take it off.",
	}, func(ctx context.Context, in *struct {
		ProductIDPath
		Body struct {
			Featured bool `json:"featured"`
		}
	}) (*productBody, error) {
		p, err := svc.FeatureProduct(ctx, in.ID, in.Body.Featured)
		if err != nil {
			return nil, err
		}
		return &productBody{p}, nil
	})
}
