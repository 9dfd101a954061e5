package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// The onboarding forms (products, plans, extra resources, metrics, coupons)
// are larger than the account forms: selects, text areas, check boxes and
// rows that repeat (FAQ entries, a scheme's ranges). Their inputs are
// resolved in Go into obControls (value, error, options), so the templates
// only lay them out. Input names are the service's field names wherever a
// field maps one to one; where the form and the service differ (one line
// of a text area per list item, blank rows left out), the service's field
// errors are renamed onto the inputs before the form is shown again.

// obControl is one input of an onboarding form.
type obControl struct {
	Form string
	Name string
	// Label names the input; a HideLabel input (a table cell) has it as its
	// accessible name only.
	Label string
	// Short starts the error message shown next to the input ("To must be
	// at least from (1)"); the label when empty.
	Short string
	// Type is text, url, email, date, textarea, select, checkbox (one box)
	// or checkboxes (one per option).
	Type        string
	Value       string
	Checked     bool
	Options     []obOption
	Error       string
	Hint        string
	Placeholder string
	Inputmode   string
	List        string
	Required    bool
	Rows        int
	Max         int
	HideLabel   bool
	// Class is added to the control's wrapper (and cell), for the scheme
	// editor's columns.
	Class string
}

// obOption is one choice of a select or of a group of check boxes.
type obOption struct {
	Value    string
	Label    string
	Selected bool
}

// ID is the input's id, unique on the page.
func (c obControl) ID() string {
	r := strings.NewReplacer("_", "-", ".", "-", "[", "-", "]", "")
	return r.Replace(c.Form + "-" + c.Name)
}

// OptionID is the id of the check box of option i.
func (c obControl) OptionID(i int) string { return fmt.Sprintf("%s-%d", c.ID(), i) }

// ErrorText is the message shown next to the input.
func (c obControl) ErrorText() string {
	if c.Error == "" {
		return ""
	}
	s := c.Short
	if s == "" {
		s = c.Label
	}
	return s + " " + c.Error
}

// DescribedBy lists the ids of the hint and error, for aria-describedby.
func (c obControl) DescribedBy() string {
	var ids []string
	if c.Hint != "" {
		ids = append(ids, c.ID()+"-hint")
	}
	if c.Error != "" {
		ids = append(ids, c.ID()+"-error")
	}
	return strings.Join(ids, " ")
}

func (c obControl) req() obControl               { c.Required = true; return c }
func (c obControl) hint(h string) obControl      { c.Hint = h; return c }
func (c obControl) ph(p string) obControl        { c.Placeholder = p; return c }
func (c obControl) mode(m string) obControl      { c.Inputmode = m; return c }
func (c obControl) list(id string) obControl     { c.List = id; return c }
func (c obControl) max(n int) obControl          { c.Max = n; return c }
func (c obControl) class(cl string) obControl    { c.Class = cl; return c }
func (c obControl) short(s string) obControl     { c.Short = s; return c }
func (c obControl) hideLabel() obControl         { c.HideLabel = true; return c }
func (c obControl) area(rows int) obControl      { c.Type, c.Rows = "textarea", rows; return c }
func (c obControl) typ(t string) obControl       { c.Type = t; return c }
func (c obControl) withValue(v string) obControl { c.Value = v; return c }

// obForm builds the controls of one form of a page from its state: the
// refused submission shown again, or the defaults.
type obForm struct {
	f        *Form
	controls map[string]obControl
	order    []string
}

func newObForm(v *view, name string) *obForm {
	return &obForm{f: v.Form(name), controls: map[string]obControl{}}
}

// add registers c (with its error) so the error summary can link to it.
func (b *obForm) add(c obControl) obControl {
	c.Form = b.f.Name
	c.Error = b.f.Error(c.Name)
	if _, seen := b.controls[c.Name]; !seen {
		b.order = append(b.order, c.Name)
	}
	b.controls[c.Name] = c
	return c
}

// text is a text input with the submitted value or def.
func (b *obForm) text(name, label, def string) obControl {
	return b.add(obControl{Name: name, Label: label, Type: "text", Value: b.f.Value(name, def)})
}

// decimal is a text input for a number (a price, a quantity).
func (b *obForm) decimal(name, label, def string) obControl {
	return b.add(obControl{Name: name, Label: label, Type: "text", Inputmode: "decimal", Value: b.f.Value(name, def)})
}

// number is a text input for a whole number.
func (b *obForm) number(name, label, def string) obControl {
	return b.add(obControl{Name: name, Label: label, Type: "text", Inputmode: "numeric", Value: b.f.Value(name, def)})
}

// textarea is a multi-line input.
func (b *obForm) textarea(name, label, def string, rows int) obControl {
	return b.add(obControl{Name: name, Label: label, Type: "textarea", Rows: rows, Value: b.f.Value(name, def)})
}

