package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// UserIDPath is the path parameter of one user.
type UserIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"User id (usr_...)."`
}

type userBody struct {
	Body identity.User
}

// MeResponse describes the caller.
type MeResponse struct {
	User         identity.User         `json:"user"`
	Organization identity.Organization `json:"organization"`
	Functions    []identity.Function   `json:"functions" nullable:"false" doc:"The functions of the permission matrix the caller's role holds."`
	// ImpersonatorID is the administrator acting as this user, if any.
	ImpersonatorID string `json:"impersonator_id,omitempty"`
	APIKeyID       string `json:"api_key_id,omitempty" doc:"The API key used, when the call was made with one."`
}

// CreateUserRequest creates a user.
type CreateUserRequest struct {
	OrgID    string `json:"org_id" maxLength:"64" doc:"The organization the user belongs to."`
	Email    string `json:"email" maxLength:"254"`
	Name     string `json:"name" maxLength:"200"`
	Role     string `json:"role,omitempty" enum:"super_admin,admin,supervisor,vendor,distributor,reseller,customer" doc:"Defaults to the one role of the organization's kind."`
	Password string `json:"password" maxLength:"128"`
}

// UpdateUserRequest changes a user; omitted fields are left alone.
type UpdateUserRequest struct {
	Name   *string `json:"name,omitempty" maxLength:"200"`
	Email  *string `json:"email,omitempty" maxLength:"254"`
	Role   *string `json:"role,omitempty" enum:"super_admin,admin,supervisor,vendor,distributor,reseller,customer"`
	Status *string `json:"status,omitempty" enum:"active,disabled"`
	// CurrentPassword confirms a change of one's own email.
	CurrentPassword *string `json:"current_password,omitempty" maxLength:"1024" doc:"Required when changing your own email."`
}

// SetPasswordRequest changes a password.
type SetPasswordRequest struct {
	CurrentPassword string `json:"current_password,omitempty" maxLength:"1024" doc:"Required when changing your own password."`
	NewPassword     string `json:"new_password" maxLength:"128"`
}

type meBody struct {
	Body MeResponse
}

type userPage struct {
	Body Page[identity.User]
}

type listUsersInput struct {
	PageParams
	OrgID  string `query:"org_id" maxLength:"64" doc:"Only users of this organization."`
	Role   string `query:"role" enum:"super_admin,admin,supervisor,vendor,distributor,reseller,customer"`
	Status string `query:"status" enum:"active,disabled"`
	Q      string `query:"q" maxLength:"200" doc:"Matches name or email, ignoring case."`
}

type createUserInput struct {
	Body CreateUserRequest
}

type updateUserInput struct {
	UserIDPath
	Body UpdateUserRequest
}

type setPasswordInput struct {
	UserIDPath
	Body SetPasswordRequest
}

// userHandlers serve users.
type userHandlers struct {
	svc *identity.Service
}

func registerUsers(a *API, svc *identity.Service) {
	h := userHandlers{svc}
	tags := []string{"Users"}
	Register(a, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/users/me", Tags: tags,
		Summary: "Who am I", Description: "The calling user, its organization and what its role may do.",
	}, h.me)
	Register(a, huma.Operation{
		OperationID: "list-users", Method: http.MethodGet, Path: "/users", Tags: tags,
		Summary: "List users", Description: "Lists the users of the organizations the caller may see, oldest first.",
	}, h.list)
	Register(a, huma.Operation{
		OperationID: "create-user", Method: http.MethodPost, Path: "/users", Tags: tags,
		Summary: "Create a user",
		Description: "Adds a user to an organization whose users the caller may manage: staff with user management any, everyone their own; " +
			"a distributor or reseller only the first user of an organization of its channel (the customer's administrator), never more. " +
			"The role defaults to the one role of the organization's kind " +
			"(operator users must name super_admin, admin or supervisor; only a super admin grants super_admin). Passwords need at least " +
			"10 characters mixing letters and digits or symbols (or 16 characters of anything), and must not be easy to guess " +
			"(common passwords, words, names, keyboard patterns, the user's own e-mail or name).",
		DefaultStatus: http.StatusCreated,
	}, h.create)
	Register(a, huma.Operation{
		OperationID: "get-user", Method: http.MethodGet, Path: "/users/{id}", Tags: tags, Summary: "Get a user",
	}, h.get)
	Register(a, huma.Operation{
		OperationID: "update-user", Method: http.MethodPatch, Path: "/users/{id}", Tags: tags,
		Summary: "Update a user",
		Description: "Changes a user the caller may manage; users may change their own name, and their own email given current_password " +
			"(not while impersonated). Disabling a user, or changing its role, ends its sessions and API keys. Omitted fields are left alone.",
	}, h.update)
	Register(a, huma.Operation{
		OperationID: "disable-user", Method: http.MethodDelete, Path: "/users/{id}", Tags: tags,
		Summary:       "Disable a user",
		Description:   "Users are never deleted (orders and the audit log keep pointing at them): this disables the user and ends its sessions and API keys.",
		DefaultStatus: http.StatusNoContent,
	}, h.disable)
	Register(a, huma.Operation{
		OperationID: "set-user-password", Method: http.MethodPost, Path: "/users/{id}/password", Tags: tags,
		Summary: "Change a password",
		Description: "Users change their own password by giving the current one; those who may manage a user set it without. " +
			"The user's other sessions end.",
		DefaultStatus: http.StatusNoContent,
	}, h.setPassword)
}

func (h userHandlers) me(ctx context.Context, _ *noInput) (*meBody, error) {
	u, org, err := h.svc.Me(ctx)
	if err != nil {
		return nil, err
	}
	act := actor.From(ctx)
	return &meBody{MeResponse{User: u, Organization: org, Functions: page.NonNil(identity.FunctionsOf(u.Role)),
		ImpersonatorID: act.ImpersonatorID, APIKeyID: act.APIKeyID}}, nil
}

func (h userHandlers) list(ctx context.Context, in *listUsersInput) (*userPage, error) {
	users, next, err := h.svc.ListUsers(ctx, identity.UserFilter{OrgID: in.OrgID, Role: identity.Role(in.Role), Status: in.Status, Query: in.Q,
		Page: page.Request{Limit: in.Limit, Cursor: in.Cursor}})
	if err != nil {
		return nil, err
	}
	return &userPage{Page[identity.User]{Data: page.NonNil(users), NextCursor: next}}, nil
}

func (h userHandlers) create(ctx context.Context, in *createUserInput) (*userBody, error) {
	b := in.Body
	u, err := h.svc.CreateUser(ctx, identity.CreateUserInput{OrgID: b.OrgID, Email: b.Email, Name: b.Name, Role: identity.Role(b.Role), Password: b.Password})
	if err != nil {
		return nil, err
	}
	return &userBody{u}, nil
}

func (h userHandlers) get(ctx context.Context, in *UserIDPath) (*userBody, error) {
	u, err := h.svc.GetUser(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &userBody{u}, nil
}

func (h userHandlers) update(ctx context.Context, in *updateUserInput) (*userBody, error) {
	b := in.Body
	var role *identity.Role
	if b.Role != nil {
		r := identity.Role(*b.Role)
		role = &r
	}
	u, err := h.svc.UpdateUser(ctx, in.ID, identity.UpdateUserInput{Name: b.Name, Email: b.Email, Role: role, Status: b.Status,
		CurrentPassword: b.CurrentPassword})
	if err != nil {
		return nil, err
	}
	return &userBody{u}, nil
}

func (h userHandlers) disable(ctx context.Context, in *UserIDPath) (*noContent, error) {
	_, err := h.svc.DisableUser(ctx, in.ID)
	return nil, err
}

func (h userHandlers) setPassword(ctx context.Context, in *setPasswordInput) (*noContent, error) {
	return nil, h.svc.SetPassword(ctx, in.ID, identity.SetPasswordInput{CurrentPassword: in.Body.CurrentPassword, NewPassword: in.Body.NewPassword})
}
