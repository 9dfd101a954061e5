package identity

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// Branding is how the marketplace presents itself: its name, tagline, logo
// and brand colour, on every page and e-mail. Reseller branding will use
// the same shape per organization.
type Branding struct {
	Name    string `json:"name"`
	Tagline string `json:"tagline"`
	// Primary is the brand colour (#rrggbb) of links and buttons; it keeps
	// 4.5:1 contrast with white. PrimaryStrong, derived from it, is the
	// hover and focus shade.
	Primary       string `json:"primary_color"`
	PrimaryStrong string `json:"primary_strong_color"`
	// HasLogo tells whether a logo is set; LogoType is its media type.
	HasLogo   bool       `json:"has_logo"`
	LogoType  string     `json:"logo_type,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	logo      []byte
}

// BrandingInput changes the branding; nil fields stay as they are.
type BrandingInput struct {
	Name    *string
	Tagline *string
	Primary *string
	// Logo replaces the logo (PNG, JPEG or SVG, at most 256 KiB); an empty
	// non-nil slice removes it.
	Logo *[]byte
}

// stored is the branding setting as saved.
type storedBranding struct {
	Name     string `json:"name,omitempty"`
	Tagline  string `json:"tagline,omitempty"`
	Primary  string `json:"primary,omitempty"`
	Logo     []byte `json:"logo,omitempty"`
	LogoType string `json:"logo_type,omitempty"`
}

const (
	brandingKey     = "marketplace.branding"
	defaultPrimary  = "#1f5fa8"
	maxLogoBytes    = 256 << 10
	brandingMinCont = 4.5
)

var hexColor = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// Branding returns the marketplace's branding; anyone may read it (every
// page shows it).
func (s *Service) Branding(ctx context.Context) (Branding, error) {
	var st storedBranding
	at, err := s.db.LoadSetting(ctx, brandingKey, &st)
	if err != nil {
		return Branding{}, fmt.Errorf("read branding: %w", err)
	}
	return s.brandingOf(st, at), nil
}

func (s *Service) brandingOf(st storedBranding, at *time.Time) Branding {
	b := Branding{Name: st.Name, Tagline: st.Tagline, Primary: st.Primary, HasLogo: len(st.Logo) > 0, LogoType: st.LogoType, UpdatedAt: at, logo: st.Logo}
	if b.Name == "" {
		b.Name = s.cfg.MarketplaceName
	}
	if b.Primary == "" {
		b.Primary = defaultPrimary
	}
	b.PrimaryStrong = darken(b.Primary, 0.2)
	if !b.HasLogo {
		b.LogoType = ""
	}
	return b
}

// Logo returns the logo and its media type, or not found when none is set.
func (s *Service) Logo(ctx context.Context) ([]byte, string, error) {
	b, err := s.Branding(ctx)
	if err != nil {
		return nil, "", err
	}
	if !b.HasLogo {
		return nil, "", errs.NotFound("logo_not_found", "the marketplace has no logo")
	}
	return b.logo, b.LogoType, nil
}

// UpdateBranding changes the marketplace's branding. It needs the
// marketplace customization function and a staff role (a reseller's own
// branding is another matter).
func (s *Service) UpdateBranding(ctx context.Context, in BrandingInput) (Branding, error) {
	a, err := Writer(ctx)
	if err != nil {
		return Branding{}, err
	}
	if a.Kind != actor.KindSystem && (!Role(a.Role).Staff() || !Can(Role(a.Role), MarketplaceCustomization)) {
		return Branding{}, errs.Forbidden("permission_denied", "changing the marketplace's branding needs the marketplace customization function")
	}
	var out Branding
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		var st storedBranding
		at, err := s.db.LoadSetting(ctx, brandingKey, &st)
		if err != nil {
			return err
		}
		before := s.brandingOf(st, at)
		v := validate.New()
		if in.Name != nil {
			st.Name = v.Name("name", *in.Name, 80)
		}
		if in.Tagline != nil {
			st.Tagline = strings.TrimSpace(*in.Tagline)
			v.Text("tagline", st.Tagline, 160)
		}
		if in.Primary != nil {
			c := strings.ToLower(strings.TrimSpace(*in.Primary))
			switch {
			case !hexColor.MatchString(c):
				v.Add("primary_color", "invalid_format", "must be a colour written #rrggbb")
			case contrastWithWhite(c) < brandingMinCont:
				v.Add("primary_color", "low_contrast", fmt.Sprintf("gives white text %.1f:1 contrast; it needs at least 4.5:1 to stay readable", contrastWithWhite(c)))
			default:
				st.Primary = c
			}
		}
		if in.Logo != nil {
			logo := *in.Logo
			switch kind := logoType(logo); {
			case len(logo) == 0:
				st.Logo, st.LogoType = nil, ""
			case len(logo) > maxLogoBytes:
				v.Add("logo", "too_large", "must be at most 256 KiB")
			case kind == "":
				v.Add("logo", "invalid_format", "must be a PNG, JPEG or SVG image; an SVG only of drawing (no scripts, event handlers, "+
					"style sheets, embedded HTML, animation or links outside the file)")
			default:
				st.Logo, st.LogoType = logo, kind
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		now, err := s.db.SaveSetting(ctx, brandingKey, st)
		if err != nil {
			return fmt.Errorf("save branding: %w", err)
		}
		out = s.brandingOf(st, &now)
		return s.rec.Record(ctx, "marketplace.branding_update", "settings", brandingKey, a.OrgID, audit.Diff(before, out), "marketplace.branding_updated", out)
	})
	return out, err
}

// logoType returns the media type of an image a logo may be: a PNG, a JPEG
// or an SVG of plain drawing (see safeSVG); "" for anything else.
func logoType(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	switch t := http.DetectContentType(b); t {
	case "image/png", "image/jpeg":
		return t
	}
	if safeSVG(b) {
		return "image/svg+xml"
	}
	return ""
}

// contrastWithWhite is the WCAG contrast ratio of white on colour c
// (#rrggbb).
func contrastWithWhite(c string) float64 {
	return 1.05 / (luminance(c) + 0.05)
}

// luminance is the WCAG relative luminance of c.
func luminance(c string) float64 {
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
		x := float64(v) / 255
		if x <= 0.03928 {
			x /= 12.92
		} else {
			x = math.Pow((x+0.055)/1.055, 2.4)
		}
		l += w * x
	}
	return l
}

// darken scales each channel of c down by f.
func darken(c string, f float64) string {
	if !hexColor.MatchString(c) {
		return c
	}
	out := "#"
	for i := range 3 {
		v, _ := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
		out += fmt.Sprintf("%02x", int(math.Round(float64(v)*(1-f))))
	}
	return out
}
