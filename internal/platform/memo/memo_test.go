package memo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/memo"
)

// Inside a scope a read happens once per key, its error included; outside
// one it happens every time.
func TestGetRemembersInsideAScope(t *testing.T) {
	t.Parallel()
	calls := 0
	read := func() (int, error) { calls++; return calls, nil }
	ctx := memo.With(context.Background())
	for range 3 {
		if v, _ := memo.Get(ctx, "a", read); v != 1 {
			t.Fatalf("a = %d, want the first read", v)
		}
	}
	if v, _ := memo.Get(ctx, "b", read); v != 2 {
		t.Fatalf("b = %d", v)
	}
	boom := errors.New("boom")
	for range 2 {
		if _, err := memo.Get(ctx, "c", func() (int, error) { calls++; return 0, boom }); !errors.Is(err, boom) {
			t.Fatal(err)
		}
	}
	if calls != 3 {
		t.Fatalf("%d reads in the scope, want 3", calls)
	}
	for range 2 {
		_, _ = memo.Get(context.Background(), "a", read)
	}
	if calls != 5 {
		t.Fatalf("%d reads, want 2 more outside the scope", calls)
	}
}
