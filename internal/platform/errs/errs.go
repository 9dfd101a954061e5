// Package errs is Nephele's one error taxonomy.
//
// A domain error has a Kind (what class of failure, which decides the HTTP
// status), a stable snake_case Code that clients may switch on
// ("coupon_expired", "email_taken"), a human message, and optional per-field
// errors. Anything that is not an *Error is internal: it is logged and shown
// to clients as "internal error", never as a stack trace or SQL text.
//
// Wrap with short context as usual (fmt.Errorf("create user: %w", err)); As
// finds the *Error through the wrapping.
package errs

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// Kind classifies an error.
type Kind string

// The kinds. Each maps to exactly one HTTP status in Status.
const (
	KindInvalid            Kind = "invalid"
	KindNotFound           Kind = "not_found"
	KindConflict           Kind = "conflict"
	KindForbidden          Kind = "forbidden"
	KindUnauthenticated    Kind = "unauthenticated"
	KindFailedPrecondition Kind = "failed_precondition"
	KindTooManyRequests    Kind = "too_many_requests"
	KindTooLarge           Kind = "too_large"
	KindInternal           Kind = "internal"
)

// Kinds lists every kind, for tests and documentation.
var Kinds = []Kind{KindInvalid, KindNotFound, KindConflict, KindForbidden, KindUnauthenticated, KindFailedPrecondition, KindTooManyRequests, KindTooLarge, KindInternal}

// Status is the one mapping from an error kind to an HTTP status.
func Status(k Kind) int {
	switch k {
	case KindInvalid:
		return http.StatusUnprocessableEntity
	case KindNotFound:
		return http.StatusNotFound
	case KindConflict:
		return http.StatusConflict
	case KindForbidden:
		return http.StatusForbidden
	case KindUnauthenticated:
		return http.StatusUnauthorized
	case KindFailedPrecondition:
		return http.StatusUnprocessableEntity
	case KindTooManyRequests:
		return http.StatusTooManyRequests
	case KindTooLarge:
		return http.StatusRequestEntityTooLarge
	default:
		return http.StatusInternalServerError
	}
}

// FieldError names one offending input field. Field is the JSON (or form)
// name, dotted for nested fields ("address.country", "lines[2].quantity").
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is a domain error.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  []FieldError
	// RetryAfterSeconds, when set on a too_many_requests error, tells clients
	// when to try again.
	RetryAfterSeconds int
	// Err is an optional cause, kept for logs and never shown to clients.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// New returns an error of kind k with a stable code. It panics on a code that
// is not snake_case: codes are constants, so this is a programming error.
func New(k Kind, code, message string) *Error {
	if !codeRE.MatchString(code) {
		panic(fmt.Sprintf("errs: code %q is not snake_case", code))
	}
	return &Error{Kind: k, Code: code, Message: message}
}

// Invalid reports bad input. Fields name the offending inputs.
func Invalid(code, message string, fields ...FieldError) *Error {
	e := New(KindInvalid, code, message)
	e.Fields = fields
	return e
}

// Field is a shorthand for a FieldError.
func Field(field, code, message string) FieldError {
	return FieldError{Field: field, Code: code, Message: message}
}

// NotFound reports a missing object, or one the caller may not know exists.
func NotFound(code, message string) *Error { return New(KindNotFound, code, message) }

// Conflict reports a clash with existing state (a taken email, a reused key).
func Conflict(code, message string) *Error { return New(KindConflict, code, message) }

// Forbidden reports an authenticated caller acting beyond its rights on an
// object it may see.
func Forbidden(code, message string) *Error { return New(KindForbidden, code, message) }

// Unauthenticated reports a missing or bad credential.
func Unauthenticated(code, message string) *Error { return New(KindUnauthenticated, code, message) }

// FailedPrecondition reports a well-formed request that the object's state
// refuses (an invoice already paid, a product not yet published).
func FailedPrecondition(code, message string) *Error {
	return New(KindFailedPrecondition, code, message)
}

// TooManyRequests reports throttling; retryAfter is in seconds.
func TooManyRequests(code, message string, retryAfter int) *Error {
	e := New(KindTooManyRequests, code, message)
	e.RetryAfterSeconds = retryAfter
	return e
}

// WithCause returns a copy of e carrying cause for logs.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf returns the kind of err: KindInternal for anything that is not an
// *Error.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return KindInternal
}

// CodeOf returns the stable code of err, "internal_error" for an unknown error.
func CodeOf(err error) string {
	if e, ok := As(err); ok {
		return e.Code
	}
	return "internal_error"
}

// Is reports whether err is a domain error with the given code.
func Is(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
