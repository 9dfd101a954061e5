package page

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

func TestRoundTripAndLimits(t *testing.T) {
	t.Parallel()
	after, limit, err := Request{Cursor: Cursor("usr_01"), Limit: 10}.After()
	if err != nil || after != "usr_01" || limit != 10 {
		t.Fatalf("After = %q, %d, %v", after, limit, err)
	}
	if _, limit, _ := (Request{}).After(); limit != DefaultLimit {
		t.Fatalf("default limit %d", limit)
	}
	for _, bad := range []Request{{Limit: -1}, {Limit: MaxLimit + 1}, {Cursor: "!!"}, {Cursor: "dXNy"}} {
		if _, _, err := bad.After(); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("%+v accepted: %v", bad, err)
		}
	}
	rows, next := Trim([]string{"a", "b", "c"}, 2, func(s string) string { return s })
	if len(rows) != 2 || next != Cursor("b") {
		t.Fatalf("Trim = %v, %q", rows, next)
	}
	if _, next := Trim([]string{"a"}, 2, func(s string) string { return s }); next != "" {
		t.Fatal("cursor on last page")
	}
}