// selectOne is a select of opts with the submitted value or def chosen.
func (b *obForm) selectOne(name, label, def string, opts []obOption) obControl {
	value := b.f.Value(name, def)
	out := make([]obOption, len(opts))
	for i, o := range opts {
		o.Selected = o.Value == value
		out[i] = o
	}
	return b.add(obControl{Name: name, Label: label, Type: "select", Value: value, Options: out})
}

// checkbox is one check box, checked as submitted or as def.
func (b *obForm) checkbox(name, label string, def bool) obControl {
	checked := def
	if b.f.Submitted {
		checked = b.f.Values.Get(name) != ""
	}
	return b.add(obControl{Name: name, Label: label, Type: "checkbox", Value: "on", Checked: checked})
}

// checkboxes is a group of check boxes sharing name, one per option,
// checked as submitted or when their value is in def.
func (b *obForm) checkboxes(name, label string, def []string, opts []obOption) obControl {
	chosen := def
	if b.f.Submitted {
		chosen = b.f.Values[name]
	}
	out := make([]obOption, len(opts))
	for i, o := range opts {
		o.Selected = slices.Contains(chosen, o.Value)
		out[i] = o
	}
	return b.add(obControl{Name: name, Label: label, Type: "checkboxes", Options: out})
}

// obErrLink is one line of a form's error summary, linking to its input.
type obErrLink struct {
	Href string
	Text string
}

// obErrors is the summary shown above a refused form: its message and each
// field error, linked to the input it is about.
type obErrors struct {
	Message string
	Links   []obErrLink
}

// errors returns the form's error summary. Errors about fields the form
// does not show (which the service may still report) are listed by name.
func (b *obForm) errors() obErrors {
	out := obErrors{Message: b.f.Summary()}
	for _, fe := range b.f.Fields {
		c, ok := b.controls[fe.Field]
		switch {
		case ok:
			href := "#" + c.ID()
			if c.Type == "checkboxes" && len(c.Options) > 0 {
				href = "#" + c.OptionID(0)
			}
			out.Links = append(out.Links, obErrLink{Href: href, Text: c.Label + " " + fe.Message})
		default:
			out.Links = append(out.Links, obErrLink{Text: obFieldLabel(fe.Field) + " " + fe.Message})
		}
	}
	return out
}

// obFieldLabel turns a service field name no input shows
// ("extras[1].scheme.ranges[0].to") into words.
func obFieldLabel(field string) string {
	s := regexp.MustCompile(`\[(\d+)\]`).ReplaceAllStringFunc(field, func(m string) string {
		n, _ := strconv.Atoi(strings.Trim(m, "[]"))
		return " " + strconv.Itoa(n+1)
	})
	s = strings.TrimSpace(strings.NewReplacer(".", " ", "_", " ").Replace(s))
	if s == "" {
		return field
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// obParser reads a posted form into service input, collecting the errors
// of values that are not numbers, under the names of their inputs.
type obParser struct {
	values url.Values
	fields []errs.FieldError
}

func newObParser(values url.Values) *obParser { return &obParser{values: values} }

// str returns the value of name as posted.
func (p *obParser) str(name string) string { return p.values.Get(name) }

// ptr returns a pointer to the value of name.
func (p *obParser) ptr(name string) *string { s := p.values.Get(name); return &s }

// on reports whether check box name is checked.
func (p *obParser) on(name string) bool { return p.values.Get(name) != "" }

func (p *obParser) fail(name, code, message string) {
	p.fields = append(p.fields, errs.Field(name, code, message))
}

// has reports whether name already has an error.
func (p *obParser) has(name string) bool {
	return slices.ContainsFunc(p.fields, func(f errs.FieldError) bool { return f.Field == name })
}

const obNotANumber = "is not a number: write digits with a point before any decimals, such as 12.50 (no thousands separators or currency signs)"

// optDecimal parses name as a decimal; blank is nil.
func (p *obParser) optDecimal(name string) *money.Decimal {
	s := strings.TrimSpace(p.values.Get(name))
	if s == "" {
		return nil
	}
	d, err := money.ParseDecimal(s)
	if err != nil {
		p.fail(name, "invalid_number", obNotANumber)
		return nil
	}
	return &d
}

// decimal parses name as a decimal; blank is 0.
func (p *obParser) decimal(name string) money.Decimal {
	if d := p.optDecimal(name); d != nil {
		return *d
	}
	return money.Decimal{}
}

// decimalPtr is decimal as a pointer, for the service's optional inputs.
func (p *obParser) decimalPtr(name string) *money.Decimal { d := p.decimal(name); return &d }

// int parses name as a whole number; blank is 0.
func (p *obParser) int(name string) int {
	return int(p.int64(name))
}

// intPtr is int as a pointer.
func (p *obParser) intPtr(name string) *int { n := p.int(name); return &n }

func (p *obParser) int64(name string) int64 {
	s := strings.TrimSpace(p.values.Get(name))
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		p.fail(name, "invalid_number", "must be a whole number, such as 12")
		return 0
	}
	return n
}

// ints parses name as whole numbers separated by commas or spaces.
func (p *obParser) ints(name string) []int {
	out := []int{}
	for _, s := range strings.FieldsFunc(p.values.Get(name), func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(s)
		if err != nil {
			p.fail(name, "invalid_number", "must be whole numbers separated by commas, such as 1, 12, 24")
			return nil
		}
		out = append(out, n)
	}
	return out
}

// err returns the collected errors, nil when every value was read.
func (p *obParser) err() error {
	if len(p.fields) == 0 {
		return nil
	}
	return errs.Invalid("validation_failed", "invalid input", p.fields...)
}

// obRename returns err with each field error passed through fn; errors
// without fields are returned as they are.
func obRename(err error, fn func(errs.FieldError) errs.FieldError) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]errs.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out.Fields[i] = fn(f)
	}
	return &out
}

