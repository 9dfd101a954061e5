package api

import (
	"github.com/nephele-cloud/nephele/internal/identity"
)

// RegisterIdentity registers the identity resources: authentication,
// the current user, organizations, users, API keys and the audit log.
func RegisterIdentity(a *API, svc *identity.Service) {
	registerAuth(a, svc)
	registerOrganizations(a, svc)
	registerUsers(a, svc)
	registerAPIKeys(a, svc)
	registerAudit(a, svc)
	registerBranding(a, svc)
}

// Page is the shape of every list answer.
type Page[T any] struct {
	Data       []T    `json:"data" nullable:"false" doc:"The items of this page."`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as ?cursor= to get the next page; absent on the last page."`
}

// List is a list that is not paged: every item at once, or (for a bounded
// list, whose operation says its bound) the first ones. It has no
// next_cursor and its operation takes no limit or cursor.
type List[T any] struct {
	Data []T `json:"data" nullable:"false" doc:"The items."`
}

// PageParams are the query parameters of every list.
type PageParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"200" doc:"Items per page (default 50, at most 200)."`
	Cursor string `query:"cursor" maxLength:"200" doc:"The next_cursor of the previous page."`
}

// noInput is the input of an operation without parameters or body.
type noInput struct{}

// noContent is the output of an operation that answers without a body.
type noContent struct{}
