package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/nephele-cloud/nephele/internal/identity"
)

// brand reads the branding for a page; a failure falls back to the
// configured name and default colours, logged.
func (h *handler) brand(r *http.Request) identity.Branding {
	b, err := h.id.Branding(r.Context())
	if err != nil {
		h.log.ErrorContext(r.Context(), "read branding", "request_id", requestID(r), "err", err)
		return identity.Branding{Name: h.name}
	}
	if b.Name == "" {
		b.Name = h.name
	}
	return b
}

// brandCSS serves the brand colours as CSS custom properties (the CSP
// allows no inline styles). Its URL carries the branding's version.
func (h *handler) brandCSS(w http.ResponseWriter, r *http.Request) {
	b := h.brand(r)
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	if b.Primary == "" {
		fmt.Fprint(w, "/* default colours */\n")
		return
	}
	fmt.Fprintf(w, ":root {\n  --primary: %s;\n  --primary-strong: %s;\n  --focus: %s;\n}\n", b.Primary, b.PrimaryStrong, b.PrimaryStrong)
}

// brandLogo serves the logo, sandboxed: an SVG may not run anything.
func (h *handler) brandLogo(w http.ResponseWriter, r *http.Request) {
	logo, kind, err := h.id.Logo(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", kind)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Content-Length", strconv.Itoa(len(logo)))
	_, _ = w.Write(logo)
}