// obIndexRE matches a field of a repeated group: "faq[2].question".
var obIndexRE = regexp.MustCompile(`^([a-z_.]+)\[(\d+)\](.*)$`)

// obSplitIndex splits "faq[2].question" into "faq", 2, ".question".
func obSplitIndex(field string) (group string, i int, rest string, ok bool) {
	m := obIndexRE.FindStringSubmatch(field)
	if m == nil {
		return "", 0, "", false
	}
	i, err := strconv.Atoi(m[2])
	if err != nil {
		return "", 0, "", false
	}
	return m[1], i, m[3], true
}

// obReindex renames the service's index of a field of group to the row of
// the form it came from: blank rows are not sent, so the service's
// ranges[1] may be the form's ranges[2]. rows[k] is the form row of the
// service's item k.
func obReindex(fe errs.FieldError, group string, rows []int) errs.FieldError {
	g, k, rest, ok := obSplitIndex(fe.Field)
	if ok && g == group && k < len(rows) {
		fe.Field = fmt.Sprintf("%s[%d]%s", group, rows[k], rest)
	}
	return fe
}

// obRowCount returns how many rows of group the posted values hold: one
// more than the largest index named, at most max.
func obRowCount(values url.Values, group string, max int) int {
	n := 0
	for k := range values {
		if g, i, _, ok := obSplitIndex(k); ok && g == group && i < max && i+1 > n {
			n = i + 1
		}
	}
	return n
}

// obAddRow gives values one more (blank) row of group, named by field.
func obAddRow(values url.Values, group, field string, max int) {
	n := obRowCount(values, group, max)
	if n < max {
		values.Set(fmt.Sprintf("%s[%d]%s", group, n, field), "")
	}
}

// obRemoveRow removes row i of group from values, renumbering the rows
// after it.
func obRemoveRow(values url.Values, group string, i int) {
	moved := url.Values{}
	for k, v := range values {
		g, j, rest, ok := obSplitIndex(k)
		if !ok || g != group || j < i {
			continue
		}
		delete(values, k)
		if j > i {
			moved[fmt.Sprintf("%s[%d]%s", group, j-1, rest)] = v
		}
	}
	for k, v := range moved {
		values[k] = v
	}
}

// obOp reads the button that sent a form: "" (the default, save), or an
// editing step such as "add_range" or "remove_range" with its row.
func obOp(r *http.Request) (op string, row int) {
	op, arg, _ := strings.Cut(r.PostForm.Get("op"), ":")
	row, err := strconv.Atoi(arg)
	if err != nil || row < 0 {
		row = -1
	}
	return op, row
}

// obLines splits a text area into its non-blank lines, trimmed, with the
// line number (from 1) of each.
func obLines(s string) (lines []string, numbers []int) {
	lines = []string{}
	for i, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
			numbers = append(numbers, i+1)
		}
	}
	return lines, numbers
}

// obCommaList splits a comma-separated input into its non-blank items.
func obCommaList(s string) []string {
	out := []string{}
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// obRedisplay shows form name again with values and no errors (after an
// editing step such as "add a range"), or with message as the form's
// error.
func obRedisplay(w http.ResponseWriter, r *http.Request, v *view, name string, values url.Values, message string, status int, page pageFunc) error {
	f := newForm(values, nil)
	f.Message = message
	v.setForm(name, f)
	v.Status = status
	return page(w, r, v)
}

// obFingerprint identifies the state of x (a product, a plan) a form was
// loaded with: a form posted after someone else's change is shown again
// instead of silently overwriting it. Every field takes part, so it works
// whatever the clock's resolution.
func obFingerprint(x any) string {
	b, err := json.Marshal(x)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
