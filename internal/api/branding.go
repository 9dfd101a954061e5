package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/identity"
)

// BrandingRequest changes the marketplace's branding; absent fields stay.
type BrandingRequest struct {
	Name         *string `json:"name,omitempty" maxLength:"80"`
	Tagline      *string `json:"tagline,omitempty" maxLength:"160"`
	PrimaryColor *string `json:"primary_color,omitempty" maxLength:"7" doc:"#rrggbb; white text on it needs 4.5:1 contrast."`
	Logo         *[]byte `json:"logo,omitempty" doc:"Base64 of a PNG, JPEG or SVG image of at most 256 KiB."`
	RemoveLogo   bool    `json:"remove_logo,omitempty" doc:"Remove the logo."`
}

type brandingBody struct {
	Body identity.Branding
}

type updateBrandingInput struct {
	Body BrandingRequest
}

// brandingHandlers serve the marketplace's branding.
type brandingHandlers struct {
	svc *identity.Service
}

func registerBranding(a *API, svc *identity.Service) {
	h := brandingHandlers{svc}
	tags := []string{"Settings"}
	Register(a, huma.Operation{
		OperationID: "get-branding", Method: http.MethodGet, Path: "/settings/marketplace", Tags: tags,
		Summary:     "Read the marketplace's branding",
		Description: "Name, tagline, brand colour and whether a logo is set. Public: every page shows it.",
		Metadata:    map[string]any{"public": true},
	}, h.get)
	Register(a, huma.Operation{
		OperationID: "update-branding", Method: http.MethodPatch, Path: "/settings/marketplace", Tags: tags,
		Summary:     "Change the marketplace's branding",
		Description: "Needs the marketplace customization function and a staff role.",
	}, h.update)
}

func (h brandingHandlers) get(ctx context.Context, _ *noInput) (*brandingBody, error) {
	b, err := h.svc.Branding(ctx)
	if err != nil {
		return nil, err
	}
	return &brandingBody{b}, nil
}

func (h brandingHandlers) update(ctx context.Context, in *updateBrandingInput) (*brandingBody, error) {
	b := in.Body
	if b.RemoveLogo {
		b.Logo = &[]byte{}
	}
	out, err := h.svc.UpdateBranding(ctx, identity.BrandingInput{Name: b.Name, Tagline: b.Tagline, Primary: b.PrimaryColor, Logo: b.Logo})
	if err != nil {
		return nil, err
	}
	return &brandingBody{out}, nil
}
