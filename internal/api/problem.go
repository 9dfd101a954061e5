package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// Problem is errs.Problem as the error value huma writes: every error answer
// of the API, including huma's own validation and parse errors, is one. It
// is the "Problem" schema of the OpenAPI document.
type Problem errs.Problem

// Error returns the detail, for logs.
func (p *Problem) Error() string {
	if p.Detail != "" {
		return p.Detail
	}
	return p.Title
}

// GetStatus is the HTTP status (huma.StatusError).
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send application/problem+json.
func (p *Problem) ContentType(string) string { return errs.ProblemMediaType }

// installErrorConstructors replaces huma's package-level error constructors
// so that huma's own errors (bad JSON, validation, body too large, unknown
// content type) are Problems with Nephele's codes.
func installErrorConstructors() {
	huma.NewError = func(status int, msg string, list ...error) huma.StatusError {
		return newProblem(nil, status, msg, list...)
	}
	huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, list ...error) huma.StatusError {
		return newProblem(ctx, status, msg, list...)
	}
}

// statusCodes are the codes of errors that only have an HTTP status.
var statusCodes = map[int]string{
	http.StatusBadRequest:            "malformed_request",
	http.StatusUnauthorized:          "unauthenticated",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusNotAcceptable:         "not_acceptable",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "request_too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "validation_failed",
	http.StatusTooManyRequests:       "too_many_requests",
	http.StatusInternalServerError:   "internal_error",
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// statusCode is the stable code of a bare HTTP status.
func statusCode(status int) string {
	if c, ok := statusCodes[status]; ok {
		return c
	}
	c := strings.Trim(nonAlnum.ReplaceAllString(strings.ToLower(strings.ReplaceAll(http.StatusText(status), "'", "")), "_"), "_")
	if c == "" {
		return fmt.Sprintf("http_%d", status)
	}
	return c
}

// statusProblem is a Problem for a bare HTTP status.
func statusProblem(status int, detail string) Problem {
	return Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Code: statusCode(status)}
}

// newProblem builds the Problem for one of huma's errors. ctx may be nil
// (huma builds an example error while documenting operations).
func newProblem(ctx huma.Context, status int, msg string, list ...error) *Problem {
	var tooLarge *http.MaxBytesError
	for _, e := range list {
		if errors.As(e, &tooLarge) {
			status, msg, list = http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit), nil
			break
		}
	}
	p := statusProblem(status, msg)
	if status >= http.StatusInternalServerError {
		p.Detail = "internal error"
	} else {
		p.Detail, p.Errors = describe(status, msg, list)
	}
	if ctx != nil {
		rctx := ctx.Context()
		p.RequestID = actor.RequestFrom(rctx).ID
		u := ctx.URL()
		p.Instance = u.Path
		if st := stateFrom(rctx); st != nil && status >= http.StatusInternalServerError {
			st.log.ErrorContext(rctx, "internal error", "request_id", p.RequestID, "route", st.route,
				"error", errors.Join(append([]error{errors.New(msg)}, list...)...).Error())
		}
	}
	return &p
}

// describe returns the detail and the field errors of a huma error.
func describe(status int, msg string, list []error) (string, []errs.FieldError) {
	var fields []errs.FieldError
	var bodyMsg string
	for _, e := range list {
		if e == nil {
			continue
		}
		var p *Problem
		if errors.As(e, &p) {
			fields = append(fields, p.Errors...)
			continue
		}
		var d huma.ErrorDetailer
		if !errors.As(e, &d) {
			fields = append(fields, errs.FieldError{Code: "invalid", Message: e.Error()})
			continue
		}
		fe := fieldError(d.ErrorDetail())
		if fe.Field == "" && status != http.StatusUnprocessableEntity {
			// A body that could not be read or parsed: say so in the detail.
			bodyMsg = fe.Message
			continue
		}
		fields = append(fields, fe)
	}
	switch status {
	case http.StatusBadRequest:
		if bodyMsg != "" {
			return "request body is not valid JSON: " + bodyMsg, fields
		}
	case http.StatusUnsupportedMediaType:
		return "the request body must be application/json", fields
	case http.StatusUnprocessableEntity:
		if len(fields) > 0 {
			d := fields[0].Message
			if fields[0].Field != "" {
				d = fields[0].Field + ": " + d
			}
			if len(fields) > 1 {
				d += fmt.Sprintf(" (and %d more)", len(fields)-1)
			}
			return "validation failed: " + d, fields
		}
	}
	if msg == "" {
		msg = strings.ToLower(http.StatusText(status))
	}
	return msg, fields
}

// fieldError maps one huma error detail to a field error: the field without
// its location prefix, a stable code and huma's message.
func fieldError(d *huma.ErrorDetail) errs.FieldError {
	field := trimLocation(d.Location)
	code, msg := messageCode(d.Message), d.Message
	if m := propertyRE.FindStringSubmatch(msg); m != nil {
		field = joinField(field, m[1])
	} else if m := unmarshalRE.FindStringSubmatch(msg); m != nil {
		// encoding/json's type error names Go types: say it in JSON terms.
		field = joinField(field, m[3])
		if m[1] == "number" {
			code, msg = "out_of_range", "number "+m[2]+" is out of range"
		} else {
			code, msg = "wrong_type", "unexpected JSON "+m[1]
		}
	}
	return errs.FieldError{Field: field, Code: code, Message: msg}
}

