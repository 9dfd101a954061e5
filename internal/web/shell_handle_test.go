package web

import (
	"mime"
	"net/http/httptest"
	"strings"
	"testing"
)

// A download's file name, whatever a user typed into it, stays one
// parameter of one header line and comes back whole; downloads say nosniff.
func TestSendFileNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"INV-2026-0001.pdf", `slip "4711".pdf`, "line\nbreak.pdf", "x\r\nSet-Cookie: a=b", "Zürich €.png"} {
		w := httptest.NewRecorder()
		sendFile(w, httptest.NewRequest("GET", "/x", nil), "application/pdf", name, []byte("%PDF"))
		cd := w.Header().Get("Content-Disposition")
		_, params, err := mime.ParseMediaType(cd)
		if err != nil || params["filename"] != name || strings.ContainsAny(cd, "\r\n") || w.Header().Get("Set-Cookie") != "" {
			t.Fatalf("%q: Content-Disposition %q (%v)", name, cd, err)
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Body.String() != "%PDF" {
			t.Fatalf("%q: nosniff %q, body %q", name, w.Header().Get("X-Content-Type-Options"), w.Body.String())
		}
	}
}
