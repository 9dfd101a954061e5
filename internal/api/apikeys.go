package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// NewAPIKey is a created API key with its token, shown once.
type NewAPIKey struct {
	identity.APIKey
	Token string `json:"token" doc:"The key; send it as Authorization: Bearer <token>. Shown only here and never stored in plain text (an idempotent replay omits it)."`
}

// CreateAPIKeyRequest creates an API key.
type CreateAPIKeyRequest struct {
	Name      string     `json:"name" maxLength:"100" doc:"What the key is for."`
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"When the key stops working; never when absent."`
}

type apiKeyPage struct {
	Body Page[identity.APIKey]
}

type newAPIKeyBody struct {
	Body NewAPIKey
}

type listAPIKeysInput struct {
	PageParams
}

type createAPIKeyInput struct {
	Body CreateAPIKeyRequest
}

type apiKeyIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"API key id (key_...)."`
}

// apiKeyHandlers serve API keys.
type apiKeyHandlers struct {
	svc *identity.Service
}

func registerAPIKeys(a *API, svc *identity.Service) {
	h := apiKeyHandlers{svc}
	tags := []string{"API keys"}
	Register(a, huma.Operation{
		OperationID: "list-api-keys", Method: http.MethodGet, Path: "/api-keys", Tags: tags,
		Summary: "List your API keys", Description: "The caller's API keys, revoked ones included, oldest first. Tokens are never shown again.",
	}, h.list)
	Register(a, huma.Operation{
		OperationID: "create-api-key", Method: http.MethodPost, Path: "/api-keys", Tags: tags,
		Summary: "Create an API key",
		Description: "Creates a key acting as the caller with the caller's role and scope, for integrations. The token is in this answer " +
			"only. An impersonator cannot create keys for the user it impersonates.",
		DefaultStatus: http.StatusCreated,
	}, h.create)
	Register(a, huma.Operation{
		OperationID: "revoke-api-key", Method: http.MethodDelete, Path: "/api-keys/{id}", Tags: tags,
		Summary: "Revoke an API key", Description: "Revokes one of the caller's keys (or, for those who may manage a user, one of that user's). Revoking twice is harmless.",
		DefaultStatus: http.StatusNoContent,
	}, h.revoke)
}

func (h apiKeyHandlers) list(ctx context.Context, in *listAPIKeysInput) (*apiKeyPage, error) {
	keys, next, err := h.svc.ListAPIKeys(ctx, page.Request{Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return nil, err
	}
	return &apiKeyPage{Page[identity.APIKey]{Data: page.NonNil(keys), NextCursor: next}}, nil
}

func (h apiKeyHandlers) create(ctx context.Context, in *createAPIKeyInput) (*newAPIKeyBody, error) {
	k, token, err := h.svc.CreateAPIKey(ctx, identity.CreateAPIKeyInput{Name: in.Body.Name, ExpiresAt: in.Body.ExpiresAt})
	if err != nil {
		return nil, err
	}
	return &newAPIKeyBody{NewAPIKey{APIKey: k, Token: token}}, nil
}

func (h apiKeyHandlers) revoke(ctx context.Context, in *apiKeyIDPath) (*noContent, error) {
	_, err := h.svc.RevokeAPIKey(ctx, in.ID)
	return nil, err
}
