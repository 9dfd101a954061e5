package api

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

//go:embed docs.html
var docsTemplateText string

var docsTemplate = template.Must(template.New("docs").Funcs(template.FuncMap{
	"text":  docsText,
	"lower": strings.ToLower,
}).Parse(docsTemplateText))

// docsPage is what the docs template renders: the OpenAPI document turned
// into plain lists.
type docsPage struct {
	Title, Version, BaseURL, SpecURL, LoginPath, TTL string
	Description                                      string
	ErrorCodes                                       []docsCode
	FieldCodes                                       []docsCode
	Problem                                          []docsField
	Tags                                             []docsTag
}

type docsCode struct {
	Status  int
	Code    string
	Meaning string
}

type docsTag struct {
	Name, ID, Description string
	Ops                   []docsOp
}

type docsOp struct {
	ID, Method, Path, Summary, Description string
	Public, Deprecated, Idempotent         bool
	Params                                 []docsField
	Body                                   *docsBody
	Responses                              []docsResponse // the non-problem answers
	Errors                                 []docsResponse // the problem+json answers
}

type docsBody struct {
	ContentType, Type string
	Fields            []docsField
}

type docsResponse struct {
	Status, Description string
	Problem             bool
	Body                *docsBody
	Headers             []docsField
}

// docsField is one field of a schema (or a parameter), with its children
// when it is an object or an array of objects.
type docsField struct {
	Name, In, Type, Description, Constraints string
	Required                                 bool
	Enum                                     []string
	Fields                                   []docsField
}

var docsErrorCodes = []docsCode{
	{400, "malformed_request", "The body is not valid JSON, or is missing."},
	{401, "unauthenticated", "No token on an operation that needs one, or a rejected token (`WWW-Authenticate: Bearer`)."},
	{403, "forbidden", "The caller may not do this."},
	{403, "impersonation_read_only", "A supervisor impersonating a user may only read (and log out)."},
	{404, "not_found", "No such object or path, or one the caller may not see."},
	{405, "method_not_allowed", "The path exists but not with this method (see `Allow`)."},
	{409, "idempotency_key_reused", "The Idempotency-Key was used with a different request."},
	{409, "idempotency_request_in_progress", "The first request with this Idempotency-Key is still running."},
	{413, "request_too_large", "The body exceeds the size limit."},
	{415, "unsupported_media_type", "The body is not `application/json`."},
	{422, "validation_failed", "One or more fields are invalid; see `errors`."},
	{429, "too_many_requests", "Throttled; retry after `Retry-After` seconds (domain codes may be more specific)."},
	{500, "internal_error", "Unexpected; quote the `request_id`."},
}

var docsFieldCodes = []docsCode{
	{0, "required", "The field is missing."},
	{0, "unknown_field", "The field is not part of the request."},
	{0, "wrong_type", "The value has the wrong JSON type."},
	{0, "invalid_format", "The string does not have the expected format (date-time, email, pattern...)."},
	{0, "invalid_enum", "The value is not one of the allowed values."},
	{0, "too_short", "Shorter than the minimum length (or fewer items)."},
	{0, "too_long", "Longer than the maximum length (or more items)."},
	{0, "out_of_range", "The number is outside the allowed range."},
	{0, "invalid", "Any other problem; see the message."},
}

