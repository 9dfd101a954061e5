// Package actor carries who is acting, and on which request, through the
// context: the authenticated user (or a system process), the organization
// and role it acts as, the administrator impersonating it if any, and the
// request id. Services read it to authorize, the audit log and the outbox
// read it to record both identities of every change.
package actor

import "context"

// Actor is who performs an operation.
type Actor struct {
	// Kind is "user" for a person (session or API key) or "system" for
	// background work.
	Kind string
	// UserID is the user acting (the impersonated user during impersonation).
	UserID string
	// OrgID and OrgKind are the user's organization.
	OrgID   string
	OrgKind string
	// Role is the user's role.
	Role string
	// ImpersonatorID is the administrator acting as UserID, if any.
	ImpersonatorID string
	// ImpersonatorRole is the impersonator's role.
	ImpersonatorRole string
	// APIKeyID is the API key used, if any.
	APIKeyID string
	// SessionID is the session used, if any.
	SessionID string
}

// The actor kinds.
const (
	KindUser   = "user"
	KindSystem = "system"
)

// System is the actor of background work and of the command line.
var System = Actor{Kind: KindSystem}

// IsZero reports whether no one is acting (an anonymous request).
func (a Actor) IsZero() bool { return a.Kind == "" }

// Impersonated reports whether an administrator acts as this user.
func (a Actor) Impersonated() bool { return a.ImpersonatorID != "" }

type actorKey struct{}

// With returns ctx carrying a.
func With(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// From returns the actor in ctx, the zero Actor if none.
func From(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// Request describes the request an operation runs in.
type Request struct {
	ID        string
	IP        string
	UserAgent string
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request in ctx, the zero Request if none.
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}
