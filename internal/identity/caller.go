package identity

import (
	"context"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// The prologue every domain service opens its methods with: who is asking,
// may they change things, are they staff, does their role hold a function.
// The system actor (background work, the command line) is staff and holds
// every function.

// Caller returns the authenticated actor of ctx, or an unauthenticated
// error when nobody is signed in.
func Caller(ctx context.Context) (actor.Actor, error) {
	a := actor.From(ctx)
	if a.IsZero() {
		return a, errs.Unauthenticated("unauthenticated", "authentication required")
	}
	return a, nil
}

// Writer returns the caller of ctx if it may change things: signed in, and
// not a supervisor's read-only impersonation.
func Writer(ctx context.Context) (actor.Actor, error) {
	a, err := Caller(ctx)
	if err != nil {
		return a, err
	}
	return a, CheckWritable(a)
}

// IsStaff reports whether a is the marketplace owner's staff (or the
// system).
func IsStaff(a actor.Actor) bool {
	return a.Kind == actor.KindSystem || Role(a.Role).Staff()
}

// May reports whether a's role holds function f (the system holds all).
func May(a actor.Actor, f Function) bool {
	return a.Kind == actor.KindSystem || Can(Role(a.Role), f)
}

// StaffMay refuses unless a is staff holding f; what names the action in
// the refusal ("voiding an invoice").
func StaffMay(a actor.Actor, f Function, what string) error {
	if IsStaff(a) && May(a, f) {
		return nil
	}
	return errs.Forbidden("permission_denied", what+" is for the marketplace's administrators")
}

// AsSystem returns ctx acting as the system: for reads and writes a service
// makes on its own behalf after it has authorized the caller.
func AsSystem(ctx context.Context) context.Context { return actor.With(ctx, actor.System) }
