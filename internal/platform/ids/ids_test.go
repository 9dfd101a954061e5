package ids

import (
	"slices"
	"strings"
	"testing"
)

func TestNewIsValidAndSorted(t *testing.T) {
	t.Parallel()
	var all []string
	for range 2000 {
		id := New(Organization)
		if err := Check(Organization, id); err != nil {
			t.Fatal(err)
		}
		all = append(all, id)
	}
	if !slices.IsSorted(all) {
		t.Fatal("ids made in sequence do not sort in creation order")
	}
	seen := map[string]bool{}
	for _, id := range all {
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	good := New(User)
	cases := []struct {
		id   string
		kind Kind
		ok   bool
		msg  string
	}{
		{good, User, true, ""},
		{good, Organization, false, "kind"},
		{"usr_", User, false, "not a valid"},
		{"usr", User, false, "not an id"},
		{"", User, false, "not an id"},
		{"usr_" + strings.Repeat("0", 25), User, false, "not a valid"},
		{"usr_" + strings.Repeat("u", 26), User, false, "not a valid"}, // u is not in the alphabet
		{"usr_" + strings.Repeat("z", 26), User, false, "not a valid"}, // overflows 128 bits
		{strings.ToUpper(good), User, false, ""},
	}
	for _, c := range cases {
		err := Check(c.kind, c.id)
		if (err == nil) != c.ok {
			t.Errorf("Check(%s, %q) = %v, want ok=%v", c.kind, c.id, err, c.ok)
		}
		if err != nil && c.msg != "" && !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Check(%s, %q) = %v, want mention of %q", c.kind, c.id, err, c.msg)
		}
	}
	if KindOf(good) != User || KindOf("nope") != "" {
		t.Fatal("KindOf")
	}
}
