// Package validate collects field errors of an operation's input so a
// service can answer bad input with every problem at once, each naming its
// field, as one errs.Invalid error.
//
//	v := validate.New()
//	in.Name = v.Name("name", in.Name, 200)
//	in.Email = v.Email("email", in.Email)
//	if err := v.Err(); err != nil {
//		return err
//	}
package validate

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
)

// Collector gathers field errors.
type Collector struct {
	fields []errs.FieldError
}

// New returns an empty collector.
func New() *Collector { return &Collector{} }

// Add records a field error.
func (c *Collector) Add(field, code, message string) {
	c.fields = append(c.fields, errs.Field(field, code, message))
}

// Check records a field error unless ok.
func (c *Collector) Check(ok bool, field, code, message string) {
	if !ok {
		c.Add(field, code, message)
	}
}

// Has reports whether field already has an error.
func (c *Collector) Has(field string) bool {
	for _, f := range c.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when nothing was recorded, else an invalid-input error
// (code validation_failed) carrying every field error.
func (c *Collector) Err() error {
	if len(c.fields) == 0 {
		return nil
	}
	msg := "invalid input"
	if len(c.fields) == 1 {
		msg = c.fields[0].Field + ": " + c.fields[0].Message
	}
	return errs.Invalid("validation_failed", msg, c.fields...)
}

// Required records a "required" error when s is blank.
func (c *Collector) Required(field, s string) bool {
	if strings.TrimSpace(s) == "" {
		c.Add(field, "required", "is required")
		return false
	}
	return true
}

// Name trims s and checks it is 1..max characters of printable text: no
// control characters and no invisible format characters (see
// invisibleInName), so a name reads as what it is. It returns the trimmed
// value.
func (c *Collector) Name(field, s string, max int) string {
	s = strings.TrimSpace(s)
	if !c.Required(field, s) {
		return s
	}
	c.Text(field, s, max)
	if !c.Has(field) && strings.IndexFunc(s, invisibleInName) >= 0 {
		c.Add(field, "invalid_format", "must not contain invisible or direction-changing characters")
	}
	return s
}

// bidiControl reports whether r is a Unicode bidirectional control: the
// embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the
// marks (U+200E, U+200F, U+061C). They make a string display differently
// from what it is ("\u202Etxt.exe" shows as "exe.txt").
func bidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// invisibleInName reports whether r is a format character (Unicode Cf:
// bidi controls, zero-width spaces, word joiners, soft hyphens, byte order
// marks) other than the zero-width joiner and non-joiner, which scripts
// such as Persian and the Indic ones and emoji sequences need.
func invisibleInName(r rune) bool {
	return unicode.Is(unicode.Cf, r) && r != 0x200C && r != 0x200D
}

// Text checks an optional s is valid UTF-8 of at most max characters without
// control characters other than newlines and tabs, and without bidi
// controls (see bidiControl).
func (c *Collector) Text(field, s string, max int) {
	if !utf8.ValidString(s) {
		c.Add(field, "invalid_format", "is not valid UTF-8")
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		c.Add(field, "too_long", fmt.Sprintf("must be at most %d characters", max))
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			c.Add(field, "invalid_format", "must not contain control characters")
			return
		}
		if bidiControl(r) {
			c.Add(field, "invalid_format", "must not contain direction-changing characters")
			return
		}
	}
}

// Email checks s is one plain email address (no display name, at most 254
// characters, a dot in the domain) and returns it trimmed and lower-cased.
// An empty s is reported as required.
func (c *Collector) Email(field, s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if !c.Required(field, s) {
		return s
	}
	if !IsEmail(s) {
		c.Add(field, "invalid_email", "is not a valid email address")
	}
	return s
}

// OptionalEmail is Email that accepts an empty string.
func (c *Collector) OptionalEmail(field, s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return c.Email(field, s)
}

// IsEmail reports whether s is one plain email address.
func IsEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>\"(),;:\\[]") {
		return false
	}
	// Nothing invisible or direction-changing: an address must read as
	// what it is.
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) }) >= 0 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && len(local) <= 64 && strings.Contains(domain, ".") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") && !strings.Contains(domain, "..")
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

// Country checks an optional ISO 3166-1 alpha-2 code and returns it upper-cased.
func (c *Collector) Country(field, s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s != "" && !countryRE.MatchString(s) {
		c.Add(field, "invalid_country", "must be an ISO 3166-1 alpha-2 country code such as IT or DE")
	}
	return s
}

// ID checks s is an id of kind k. An empty s is reported as required.
func (c *Collector) ID(field string, k ids.Kind, s string) {
	if !c.Required(field, s) {
		return
	}
	if err := ids.Check(k, s); err != nil {
		c.Add(field, "invalid_id", err.Error())
	}
}

// OneOf checks s is one of allowed.
func (c *Collector) OneOf(field, s string, allowed ...string) {
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	c.Add(field, "invalid_enum", "must be one of "+strings.Join(allowed, ", "))
}

// CheckID returns an invalid-input error naming field when s is not an id of
// kind k, for path parameters checked before any lookup.
func CheckID(field string, k ids.Kind, s string) error {
	if err := ids.Check(k, s); err != nil {
		return errs.Invalid("invalid_id", err.Error(), errs.Field(field, "invalid_id", err.Error()))
	}
	return nil
}

// Clip returns s cut to at most max bytes at a rune boundary, so the
// result stays valid UTF-8 (PostgreSQL refuses a text value that is not):
// for storing a bounded reason, such as an error's text.
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}
