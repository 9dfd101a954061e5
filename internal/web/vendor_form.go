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
	"github.com/nephele-cloud/nephele/internal/pricing"
)

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

// pricingKinds are the pricing kinds offered on the plan form.
var pricingKinds = []formOption{
	{Value: string(pricing.PricingRenewableMonths), Label: "Subscription renewed every N months"},
	{Value: string(pricing.PricingRenewableHours), Label: "Subscription renewed every N hours"},
	{Value: string(pricing.PricingShort), Label: "Fixed term, not renewed"},
	{Value: string(pricing.PricingEverlasting), Label: "One-time purchase, never ends"},
	{Value: string(pricing.PricingFree), Label: "Free (extras may still be charged)"},
	{Value: string(pricing.PricingContactOnly), Label: "Price on request (cannot be ordered online)"},
}

// schemeKinds are the pricing schemes of extra resources and metrics.
var schemeKinds = []formOption{
	{Value: string(pricing.SchemePerUnit), Label: "Per unit"},
	{Value: string(pricing.SchemeTiered), Label: "Tiered"},
	{Value: string(pricing.SchemeVolume), Label: "Volume"},
	{Value: string(pricing.SchemeStairstep), Label: "Stairstep"},
	{Value: string(pricing.SchemePackage), Label: "Package"},
}
