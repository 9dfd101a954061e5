package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// brandingPost sends the branding form as multipart, with the CSRF token of
// the settings page unless token is false.
func brandingPost(t *testing.T, c *client, fields map[string]string, logo []byte, token bool) *response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if token {
		fields["csrf_token"] = csrfToken(t, c.get("/settings/branding").Body)
	}
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if logo != nil {
		w, err := mw.CreateFormFile("logo", "logo.svg")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(logo)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+"/settings/branding", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for name, value := range c.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &response{Response: res, Body: string(b)}
}

func TestBrandingSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.client()
	admin.login("admin")
	wantStatus(t, admin.get("/settings/branding"), http.StatusOK)

	// An unreadable colour is refused next to the field, the name typed is
	// kept, and nothing is saved.
	res := brandingPost(t, admin, map[string]string{"name": "Cirrus Market", "tagline": "", "primary_color": "#ffee00"}, nil, true)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Brand colour gives white text", "4.5:1")
	if !strings.Contains(res.Body, `value="Cirrus Market"`) {
		t.Error("the name typed was not kept")
	}
	wantNoText(t, admin.get("/"), "Cirrus Market")

	// Without the form's token nothing happens.
	wantStatus(t, brandingPost(t, admin, map[string]string{"name": "Hijacked", "primary_color": "#7a1f5c"}, nil, false), http.StatusForbidden)

	logo := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#7a1f5c"/></svg>`)
	res = brandingPost(t, admin, map[string]string{"name": "Cirrus Market", "tagline": "Clouds, sold well", "primary_color": "#7a1f5c"}, logo, true)
	wantStatus(t, res, http.StatusSeeOther)
	visitor := e.client()
	home := visitor.get("/")
	wantText(t, home, "Cirrus Market", "Clouds, sold well")
	if !strings.Contains(home.Body, `class="brand-logo" src="/brand/logo?v=`) || !strings.Contains(home.Body, `href="/brand.css?v=`) {
		t.Errorf("the page lacks the logo or the brand stylesheet")
	}
	if css := visitor.get("/brand.css"); !strings.Contains(css.Body, "--primary: #7a1f5c;") {
		t.Errorf("brand.css: %s", css.Body)
	}
	got := visitor.get("/brand/logo")
	if got.Header.Get("Content-Type") != "image/svg+xml" || got.Body != string(logo) || !strings.Contains(got.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("logo: %s %q", got.Header.Get("Content-Type"), got.Header.Get("Content-Security-Policy"))
	}
	// An SVG that would run a script is no logo, however it hides it; the
	// logo stays the one saved.
	for _, bad := range []string{
		`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
		`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`,
		`<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:alert(1)"/></foreignObject></svg>`,
	} {
		res = brandingPost(t, admin, map[string]string{"name": "Cirrus Market", "primary_color": "#7a1f5c"}, []byte(bad), true)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantText(t, res, "Logo must be a PNG, JPEG or SVG image")
	}
	if got := visitor.get("/brand/logo"); got.Body != string(logo) {
		t.Errorf("the logo changed to %q", got.Body)
	}

	// Only staff with the customization function may open the page.
	for _, who := range []string{"customer_a1", "reseller_a", "supervisor"} {
		c := e.client()
		c.login(who)
		wantStatus(t, c.get("/settings/branding"), http.StatusForbidden)
	}
}
