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

// FeatureProductRequest puts a product on the storefront or takes it off.
type FeatureProductRequest struct {
	Featured bool `json:"featured"`
}

// CategoryList is every category of published products.
type CategoryList struct {
	Data []catalog.Category `json:"data" nullable:"false"`
}

type productPage struct {
	Body Page[catalog.Product]
}

type categoryListBody struct {
	Body CategoryList
}

type searchProductsInput struct {
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
}

type createProductInput struct {
	Body CreateProductRequest
}

type updateProductInput struct {
	ProductIDPath
	Body ProductRequest
}

type rejectProductInput struct {
	ProductIDPath
	Body ReasonRequest
}

type featureProductInput struct {
	ProductIDPath
	Body FeatureProductRequest
}

// productHandlers serve products and their review.
type productHandlers struct {
	svc *catalog.Service
}

func registerProducts(a *API, svc *catalog.Service) {
	h := productHandlers{svc}
	tags := []string{"Products"}
	Register(a, huma.Operation{
		OperationID: "search-products", Method: http.MethodGet, Path: "/products", Tags: tags,
		Summary: "Search products",
		Description: "Full-text search and filters over the catalog. Visitors and buyers see published products; owners also their own " +
			"drafts and products in review; staff every product. With q the default order is relevance, otherwise name; such lists page " +
			"by position. sort=newest pages by id.",
		Metadata: map[string]any{"public": true},
	}, h.search)
	Register(a, huma.Operation{
		OperationID: "list-categories", Method: http.MethodGet, Path: "/categories", Tags: tags,
		Summary: "List categories", Description: "The categories of published products, with how many products each has.",
		Metadata: map[string]any{"public": true},
	}, h.listCategories)
	Register(a, huma.Operation{
		OperationID: "create-product", Method: http.MethodPost, Path: "/products", Tags: tags,
		Summary: "Create a product",
		Description: "Creates a draft product owned by the caller's vendor organization (staff name the vendor), or a draft bundle " +
			"owned by the caller's organization. Add plans, then submit it for review.",
		DefaultStatus: http.StatusCreated,
	}, h.create)
	Register(a, huma.Operation{
		OperationID: "get-product", Method: http.MethodGet, Path: "/products/{id}", Tags: tags,
		Summary: "Get a product", Description: "By id or slug. Published products are public.",
		Metadata: map[string]any{"public": true},
	}, h.get)
	Register(a, huma.Operation{
		OperationID: "update-product", Method: http.MethodPatch, Path: "/products/{id}", Tags: tags,
		Summary: "Update a product", Description: "Changes a product's marketing data. Prices live in plans.",
	}, h.update)
	registerProductReview(a, h)
	Register(a, huma.Operation{
		OperationID: "feature-product", Method: http.MethodPut, Path: "/products/{id}/featured", Tags: tags,
		Summary:     "Feature a product on the storefront",
		Description: "Staff holding marketplace customization put a published product on the home page (featured true) or take it off.",
	}, h.feature)
}

// registerProductReview registers a product's way through review:
// submitted, withdrawn, published, retired or rejected.
func registerProductReview(a *API, h productHandlers) {
	tags := []string{"Products"}
	lifecycle := []struct {
		id, path, summary, description string
		handle                         func(context.Context, *ProductIDPath) (*productBody, error)
	}{
		{"submit-product", "submit", "Submit a product for review", "A draft with at least one plan goes to the marketplace staff; a vendor must be approved first.", h.submit},
		{"withdraw-product", "withdraw", "Withdraw a product from review", "Back to draft, by its owner.", h.withdraw},
		{"approve-product", "approve", "Publish a product", "For holders of the product review function. From then on a price change makes a new plan version.", h.approve},
		{"retire-product", "retire", "Retire a product", "Stops its sales; running subscriptions go on.", h.retire},
	}
	for _, l := range lifecycle {
		Register(a, huma.Operation{
			OperationID: l.id, Method: http.MethodPost, Path: "/products/{id}/" + l.path, Tags: tags, Summary: l.summary, Description: l.description,
		}, l.handle)
	}
	Register(a, huma.Operation{
		OperationID: "reject-product", Method: http.MethodPost, Path: "/products/{id}/reject", Tags: tags,
		Summary: "Reject a product", Description: "Back to draft with a reason the owner reads.",
	}, h.reject)
}

func (h productHandlers) search(ctx context.Context, in *searchProductsInput) (*productPage, error) {
	ps, next, err := h.svc.SearchProducts(ctx, catalog.ProductFilter{Query: in.Q, Kind: in.Kind, Category: in.Category, Tag: in.Tag,
		VendorID: in.VendorID, PriceModel: in.PriceModel, Free: in.Free, Trial: in.Trial, Featured: in.Featured, Status: in.Status, Sort: in.Sort,
		Page: page.Request{Limit: in.Limit, Cursor: in.Cursor}})
	if err != nil {
		return nil, err
	}
	return &productPage{Page[catalog.Product]{Data: page.NonNil(ps), NextCursor: next}}, nil
}

func (h productHandlers) listCategories(ctx context.Context, _ *noInput) (*categoryListBody, error) {
	cs, err := h.svc.Categories(ctx)
	if err != nil {
		return nil, err
	}
	return &categoryListBody{CategoryList{Data: page.NonNil(cs)}}, nil
}

func (h productHandlers) create(ctx context.Context, in *createProductInput) (*productBody, error) {
	p, err := h.svc.CreateProduct(ctx, catalog.CreateProductInput{ProductInput: in.Body.input(), Kind: in.Body.Kind, OwnerOrgID: in.Body.OwnerOrgID})
	if err != nil {
		return nil, err
	}
	return &productBody{p}, nil
}

func (h productHandlers) get(ctx context.Context, in *ProductIDPath) (*productBody, error) {
	return productResult(h.svc.GetProduct(ctx, in.ID))
}

func (h productHandlers) update(ctx context.Context, in *updateProductInput) (*productBody, error) {
	return productResult(h.svc.UpdateProduct(ctx, in.ID, in.Body.input()))
}

func (h productHandlers) submit(ctx context.Context, in *ProductIDPath) (*productBody, error) {
	return productResult(h.svc.SubmitProduct(ctx, in.ID))
}

func (h productHandlers) withdraw(ctx context.Context, in *ProductIDPath) (*productBody, error) {
	return productResult(h.svc.WithdrawProduct(ctx, in.ID))
}

func (h productHandlers) approve(ctx context.Context, in *ProductIDPath) (*productBody, error) {
	return productResult(h.svc.ApproveProduct(ctx, in.ID))
}

func (h productHandlers) retire(ctx context.Context, in *ProductIDPath) (*productBody, error) {
	return productResult(h.svc.RetireProduct(ctx, in.ID))
}

func (h productHandlers) reject(ctx context.Context, in *rejectProductInput) (*productBody, error) {
	return productResult(h.svc.RejectProduct(ctx, in.ID, in.Body.Reason))
}

func (h productHandlers) feature(ctx context.Context, in *featureProductInput) (*productBody, error) {
	return productResult(h.svc.FeatureProduct(ctx, in.ID, in.Body.Featured))
}

// productResult answers with p unless err.
func productResult(p catalog.Product, err error) (*productBody, error) {
	if err != nil {
		return nil, err
	}
	return &productBody{p}, nil
}
