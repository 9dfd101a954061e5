// Package memo remembers reads for the length of one unit of work: a
// lifecycle batch renews hundreds of subscriptions of the same few plans,
// and each renewal would otherwise read the same product, plan and price
// lists again. A scope is opened with With; Get inside it computes a value
// once per key, outside it every time. Only reads whose answer the unit of
// work does not change belong in a scope, and the scope must end with the
// work (it is carried by the work's context).
package memo

import (
	"context"
	"sync"
)

type scope struct {
	mu   sync.Mutex
	vals map[string]entry
}

type entry struct {
	v   any
	err error
}

type key struct{}

// With returns ctx carrying a new, empty scope.
func With(ctx context.Context) context.Context {
	return context.WithValue(ctx, key{}, &scope{vals: map[string]entry{}})
}

// Get returns the value remembered under k in ctx's scope, computing it
// with f the first time (errors are remembered too); without a scope it
// calls f.
func Get[T any](ctx context.Context, k string, f func() (T, error)) (T, error) {
	s, ok := ctx.Value(key{}).(*scope)
	if !ok {
		return f()
	}
	s.mu.Lock()
	e, found := s.vals[k]
	s.mu.Unlock()
	if found {
		v, _ := e.v.(T)
		return v, e.err
	}
	v, err := f()
	s.mu.Lock()
	s.vals[k] = entry{v, err}
	s.mu.Unlock()
	return v, err
}
