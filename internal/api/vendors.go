package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// RegisterVendorRequest signs a vendor up.
type RegisterVendorRequest struct {
	OrgName     string `json:"org_name" maxLength:"200" doc:"The company's name."`
	OrgEmail    string `json:"org_email,omitempty" maxLength:"254" doc:"The company's contact email; defaults to the user's."`
	Country     string `json:"country,omitempty" maxLength:"2" doc:"ISO 3166-1 alpha-2 code."`
	TaxID       string `json:"tax_id,omitempty" maxLength:"64"`
	Website     string `json:"website,omitempty" maxLength:"2000"`
	Description string `json:"description,omitempty" maxLength:"2000" doc:"What the vendor sells, for the reviewers."`
	Name        string `json:"name" maxLength:"200" doc:"The first user's name."`
	Email       string `json:"email" maxLength:"254" doc:"The first user's email, to sign in with."`
	Password    string `json:"password" maxLength:"128"`
}

// VendorRegistration is a new vendor and its first user.
type VendorRegistration struct {
	Vendor catalog.Vendor `json:"vendor"`
	User   identity.User  `json:"user"`
}

// ReasonRequest carries the reason of a rejection.
type ReasonRequest struct {
	Reason string `json:"reason" maxLength:"2000" doc:"Why, in words the other party reads."`
}

type vendorBody struct {
	Body catalog.Vendor
}

// VendorIDPath is the path parameter of one vendor (its organization).
type VendorIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"The vendor's organization id (org_...)."`
}

type vendorRegistrationBody struct {
	Body VendorRegistration
}

type vendorPage struct {
	Body Page[catalog.Vendor]
}

type registerVendorInput struct {
	Body RegisterVendorRequest
}

type listVendorsInput struct {
	PageParams
	Status string `query:"status" enum:"pending,approved,rejected"`
}

type rejectVendorInput struct {
	VendorIDPath
	Body ReasonRequest
}

// vendorHandlers serve vendors and their onboarding.
type vendorHandlers struct {
	svc *catalog.Service
}

func registerVendors(a *API, svc *catalog.Service) {
	h := vendorHandlers{svc}
	tags := []string{"Vendors"}
	Register(a, huma.Operation{
		OperationID: "register-vendor", Method: http.MethodPost, Path: "/vendors/register", Tags: tags,
		Summary: "Register as a vendor",
		Description: "Signs a vendor up without an account: its organization and first user are created at once (it can sign in and " +
			"prepare products) and its onboarding waits for review by the marketplace staff. Needs no token.",
		DefaultStatus: http.StatusCreated, Metadata: map[string]any{"public": true},
	}, h.register)
	Register(a, huma.Operation{
		OperationID: "list-vendors", Method: http.MethodGet, Path: "/vendors", Tags: tags,
		Summary:     "List vendors",
		Description: "Approved vendors for everyone; staff see every vendor and filter by onboarding status to review them.",
		Metadata:    map[string]any{"public": true},
	}, h.list)
	Register(a, huma.Operation{
		OperationID: "get-vendor", Method: http.MethodGet, Path: "/vendors/{id}", Tags: tags, Summary: "Get a vendor",
		Description: "Approved vendors are public; a vendor sees its own onboarding, review notes included.",
		Metadata:    map[string]any{"public": true},
	}, h.get)
	Register(a, huma.Operation{
		OperationID: "approve-vendor", Method: http.MethodPost, Path: "/vendors/{id}/approve", Tags: tags,
		Summary: "Approve a vendor", Description: "For holders of the vendor review function (admins, supervisors).",
	}, h.approve)
	Register(a, huma.Operation{
		OperationID: "reject-vendor", Method: http.MethodPost, Path: "/vendors/{id}/reject", Tags: tags,
		Summary: "Reject a vendor", Description: "With a reason the vendor reads. A rejected vendor may be approved later.",
	}, h.reject)
}

func (h vendorHandlers) register(ctx context.Context, in *registerVendorInput) (*vendorRegistrationBody, error) {
	b := in.Body
	v, u, err := h.svc.RegisterVendor(ctx, catalog.RegisterVendorInput{RegisterInput: identity.RegisterInput{
		OrgName: b.OrgName, OrgEmail: b.OrgEmail, Country: b.Country, TaxID: b.TaxID, Name: b.Name, Email: b.Email, Password: b.Password},
		Website: b.Website, Description: b.Description})
	if err != nil {
		return nil, err
	}
	return &vendorRegistrationBody{VendorRegistration{Vendor: v, User: u}}, nil
}

func (h vendorHandlers) list(ctx context.Context, in *listVendorsInput) (*vendorPage, error) {
	vs, next, err := h.svc.ListVendors(ctx, catalog.VendorFilter{Status: in.Status, Page: page.Request{Limit: in.Limit, Cursor: in.Cursor}})
	if err != nil {
		return nil, err
	}
	return &vendorPage{Page[catalog.Vendor]{Data: page.NonNil(vs), NextCursor: next}}, nil
}

func (h vendorHandlers) get(ctx context.Context, in *VendorIDPath) (*vendorBody, error) {
	v, err := h.svc.GetVendor(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &vendorBody{v}, nil
}

func (h vendorHandlers) approve(ctx context.Context, in *VendorIDPath) (*vendorBody, error) {
	v, err := h.svc.ApproveVendor(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &vendorBody{v}, nil
}

func (h vendorHandlers) reject(ctx context.Context, in *rejectVendorInput) (*vendorBody, error) {
	v, err := h.svc.RejectVendor(ctx, in.ID, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &vendorBody{v}, nil
}
