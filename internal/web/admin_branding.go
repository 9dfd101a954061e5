package web

import (
	"io"
	"net/http"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// maxBrandingBytes bounds the branding form: a 256 KiB logo and the fields.
const maxBrandingBytes = 300 << 10

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
	return h.render(w, r, v, "admin_branding")
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
