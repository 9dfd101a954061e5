package validate

import (
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
)

func TestEmail(t *testing.T) {
	t.Parallel()
	good := []string{"a@b.co", "first.last+tag@example.com", "X@Example.COM"}
	bad := []string{"", "a", "a@b", "a@.com", "a@b..com", "Name <a@b.co>", "a b@c.com", "@b.co", "a@b.co.", strings.Repeat("a", 65) + "@b.co"}
	for _, s := range good {
		v := New()
		if got := v.Email("email", s); v.Err() != nil || got != strings.ToLower(s) {
			t.Errorf("Email(%q) = %q, %v", s, got, v.Err())
		}
	}
	for _, s := range bad {
		v := New()
		v.Email("email", s)
		e, ok := errs.As(v.Err())
		if !ok || e.Fields[0].Field != "email" {
			t.Errorf("Email(%q) accepted", s)
		}
	}
}

func TestCollector(t *testing.T) {
	t.Parallel()
	v := New()
	if got := v.Name("name", "  Acme  ", 10); got != "Acme" {
		t.Fatalf("Name trimmed to %q", got)
	}
	v.Name("long", "abcdefghijk", 10)
	v.Name("ctl", "a\x00b", 10)
	v.Country("country", "ita")
	v.ID("org_id", ids.Organization, ids.New(ids.User))
	v.OneOf("kind", "x", "a", "b")
	e, ok := errs.As(v.Err())
	if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 5 {
		t.Fatalf("Err = %v", v.Err())
	}
	if New().Err() != nil {
		t.Fatal("empty collector returned an error")
	}
	if CheckID("id", ids.User, "org_x") == nil {
		t.Fatal("CheckID accepted a wrong kind")
	}
}
