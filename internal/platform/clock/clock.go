// Package clock is the only source of business time in Nephele.
//
// Services receive a Clock; nothing else calls time.Now. Times returned are
// UTC, truncated to microseconds (the precision both database engines keep),
// and carry no monotonic reading, so they compare equal after a database
// round trip.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// System is the wall clock.
type System struct{}

// Now returns the current UTC time truncated to microseconds.
func (System) Now() time.Time { return Normalize(time.Now()) }

// Normalize returns t in UTC, truncated to microseconds, without a monotonic
// reading. Every time stored or compared by Nephele goes through it.
func Normalize(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond).Round(0)
}

// Test is a settable clock for tests and for a server running in test mode.
// It is safe for concurrent use. Its zero value is not usable; use NewTest.
type Test struct {
	mu  sync.Mutex
	now time.Time
}

// NewTest returns a test clock frozen at start.
func NewTest(start time.Time) *Test {
	return &Test{now: Normalize(start)}
}

// Now returns the clock's current time.
func (c *Test) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t. Moving backwards is allowed (tests of clock skew)
// but callers that run scheduled work only ever move forward.
func (c *Test) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = Normalize(t)
}

// Advance moves the clock forward by d and returns the new time.
func (c *Test) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = Normalize(c.now.Add(d))
	return c.now
}

// Stopwatch starts measuring elapsed wall time (monotonic, for latencies and
// timeouts, never for business time) and returns a function reading it.
func Stopwatch() func() time.Duration {
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}

// Days is n days of 24 hours: business rules count payment terms, grace
// periods and reminders in whole days.
func Days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
