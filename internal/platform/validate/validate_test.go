package validate

import (
	"strings"
	"testing"
	"unicode/utf8"

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

// Names and e-mails refuse the invisible characters that make one string
// display as another: bidi controls (U+202E turns "txt.exe" around),
// zero-width spaces, word joiners, soft hyphens.
func TestInvisibleCharacters(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"Acme\u202Egpj.exe", "Ac\u200Bme", "Acme\u2066Corp\u2069", "Ac\u00ADme", "\u200FAcme", "Ac\u2060me", "Acme\uFEFF", "Ac\u061Cme"} {
		v := New()
		v.Name("name", s, 200)
		e, ok := errs.As(v.Err())
		if !ok || len(e.Fields) != 1 || e.Fields[0].Field != "name" || e.Fields[0].Code != "invalid_format" {
			t.Errorf("Name(%q): %v", s, v.Err())
		}
		v = New()
		v.Email("email", strings.ReplaceAll("ad"+s+"@example.com", " ", ""))
		if v.Err() == nil {
			t.Errorf("Email with %q accepted", s)
		}
	}
	// Bidi controls are refused in any text; joiners that scripts and
	// emoji need stay allowed there, and right-to-left text is fine.
	v := New()
	v.Text("description", "abc\u202Edef", 100)
	if v.Err() == nil {
		t.Error("Text accepted a bidi override")
	}
	for _, s := range []string{"Acme Corp", "Société Générale", "شركة أكمي", "מכולת", "👩\u200D💻 Dev Shop", "می\u200Cخواهم"} {
		v := New()
		if v.Name("name", s, 200); v.Err() != nil {
			t.Errorf("Name(%q) refused: %v", s, v.Err())
		}
	}
}

// A clipped reason stays valid UTF-8 even when the limit falls inside a
// rune (PostgreSQL refuses invalid text).
func TestClip(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"abcdef", 3, "abc"},
		{"prezzo €12", 9, "prezzo "},   // € is 3 bytes at 7..9: cut before it
		{"prezzo €12", 10, "prezzo €"}, // ends exactly after it
		{"€", 2, ""},
	} {
		got := Clip(c.in, c.max)
		if got != c.want || !utf8.ValidString(got) {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
