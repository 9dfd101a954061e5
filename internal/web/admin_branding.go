package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// maxBrandingBytes bounds the branding form: a 256 KiB logo and the fields.
const maxBrandingBytes = 300 << 10

// brandingRoutes declares the marketplace's branding: its stylesheet and
// logo (public, on every page) and the settings page.
func (h *handler) brandingRoutes(m *http.ServeMux) {
	m.Handle("GET /brand.css", http.HandlerFunc(h.brandCSS))
	m.Handle("GET /brand/logo", http.HandlerFunc(h.brandLogo))
	m.Handle("GET /settings/branding", h.user(h.brandingPage))
	m.Handle("POST /settings/branding", h.upload(maxBrandingBytes, "The form could not be read: a logo is at most 256 KiB.", h.updateBranding))
}

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

// brandingData is the settings page's content.
type brandingData struct {
	Brand identity.Branding
}

func (h *handler) brandingPage(w http.ResponseWriter, r *http.Request, v *view) error {
	if !may(r, identity.MarketplaceCustomization) || !identity.Role(currentUser(r).Actor.Role).Staff() {
		return errs.Forbidden("permission_denied", "changing the marketplace's branding needs the marketplace customization function")
	}
	v.Title = "Branding"
	v.Data = brandingData{Brand: h.brand(r)}
	return h.render(w, r, v, "branding")
}

func (h *handler) updateBranding(w http.ResponseWriter, r *http.Request, v *view) error {
	name, tagline, primary := r.PostForm.Get("name"), r.PostForm.Get("tagline"), r.PostForm.Get("primary_color")
	in := identity.BrandingInput{Name: &name, Tagline: &tagline, Primary: &primary}
	if r.PostForm.Get("remove_logo") == "1" {
		empty := []byte{}
		in.Logo = &empty
	} else if f, _, err := r.FormFile("logo"); err == nil {
		defer f.Close()
		logo, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		if len(logo) > 0 {
			in.Logo = &logo
		}
	}
	if _, err := h.id.UpdateBranding(r.Context(), in); err != nil {
		return h.formFailed(w, r, v, "branding", err, "/settings/branding", h.brandingPage)
	}
	return h.done(w, r, "/settings/branding", "Branding saved.")
}
