package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Issue 15: an overflow no domain classified reached the error page as an
// internal error (500). The page answers 422 and says the amount is too
// large, as the API's amount_too_large does.
func TestErrorPageOverflow(t *testing.T) {
	t.Parallel()
	e := services(t, dbtest.Open(t, db.SQLite, dbtest.Options{}))
	h, err := newHandler(e.config())
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.fail(w, httptest.NewRequest(http.MethodGet, "/admin", nil), fmt.Errorf("sum of inv_x: %w", money.ErrOverflow))
	if body := w.Body.String(); w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "too large") || strings.Contains(body, "inv_x") {
		t.Fatalf("%d %s", w.Code, body)
	}
}
