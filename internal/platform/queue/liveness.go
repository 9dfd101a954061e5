package queue

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
)

// liveness tells, on PostgreSQL, whether the process of a River client is
// alive: a working process holds a session advisory lock named by its
// client id for as long as it works, on a connection of its own. When the
// process dies (kill -9, a crash) its connection ends and the lock with
// it, so a lock that can be taken names a dead client.
type liveness struct {
	pool *pgxpool.Pool
	mu   sync.Mutex
	held *pgxpool.Conn // holds this process's lock while it works
}

// livenessSpace keeps these locks apart from any other advisory lock
// (the two-key form does not overlap the one-key form).
const livenessSpace = int32(0x6e657068) // "neph"

func clientKey(id string) int32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int32(h.Sum32())
}

// hold takes the lock of client id until release.
func (l *liveness) hold(ctx context.Context, id string) error {
	c, err := l.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("job queue liveness: %w", err)
	}
	if _, err := c.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, livenessSpace, clientKey(id)); err != nil {
		c.Release()
		return fmt.Errorf("job queue liveness: %w", err)
	}
	l.mu.Lock()
	l.held = c
	l.mu.Unlock()
	return nil
}

// release gives the lock up (the process stops working).
func (l *liveness) release(ctx context.Context, id string) {
	l.mu.Lock()
	c := l.held
	l.held = nil
	l.mu.Unlock()
	if c == nil {
		return
	}
	if _, err := c.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, livenessSpace, clientKey(id)); err != nil {
		// Closing the connection releases it for sure.
		_ = c.Conn().Close(ctx)
	}
	c.Release()
}

// alive reports whether the process of client id holds its lock. A hash
// collision with a live client errs on the side of alive.
func (l *liveness) alive(ctx context.Context, id string) (bool, error) {
	c, err := l.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("job queue liveness: %w", err)
	}
	defer c.Release()
	var free bool
	if err := c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, livenessSpace, clientKey(id)).Scan(&free); err != nil {
		return false, fmt.Errorf("job queue liveness: %w", err)
	}
	if free {
		if _, err := c.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, livenessSpace, clientKey(id)); err != nil {
			_ = c.Conn().Close(ctx)
		}
	}
	return !free, nil
}
