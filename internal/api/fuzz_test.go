package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// fuzzContentTypes are the Content-Type headers the fuzzer picks from.
var fuzzContentTypes = []string{
	"application/json", "", "application/json; charset=utf-8", "text/plain",
	"application/merge-patch+json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/;+json",
}

// FuzzDecodeRequest posts arbitrary bytes to the public echo operation: the
// API must never answer 5xx, and every error must be a problem with a code.
func FuzzDecodeRequest(f *testing.F) {
	// The seed corpus is testdata/fuzz/FuzzDecodeRequest.
	h := newHarness(f, nil)
	f.Fuzz(func(t *testing.T, body []byte, ct uint8) {
		req := httptest.NewRequest("POST", "/api/v1/echo", strings.NewReader(string(body)))
		if c := fuzzContentTypes[int(ct)%len(fuzzContentTypes)]; c != "" {
			req.Header.Set("Content-Type", c)
		}
		w := httptest.NewRecorder()
		h.h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		if w.Code < 300 {
			return
		}
		if got := w.Header().Get("Content-Type"); got != errs.ProblemMediaType {
			t.Fatalf("status %d content type %q", w.Code, got)
		}
		var p errs.Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Code == "" || p.Status != w.Code {
			t.Fatalf("bad problem %s: %v", w.Body, err)
		}
		if w.Code == http.StatusUnprocessableEntity && len(p.Errors) == 0 {
			t.Fatalf("422 without field errors: %s", w.Body)
		}
	})
}
