package errs

import (
	"errors"
	"net/http"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Problem is an RFC 9457 problem details document, extended with Nephele's
// stable code, per-field errors and the request id. It is the body of every
// error answer of the API (media type application/problem+json).
type Problem struct {
	Type      string       `json:"type" doc:"A URI reference naming the problem type; about:blank when the code says it all."`
	Title     string       `json:"title" doc:"Short summary of the problem type (the HTTP status text)."`
	Status    int          `json:"status" doc:"HTTP status code."`
	Detail    string       `json:"detail,omitempty" doc:"Explanation of this occurrence."`
	Instance  string       `json:"instance,omitempty" doc:"The request path."`
	Code      string       `json:"code" doc:"Stable snake_case error code to switch on."`
	RequestID string       `json:"request_id,omitempty" doc:"Id of the request, as in the X-Request-Id header and the logs."`
	Errors    []FieldError `json:"errors,omitempty" doc:"Per-field errors."`
}

// ProblemMediaType is the media type of a Problem body.
const ProblemMediaType = "application/problem+json"

// ToProblem turns any error into the Problem shown to a client. Errors that
// are not domain errors become a bare "internal error": their text may hold
// SQL or internals and is only for the logs.
func ToProblem(err error) Problem {
	e, ok := Public(err)
	if !ok || e.Kind == KindInternal {
		return Problem{
			Type:   "about:blank",
			Title:  http.StatusText(http.StatusInternalServerError),
			Status: http.StatusInternalServerError,
			Detail: "internal error",
			Code:   "internal_error",
		}
	}
	status := Status(e.Kind)
	return Problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: e.Message,
		Code:   e.Code,
		Errors: e.Fields,
	}
}

// CodeAmountTooLarge is the code of an amount beyond what the platform
// holds that no domain classified (see Public).
const CodeAmountTooLarge = "amount_too_large"

var amountTooLarge = Invalid(CodeAmountTooLarge,
	"an amount is too large to compute or store exactly; use smaller prices, quantities or amounts")

// Public returns the domain error err is answered as: the *Error in its
// chain; failing that, for an error wrapping money.ErrOverflow (a sum or
// a conversion beyond what an Amount holds, which no domain classified),
// an Invalid amount_too_large (422) with err as its cause, so that an
// overflow never answers 500. ok is false for anything else: an internal
// error. ToProblem and the web's error page answer through it; callers
// still log what Overflowed reports.
func Public(err error) (*Error, bool) {
	if e, ok := As(err); ok {
		return e, true
	}
	if errors.Is(err, money.ErrOverflow) {
		return amountTooLarge.WithCause(err), true
	}
	return nil, false
}

// Overflowed reports whether Public answers err with its overflow
// catch-all: an error that is not a domain error, to be logged like an
// internal one though the client gets a 422.
func Overflowed(err error) bool {
	_, ok := As(err)
	return !ok && errors.Is(err, money.ErrOverflow)
}
