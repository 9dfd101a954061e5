package errs

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

func TestStatusMapping(t *testing.T) {
	t.Parallel()
	want := map[Kind]int{
		KindInvalid:            422,
		KindNotFound:           404,
		KindConflict:           409,
		KindForbidden:          403,
		KindUnauthenticated:    401,
		KindFailedPrecondition: 422,
		KindTooManyRequests:    429,
		KindTooLarge:           413,
		KindInternal:           500,
	}
	for _, k := range Kinds {
		if got := Status(k); got != want[k] {
			t.Errorf("Status(%s) = %d, want %d", k, got, want[k])
		}
	}
	if len(want) != len(Kinds) {
		t.Fatal("a kind has no expected status")
	}
}

func TestAsThroughWrapping(t *testing.T) {
	t.Parallel()
	base := Conflict("email_taken", "that email is already registered")
	err := fmt.Errorf("create user: %w", base)
	if KindOf(err) != KindConflict || CodeOf(err) != "email_taken" || !Is(err, "email_taken") {
		t.Fatalf("lost through wrapping: %v", err)
	}
	if KindOf(errors.New("boom")) != KindInternal || CodeOf(errors.New("x")) != "internal_error" {
		t.Fatal("plain errors must be internal")
	}
}

func TestToProblemHidesInternals(t *testing.T) {
	t.Parallel()
	p := ToProblem(fmt.Errorf("query: %w", errors.New(`pq: relation "users" does not exist`)))
	if p.Status != http.StatusInternalServerError || p.Detail != "internal error" || p.Code != "internal_error" {
		t.Fatalf("internal error leaked: %+v", p)
	}
	p = ToProblem(Invalid("validation_failed", "bad input", Field("email", "invalid_email", "not an email")))
	if p.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "email" {
		t.Fatalf("problem = %+v", p)
	}
	withCause := NotFound("user_not_found", "no such user").WithCause(errors.New("sql: no rows"))
	if p := ToProblem(withCause); p.Detail != "no such user" {
		t.Fatalf("cause leaked: %+v", p)
	}
}

func TestNewRejectsBadCodes(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"", "Bad", "bad-code", "_x", "x_", "a__b"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New accepted code %q", code)
				}
			}()
			New(KindInvalid, code, "")
		}()
	}
}

// Issue 15: an error wrapping money.ErrOverflow that no domain classified
// is amount_too_large (422), never internal; a domain error keeps its own
// code even when its cause is an overflow.
func TestOverflowMapping(t *testing.T) {
	t.Parallel()
	raw := fmt.Errorf("sum lines: %w", money.ErrOverflow)
	p := ToProblem(raw)
	if p.Status != http.StatusUnprocessableEntity || p.Code != CodeAmountTooLarge || p.Detail == "" || !Overflowed(raw) {
		t.Fatalf("raw overflow: %+v", p)
	}
	if e, ok := Public(raw); !ok || !errors.Is(e, money.ErrOverflow) {
		t.Fatalf("the cause is lost: %v", e)
	}
	domain := Invalid("amount_overflow", "the invoice is too large").WithCause(raw)
	if p := ToProblem(fmt.Errorf("wrap: %w", domain)); p.Code != "amount_overflow" || Overflowed(domain) {
		t.Fatalf("domain overflow: %+v", p)
	}
	if p := ToProblem(errors.New("amount out of range, as text only")); p.Status != http.StatusInternalServerError {
		t.Fatalf("an unwrapped text is not an overflow: %+v", p)
	}
}
