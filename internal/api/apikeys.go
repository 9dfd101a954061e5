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

func registerAPIKeys(a *API, svc *identity.Service) {
	tags := []string{"API keys"}
	Register(a, huma.Operation{
		OperationID: "list-api-keys", Method: http.MethodGet, Path: "/api-keys", Tags: tags,
		Summary: "List your API keys", Description: "The caller's API keys, revoked ones included, oldest first. Tokens are never shown again.",
	}, func(ctx context.Context, in *struct{ PageParams }) (*struct{ Body Page[identity.APIKey] }, error) {
		keys, next, err := svc.ListAPIKeys(ctx, page.Request{Limit: in.Limit, Cursor: in.Cursor})
		if err != nil {
			return nil, err
		}
		return &struct{ Body Page[identity.APIKey] }{Page[identity.APIKey]{Data: page.NonNil(keys), NextCursor: next}}, nil
	})

	Register(a, huma.Operation{
		OperationID: "create-api-key", Method: http.MethodPost, Path: "/api-keys", Tags: tags,
		Summary: "Create an API key",
		Description: "Creates a key acting as the caller with the caller's role and scope, for integrations. The token is in this answer " +
			"only. An impersonator cannot create keys for the user it impersonates.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *struct{ Body CreateAPIKeyRequest }) (*struct{ Body NewAPIKey }, error) {
		k, token, err := svc.CreateAPIKey(ctx, identity.CreateAPIKeyInput{Name: in.Body.Name, ExpiresAt: in.Body.ExpiresAt})
		if err != nil {
			return nil, err
		}
		return &struct{ Body NewAPIKey }{NewAPIKey{APIKey: k, Token: token}}, nil
	})

	Register(a, huma.Operation{
		OperationID: "revoke-api-key", Method: http.MethodDelete, Path: "/api-keys/{id}", Tags: tags,
		Summary: "Revoke an API key", Description: "Revokes one of the caller's keys (or, for those who may manage a user, one of that user's). Revoking twice is harmless.",
		DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64" doc:"API key id (key_...)."`
	}) (*struct{}, error) {
		_, err := svc.RevokeAPIKey(ctx, in.ID)
		return nil, err
	})
}
