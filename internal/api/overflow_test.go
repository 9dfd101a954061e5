package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Issue 15: an overflow that reached the error mapping outside a domain
// error answered 500 internal_error. It answers 422 amount_too_large with
// a detail a client can act on, and is still logged.
func TestOverflowIsAmountTooLarge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	Register(h.api, huma.Operation{OperationID: "overflow", Method: http.MethodPost, Path: "/overflow", Summary: "Overflow"},
		func(context.Context, *struct{}) (*struct{}, error) {
			_, err := money.AddMinor(1<<62, 1<<62)
			return nil, fmt.Errorf("total of inv_x: %w", err)
		})
	w := h.do("POST", "/api/v1/overflow", tokenAlice, "", "X-Request-Id", "req-overflow")
	p := expectProblem(t, w, http.StatusUnprocessableEntity, "amount_too_large")
	if !strings.Contains(p.Detail, "too large") || strings.Contains(w.Body.String(), "inv_x") {
		t.Fatalf("problem: %s", w.Body)
	}
	line := findLog(t, h.logs.String(), "internal error", "req-overflow")
	if !strings.Contains(line["error"].(string), "inv_x") || line["level"] != "ERROR" {
		t.Fatalf("log %v", line)
	}
}