func trimLocation(loc string) string {
	for _, p := range []string{"body", "query", "path", "header", "cookie"} {
		switch {
		case loc == p:
			return ""
		case strings.HasPrefix(loc, p+"."):
			return loc[len(p)+1:]
		case strings.HasPrefix(loc, p+"["):
			return loc[len(p):]
		}
	}
	return loc
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// messageCode classifies huma's validation messages. The table is built
// from huma's message formats, so it follows them if they change.
func messageCode(msg string) string {
	if c, ok := exactCodes[msg]; ok {
		return c
	}
	for _, pc := range prefixCodes {
		if strings.HasPrefix(msg, pc.prefix) {
			return pc.code
		}
	}
	return "invalid"
}

var exactCodes = map[string]string{
	validation.MsgUnexpectedProperty: "unknown_field",
	"unknown query parameter":        "unknown_field",
	validation.MsgExpectedBoolean:    "wrong_type",
	validation.MsgExpectedNumber:     "wrong_type",
	validation.MsgExpectedInteger:    "wrong_type",
	validation.MsgExpectedString:     "wrong_type",
	validation.MsgExpectedArray:      "wrong_type",
	validation.MsgExpectedObject:     "wrong_type",
	"invalid integer":                "wrong_type",
	"invalid float":                  "wrong_type",
	"invalid boolean":                "wrong_type",
}

type prefixCode struct{ prefix, code string }

var prefixCodes = func() []prefixCode {
	before := func(format string) string { p, _, _ := strings.Cut(format, "%"); return p }
	pcs := []prefixCode{
		{before(validation.MsgExpectedRequiredProperty), "required"},
		{before(validation.MsgExpectedDependentRequiredProperty), "required"},
		{"required ", "required"}, // "required query parameter is missing"
		{before(validation.MsgExpectedOneOf), "invalid_enum"},
		{before(validation.MsgExpectedMinLength), "too_short"},
		{before(validation.MsgExpectedMinItems), "too_short"},
		{before(validation.MsgExpectedMinProperties), "too_short"},
		{before(validation.MsgExpectedMaxLength), "too_long"},
		{before(validation.MsgExpectedMaxItems), "too_long"},
		{before(validation.MsgExpectedMaxProperties), "too_long"},
		{before(validation.MsgExpectedMinimumNumber), "out_of_range"},
		{before(validation.MsgExpectedExclusiveMinimumNumber), "out_of_range"},
		{before(validation.MsgExpectedMaximumNumber), "out_of_range"},
		{before(validation.MsgExpectedExclusiveMaximumNumber), "out_of_range"},
		{"expected string to ", "invalid_format"}, // formats and patterns
		{before(validation.MsgExpectedDuration), "invalid_format"},
		{"invalid date/time", "invalid_format"},
		{"invalid value", "invalid_format"},
		{"json: cannot unmarshal", "wrong_type"},
	}
	// Longest prefix first, so "expected number >= " wins over shorter ones.
	sort.SliceStable(pcs, func(i, j int) bool { return len(pcs[i].prefix) > len(pcs[j].prefix) })
	return pcs
}()

// propertyRE finds the property named by a required-property message.
var propertyRE = func() *regexp.Regexp {
	alt := func(format string) string {
		parts := strings.SplitN(format, "%s", 2)
		if len(parts) != 2 {
			return regexp.QuoteMeta(format)
		}
		return regexp.QuoteMeta(parts[0]) + `(\S+?)` + regexp.QuoteMeta(strings.SplitN(parts[1], "%s", 2)[0])
	}
	return regexp.MustCompile(`^(?:` + alt(validation.MsgExpectedRequiredProperty) + `|` +
		alt(validation.MsgExpectedDependentRequiredProperty) + `)`)
}()

// unmarshalRE parses encoding/json's type errors ("json: cannot unmarshal
// number 1e30 into Go struct field Thing.address.zip of type int"): JSON
// kind, value, field.
var unmarshalRE = regexp.MustCompile(`^json: cannot unmarshal (\S+)(?: (\S+))? into Go (?:struct field [^.\s]*\.(\S+)|value) of type \S+$`)

// writeProblem writes p as problem+json, filling in the request path and
// id. For answers given outside huma (middleware, unmatched routes).
func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Instance == "" {
		p.Instance = r.URL.Path
	}
	if p.RequestID == "" {
		p.RequestID = actor.RequestFrom(r.Context()).ID
	}
	if st := stateFrom(r.Context()); p.RequestID == "" && st != nil {
		p.RequestID = st.requestID
	}
	w.Header().Set("Content-Type", errs.ProblemMediaType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p) // Problem holds strings and ints: cannot fail but on write

}

// internalError logs err and answers 500 "internal error".
func (a *API) internalError(w http.ResponseWriter, r *http.Request, err error) {
	st := stateFrom(r.Context())
	route := ""
	if st != nil {
		route = st.route
	}
	a.log.ErrorContext(r.Context(), "internal error", "request_id", actor.RequestFrom(r.Context()).ID,
		"route", route, "error", err.Error())
	writeProblem(w, r, Problem(errs.ToProblem(err)))
}
