package app_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// The marketplace's branding through the API: public to read, staff's to
// change, with the colour's contrast and the logo's kind and size checked.
func TestBrandingAPI(t *testing.T) {
	t.Parallel()
	en := newEnv(t, db.SQLite)
	var b struct {
		Name, Tagline string
		Primary       string `json:"primary_color"`
		Strong        string `json:"primary_strong_color"`
		HasLogo       bool   `json:"has_logo"`
		LogoType      string `json:"logo_type"`
	}
	mustJSON(t, en.do("GET", "/api/v1/settings/marketplace", "", nil), &b)
	if b.Name != "Test Marketplace" || b.Primary != "#1f5fa8" || b.HasLogo {
		t.Fatalf("default branding: %+v", b)
	}
	wantProblem(t, en.as("reseller_a", "PATCH", "/api/v1/settings/marketplace", map[string]any{"name": "Mine"}), 403, "permission_denied")
	wantProblem(t, en.as("supervisor", "PATCH", "/api/v1/settings/marketplace", map[string]any{"name": "Mine"}), 403, "permission_denied")
	for field, body := range map[string]map[string]any{
		"primary_color": {"primary_color": "#ffee00"}, // white on yellow: unreadable
		"name":          {"name": "  "},
		"logo":          {"logo": []byte("GIF89a not a logo")},
	} {
		p := wantProblem(t, en.as("admin", "PATCH", "/api/v1/settings/marketplace", body), 422, "validation_failed")
		if !fieldNamed(p, field) {
			t.Fatalf("%s: %v", field, p)
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var logo bytes.Buffer
	if err := png.Encode(&logo, img); err != nil {
		t.Fatal(err)
	}
	mustJSON(t, en.as("admin", "PATCH", "/api/v1/settings/marketplace", map[string]any{"name": "Cirrus Market", "tagline": "Clouds, sold well",
		"primary_color": "#7A1F5C", "logo": logo.Bytes()}), &b)
	if b.Name != "Cirrus Market" || b.Primary != "#7a1f5c" || b.Strong != "#62194a" || !b.HasLogo || b.LogoType != "image/png" {
		t.Fatalf("saved branding: %+v", b)
	}
	page := en.do("GET", "/", "", nil)
	if !bytes.Contains(page.Body, []byte("Cirrus Market")) || !bytes.Contains(page.Body, []byte(`class="brand-logo"`)) {
		t.Fatalf("the home page does not show the branding: %.500s", page.Body)
	}
	css := en.do("GET", "/brand.css", "", nil)
	if !bytes.Contains(css.Body, []byte("--primary: #7a1f5c;")) {
		t.Fatalf("brand.css: %s", css.Body)
	}
	got := en.do("GET", "/brand/logo", "", nil)
	if got.Status != 200 || !bytes.Equal(got.Body, logo.Bytes()) || got.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("logo: %d %s", got.Status, got.Header.Get("Content-Type"))
	}
	mustJSON(t, en.as("admin", "PATCH", "/api/v1/settings/marketplace", map[string]any{"remove_logo": true}), &b)
	if b.HasLogo || en.do("GET", "/brand/logo", "", nil).Status != 404 {
		t.Fatalf("logo not removed: %+v", b)
	}
}