func (a *API) serveDocs(w http.ResponseWriter, r *http.Request) {
	a.docsOnce.Do(func() { a.docsHTML, a.docsErr = a.renderDocs() })
	if a.docsErr != nil {
		a.internalError(w, r, a.docsErr)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(a.docsHTML)
}

// renderDocs renders the docs page from the OpenAPI document.
func (a *API) renderDocs() ([]byte, error) {
	oapi := a.huma.OpenAPI()
	b := docsBuilder{oapi: oapi}
	page := docsPage{
		Title: oapi.Info.Title, Version: oapi.Info.Version, BaseURL: BasePath, SpecURL: OpenAPIPath,
		LoginPath: BasePath + "/auth/login", TTL: humanDuration(a.ttl),
		ErrorCodes: docsErrorCodes, FieldCodes: docsFieldCodes,
		Problem: b.fields(&huma.Schema{Ref: "#/components/schemas/Problem"}, 0, map[string]bool{}),
	}
	tagDesc := map[string]string{}
	for _, t := range oapi.Tags {
		tagDesc[t.Name] = t.Description
	}
	byTag := map[string]*docsTag{}
	for _, op := range a.Operations() {
		name := "Other"
		if len(op.Tags) > 0 {
			name = op.Tags[0]
		}
		t := byTag[name]
		if t == nil {
			t = &docsTag{Name: name, ID: "tag-" + slug(name), Description: tagDesc[name]}
			byTag[name] = t
		}
		t.Ops = append(t.Ops, b.operation(op))
	}
	for _, t := range byTag {
		page.Tags = append(page.Tags, *t)
	}
	sort.Slice(page.Tags, func(i, j int) bool { return page.Tags[i].Name < page.Tags[j].Name })
	var out bytes.Buffer
	if err := docsTemplate.Execute(&out, page); err != nil {
		return nil, fmt.Errorf("render docs: %w", err)
	}
	return out.Bytes(), nil
}

type docsBuilder struct{ oapi *huma.OpenAPI }

func (b docsBuilder) operation(op *huma.Operation) docsOp {
	d := docsOp{
		ID: "op-" + slug(op.OperationID), Method: op.Method, Path: BasePath + op.Path, Summary: op.Summary,
		Description: op.Description, Public: len(op.Security) == 0, Deprecated: op.Deprecated,
	}
	for _, p := range op.Parameters {
		if p.Name == IdempotencyHeader {
			d.Idempotent = true
		}
		f := b.field(p.Name, p.Schema, p.Required, 0, map[string]bool{})
		f.In, f.Description = p.In, firstNonEmpty(p.Description, f.Description)
		d.Params = append(d.Params, f)
	}
	if rb := op.RequestBody; rb != nil {
		for _, ct := range sortedKeys(rb.Content) {
			d.Body = b.body(ct, rb.Content[ct].Schema)
			break
		}
	}
	for _, status := range sortedKeys(op.Responses) {
		resp := op.Responses[status]
		if resp.Ref != "" {
			name := strings.TrimPrefix(resp.Ref, "#/components/responses/")
			if r := b.oapi.Components.Responses[name]; r != nil {
				resp = r
			}
		}
		dr := docsResponse{Status: status, Description: resp.Description}
		for _, ct := range sortedKeys(resp.Content) {
			if ct == errs.ProblemMediaType {
				dr.Problem = true
			} else {
				dr.Body = b.body(ct, resp.Content[ct].Schema)
			}
			break
		}
		for _, name := range sortedKeys(resp.Headers) {
			h := resp.Headers[name]
			f := b.field(name, h.Schema, false, 0, map[string]bool{})
			f.Description = firstNonEmpty(h.Description, f.Description)
			dr.Headers = append(dr.Headers, f)
		}
		if dr.Problem {
			n, _ := strconv.Atoi(status)
			dr.Description = firstNonEmpty(http.StatusText(n), status)
			d.Errors = append(d.Errors, dr)
		} else {
			d.Responses = append(d.Responses, dr)
		}
	}
	return d
}

func (b docsBuilder) body(ct string, s *huma.Schema) *docsBody {
	if s == nil {
		return &docsBody{ContentType: ct}
	}
	seen := map[string]bool{}
	return &docsBody{ContentType: ct, Type: b.typeName(s), Fields: b.fields(s, 0, seen)}
}

// resolve follows a $ref to the registered schema.
func (b docsBuilder) resolve(s *huma.Schema) *huma.Schema {
	for s != nil && s.Ref != "" {
		r := b.oapi.Components.Schemas.SchemaFromRef(s.Ref)
		if r == nil {
			return s
		}
		s = r
	}
	return s
}

const docsMaxDepth = 8

// fields lists the properties of an object schema (or of the items of an
// array of objects), in the Go struct's order when the type is known.
func (b docsBuilder) fields(s *huma.Schema, depth int, seen map[string]bool) []docsField {
	if s == nil || depth > docsMaxDepth {
		return nil
	}
	ref := s.Ref
	if ref != "" {
		if seen[ref] {
			return nil // recursive type: shown once
		}
		seen[ref] = true
		defer delete(seen, ref)
	}
	r := b.resolve(s)
	if r == nil {
		return nil
	}
	if r.Type == "array" && r.Items != nil {
		return b.fields(r.Items, depth, seen)
	}
	if len(r.Properties) == 0 {
		return nil
	}
	required := map[string]bool{}
	for _, n := range r.Required {
		required[n] = true
	}
	var out []docsField
	for _, name := range b.propertyOrder(ref, r) {
		out = append(out, b.field(name, r.Properties[name], required[name], depth+1, seen))
	}
	return out
}

func (b docsBuilder) field(name string, s *huma.Schema, required bool, depth int, seen map[string]bool) docsField {
	f := docsField{Name: name, Required: required}
	r := b.resolve(s)
	if r == nil {
		return f
	}
	f.Type = b.typeName(s)
	f.Description = firstNonEmpty(s.Description, r.Description)
	for _, e := range r.Enum {
		f.Enum = append(f.Enum, fmt.Sprint(e))
	}
	f.Constraints = constraints(r)
	f.Fields = b.fields(s, depth, seen)
	return f
}

// typeName is a short human type: "string (date-time)", "array of Plan".
func (b docsBuilder) typeName(s *huma.Schema) string {
	if s == nil {
		return "any"
	}
	name := ""
	if s.Ref != "" {
		name = s.Ref[strings.LastIndexByte(s.Ref, '/')+1:]
	}
	r := b.resolve(s)
	t := r.Type
	switch {
	case t == "array":
		t = "array of " + b.typeName(r.Items)
	case t == "object" && name != "":
		t = "object (" + name + ")"
	case t == "object" && len(r.Properties) == 0:
		if addl, ok := r.AdditionalProperties.(*huma.Schema); ok {
			t = "map of " + b.typeName(addl)
		}
	case t == "" && len(r.OneOf)+len(r.AnyOf) > 0:
		var alts []string
		for _, o := range append(append([]*huma.Schema{}, r.OneOf...), r.AnyOf...) {
			alts = append(alts, b.typeName(o))
		}
		t = "one of " + strings.Join(alts, ", ")
	case t == "":
		t = "any"
	}
	if r.Format != "" {
		t += " (" + r.Format + ")"
	}
	if r.Nullable {
		t += " or null"
	}
	return t
}

func constraints(s *huma.Schema) string {
	var c []string
	num := func(f *float64) string { return strconv.FormatFloat(*f, 'f', -1, 64) }
	switch {
	case s.MinLength != nil && s.MaxLength != nil:
		c = append(c, fmt.Sprintf("%d-%d characters", *s.MinLength, *s.MaxLength))
	case s.MinLength != nil:
		c = append(c, fmt.Sprintf("at least %d characters", *s.MinLength))
	case s.MaxLength != nil:
		c = append(c, fmt.Sprintf("at most %d characters", *s.MaxLength))
	}
	if s.Minimum != nil {
		c = append(c, ">= "+num(s.Minimum))
	}
	if s.ExclusiveMinimum != nil {
		c = append(c, "> "+num(s.ExclusiveMinimum))
	}
	if s.Maximum != nil {
		c = append(c, "<= "+num(s.Maximum))
	}
	if s.ExclusiveMaximum != nil {
		c = append(c, "< "+num(s.ExclusiveMaximum))
	}
	if s.MinItems != nil {
		c = append(c, fmt.Sprintf("at least %d items", *s.MinItems))
	}
	if s.MaxItems != nil {
		c = append(c, fmt.Sprintf("at most %d items", *s.MaxItems))
	}
	if s.Pattern != "" {
		c = append(c, "pattern "+firstNonEmpty(s.PatternDescription, s.Pattern))
	}
	if s.Default != nil {
		c = append(c, fmt.Sprintf("default %v", s.Default))
	}
	if s.ReadOnly {
		c = append(c, "read-only")
	}
	return strings.Join(c, "; ")
}

// propertyOrder lists an object's properties in the order of its Go struct
// fields when the schema came from a registered type, else alphabetically.
func (b docsBuilder) propertyOrder(ref string, s *huma.Schema) []string {
	var order []string
	if ref != "" {
		if t := b.oapi.Components.Schemas.TypeFromRef(ref); t != nil {
			order = jsonFieldNames(t)
		}
	}
	out := make([]string, 0, len(s.Properties))
	done := map[string]bool{}
	for _, n := range order {
		if _, ok := s.Properties[n]; ok && !done[n] {
			out, done[n] = append(out, n), true
		}
	}
	for _, n := range sortedKeys(s.Properties) {
		if !done[n] {
			out = append(out, n)
		}
	}
	return out
}

func jsonFieldNames(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "-":
		case f.Anonymous && tag == "":
			names = append(names, jsonFieldNames(f.Type)...)
		case !f.IsExported():
		case tag != "":
			names = append(names, tag)
		default:
			names = append(names, f.Name)
		}
	}
	return names
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(slugRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

func humanDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return d.String()
}

var (
	codeSpanRE = regexp.MustCompile("`([^`]+)`")
	strongRE   = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)

// docsText renders the little markdown descriptions use (paragraphs,
// `code`, **bold**) as safe HTML: the text is escaped first.
func docsText(s string) template.HTML {
	var out strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		h := template.HTMLEscapeString(para)
		h = codeSpanRE.ReplaceAllString(h, "<code>$1</code>")
		h = strongRE.ReplaceAllString(h, "<strong>$1</strong>")
		out.WriteString("<p>" + strings.ReplaceAll(h, "\n", "<br>") + "</p>")
	}
	return template.HTML(out.String()) //nolint:gosec // escaped above
}
