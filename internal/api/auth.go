package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
)

// LoginRequest signs a user in.
type LoginRequest struct {
	Email    string `json:"email" maxLength:"254" doc:"The user's email." example:"admin@nephele.example"`
	Password string `json:"password" maxLength:"1024" doc:"The user's password."`
}

// TokenResponse is a new bearer token, shown once.
type TokenResponse struct {
	Token     string        `json:"token" doc:"The bearer token; send it as Authorization: Bearer <token>. Shown only here."`
	TokenType string        `json:"token_type" enum:"Bearer"`
	ExpiresAt time.Time     `json:"expires_at"`
	User      identity.User `json:"user"`
	// ImpersonatorID is set on an impersonation token.
	ImpersonatorID string `json:"impersonator_id,omitempty" doc:"The administrator acting through this token, on an impersonation token."`
}

// ImpersonateRequest names the user to act as.
type ImpersonateRequest struct {
	UserID string `json:"user_id" maxLength:"64" doc:"The user to act as."`
}

type tokenBody struct {
	Body TokenResponse
}

type loginInput struct {
	Body LoginRequest
}

type impersonateInput struct {
	Body ImpersonateRequest
}

// authHandlers serve signing in and out and impersonation.
type authHandlers struct {
	svc *identity.Service
}

func registerAuth(a *API, svc *identity.Service) {
	h := authHandlers{svc}
	Register(a, huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: "/auth/login", Tags: []string{"Authentication"},
		Summary: "Sign in",
		Description: "Checks an email and password and returns a session token valid for 24 hours. " +
			"Every attempt is counted before the password is checked: failures are limited per account and client address " +
			"(an IPv6 client by its /64) and per client address, past which the answer is 429 with Retry-After. " +
			"This operation needs no token and ignores Idempotency-Key.",
		Metadata: map[string]any{"public": true},
	}, h.login)
	Register(a, huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: "/auth/logout", Tags: []string{"Authentication"},
		Summary:       "Sign out",
		Description:   "Ends the session of the token used. On an impersonation token it ends only the impersonation. API keys are revoked with DELETE /api-keys/{id} instead.",
		DefaultStatus: http.StatusNoContent,
	}, h.logout)
	Register(a, huma.Operation{
		OperationID: "impersonate", Method: http.MethodPost, Path: "/auth/impersonate", Tags: []string{"Authentication"},
		Summary: "Impersonate a user",
		Description: "Returns a token acting as another user for at most an hour, for support. Needs the user_impersonation function " +
			"(super admins, admins, supervisors) and a target of a lower role. Everything done with the token is recorded in the audit log " +
			"with both identities; a supervisor's impersonation is read-only. It needs a session token, not an API key, and ends with that " +
			"session (its logout, a reset of its user's password, its expiry). End it sooner with POST /auth/logout using the impersonation token.",
		DefaultStatus: http.StatusCreated,
	}, h.impersonate)
}

func (h authHandlers) login(ctx context.Context, in *loginInput) (*tokenBody, error) {
	req := actor.RequestFrom(ctx)
	res, err := h.svc.Login(ctx, identity.LoginInput{Email: in.Body.Email, Password: in.Body.Password, Kind: identity.SessionAPI, IP: req.IP, UserAgent: req.UserAgent})
	if err != nil {
		return nil, err
	}
	return &tokenBody{TokenResponse{Token: res.Token, TokenType: "Bearer", ExpiresAt: res.Session.ExpiresAt, User: res.User}}, nil
}

func (h authHandlers) logout(ctx context.Context, _ *noInput) (*noContent, error) {
	_, err := h.svc.Logout(ctx)
	return nil, err
}

func (h authHandlers) impersonate(ctx context.Context, in *impersonateInput) (*tokenBody, error) {
	res, err := h.svc.Impersonate(ctx, in.Body.UserID)
	if err != nil {
		return nil, err
	}
	return &tokenBody{TokenResponse{Token: res.Token, TokenType: "Bearer", ExpiresAt: res.Session.ExpiresAt,
		User: res.User, ImpersonatorID: res.Session.ImpersonatorID}}, nil
}
