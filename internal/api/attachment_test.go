package api

import (
	"mime"
	"strings"
	"testing"
)

// A download's file name, whatever a user typed into it, stays one
// parameter of one header line and comes back whole.
func TestAttachmentNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"INV-2026-0001.pdf", `slip "4711".pdf`, "line\nbreak.pdf", "x\r\nSet-Cookie: a=b", "Zürich €.png", `back\slash;x=y.pdf`, ""} {
		f := attachment("application/pdf", name, nil)
		if strings.ContainsAny(f.ContentDisposition, "\r\n") || f.NoSniff != "nosniff" {
			t.Fatalf("%q: %q, nosniff %q", name, f.ContentDisposition, f.NoSniff)
		}
		disp, params, err := mime.ParseMediaType(f.ContentDisposition)
		if name == "" {
			if disp != "attachment" {
				t.Fatalf("empty name: %q", f.ContentDisposition)
			}
			continue
		}
		if err != nil || disp != "attachment" || params["filename"] != name {
			t.Fatalf("%q: %q parses as %q %q (%v)", name, f.ContentDisposition, disp, params["filename"], err)
		}
	}
}
