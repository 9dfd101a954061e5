package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// OrgIDPath is the path parameter of one organization.
type OrgIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"Organization id (org_...)."`
}

type orgBody struct {
	Body identity.Organization
}

// CreateOrganizationRequest creates an organization.
type CreateOrganizationRequest struct {
	Kind     string `json:"kind" enum:"vendor,distributor,reseller,customer"`
	ParentID string `json:"parent_id,omitempty" maxLength:"64" doc:"Defaults to the caller's organization (the operator for staff)."`
	Name     string `json:"name" maxLength:"200"`
	Email    string `json:"email,omitempty" maxLength:"254" doc:"Contact email."`
	Country  string `json:"country,omitempty" maxLength:"2" doc:"ISO 3166-1 alpha-2 code."`
	TaxID    string `json:"tax_id,omitempty" maxLength:"64" doc:"VAT number or other tax id, printed on invoices."`
	Address  string `json:"address,omitempty" maxLength:"500" doc:"Postal address printed on invoices, lines separated by newlines."`
}

// UpdateOrganizationRequest changes an organization's profile; omitted
// fields are left alone.
type UpdateOrganizationRequest struct {
	Name    *string `json:"name,omitempty" maxLength:"200"`
	Email   *string `json:"email,omitempty" maxLength:"254"`
	Country *string `json:"country,omitempty" maxLength:"2"`
	TaxID   *string `json:"tax_id,omitempty" maxLength:"64"`
	Address *string `json:"address,omitempty" maxLength:"500"`
}

type organizationPage struct {
	Body Page[identity.Organization]
}

type listOrganizationsInput struct {
	PageParams
	Kind     string `query:"kind" enum:"operator,vendor,distributor,reseller,customer" doc:"Only this kind."`
	ParentID string `query:"parent_id" maxLength:"64" doc:"Only children of this organization."`
	Status   string `query:"status" enum:"active,archived"`
	Q        string `query:"q" maxLength:"200" doc:"Matches name or email, ignoring case."`
}

type createOrganizationInput struct {
	Body CreateOrganizationRequest
}

type updateOrganizationInput struct {
	OrgIDPath
	Body UpdateOrganizationRequest
}

// organizationHandlers serve organizations.
type organizationHandlers struct {
	svc *identity.Service
}

func registerOrganizations(a *API, svc *identity.Service) {
	h := organizationHandlers{svc}
	tags := []string{"Organizations"}
	Register(a, huma.Operation{
		OperationID: "list-organizations", Method: http.MethodGet, Path: "/organizations", Tags: tags,
		Summary: "List organizations",
		Description: "Lists the organizations the caller may see: staff see all; a distributor its channel below it; " +
			"a reseller itself and its customers; vendors and customers only themselves. Oldest first.",
	}, h.list)
	Register(a, huma.Operation{
		OperationID: "create-organization", Method: http.MethodPost, Path: "/organizations", Tags: tags,
		Summary: "Create an organization",
		Description: "Creates a vendor, distributor, reseller or customer under a parent the caller may manage. Admins create any kind; " +
			"a distributor creates resellers and customers in its channel; a reseller creates its customers. " +
			"parent_id defaults to the caller's organization (or the operator for staff). Vendors and distributors sit under the operator, " +
			"resellers under a distributor or the operator, customers under a reseller, a distributor or the operator.",
		DefaultStatus: http.StatusCreated,
	}, h.create)
	Register(a, huma.Operation{
		OperationID: "get-organization", Method: http.MethodGet, Path: "/organizations/{id}", Tags: tags,
		Summary: "Get an organization",
	}, h.get)
	Register(a, huma.Operation{
		OperationID: "update-organization", Method: http.MethodPatch, Path: "/organizations/{id}", Tags: tags,
		Summary:     "Update an organization",
		Description: "Changes the profile of an organization the caller may manage. Omitted fields are left alone.",
	}, h.update)
	Register(a, huma.Operation{
		OperationID: "archive-organization", Method: http.MethodDelete, Path: "/organizations/{id}", Tags: tags,
		Summary: "Archive an organization",
		Description: "Archives an organization without active organizations under it: its users can no longer sign in and their " +
			"sessions and API keys stop working. Its history is kept.",
		DefaultStatus: http.StatusNoContent,
	}, h.archive)
}

func (h organizationHandlers) list(ctx context.Context, in *listOrganizationsInput) (*organizationPage, error) {
	orgs, next, err := h.svc.ListOrganizations(ctx, identity.OrganizationFilter{Kind: identity.OrgKind(in.Kind), ParentID: in.ParentID,
		Status: in.Status, Query: in.Q, Page: page.Request{Limit: in.Limit, Cursor: in.Cursor}})
	if err != nil {
		return nil, err
	}
	return &organizationPage{Page[identity.Organization]{Data: page.NonNil(orgs), NextCursor: next}}, nil
}

func (h organizationHandlers) create(ctx context.Context, in *createOrganizationInput) (*orgBody, error) {
	b := in.Body
	o, err := h.svc.CreateOrganization(ctx, identity.CreateOrganizationInput{Kind: identity.OrgKind(b.Kind), ParentID: b.ParentID,
		Name: b.Name, Email: b.Email, Country: b.Country, TaxID: b.TaxID, Address: b.Address})
	if err != nil {
		return nil, err
	}
	return &orgBody{o}, nil
}

func (h organizationHandlers) get(ctx context.Context, in *OrgIDPath) (*orgBody, error) {
	o, err := h.svc.GetOrganization(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &orgBody{o}, nil
}

func (h organizationHandlers) update(ctx context.Context, in *updateOrganizationInput) (*orgBody, error) {
	b := in.Body
	o, err := h.svc.UpdateOrganization(ctx, in.ID, identity.UpdateOrganizationInput{Name: b.Name, Email: b.Email, Country: b.Country, TaxID: b.TaxID, Address: b.Address})
	if err != nil {
		return nil, err
	}
	return &orgBody{o}, nil
}

func (h organizationHandlers) archive(ctx context.Context, in *OrgIDPath) (*noContent, error) {
	_, err := h.svc.ArchiveOrganization(ctx, in.ID)
	return nil, err
}
