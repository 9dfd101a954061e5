package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
)

func TestLoginRedirectsToNext(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()

	// Given an anonymous visitor asking for a page that needs a user,
	res := c.get("/account?tab=keys")
	wantRedirect(t, res, "/login?next="+url.QueryEscape("/account?tab=keys"))

	// when it signs in through the form,
	res = c.signIn("admin@example.com", identitytest.Password, "/account?tab=keys")

	// then it is sent back there with a session cookie.
	wantRedirect(t, res, "/account?tab=keys")
	ck := setCookie(res, sessionCookie)
	if ck == nil || !strings.HasPrefix(ck.Value, "nps_") {
		t.Fatalf("no session cookie: %v", res.Header["Set-Cookie"])
	}
	if !ck.HttpOnly || ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Expires.IsZero() {
		t.Errorf("session cookie attributes: %+v", ck)
	}
	res = c.get("/account")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Your account")
	if !strings.Contains(res.Body, `value="admin@example.com"`) {
		t.Error("the account page lacks the user's email")
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

func TestLoginRefusesOpenRedirects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, next := range []string{"//evil.example", "//evil.example/path", `/\evil.example`, "https://evil.example/", "javascript:alert(1)", "evil.example"} {
		c := e.client()
		res := c.signIn("admin@example.com", identitytest.Password, next)
		wantRedirect(t, res, "/")
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"":                 "/",
		"/":                "/",
		"/account":         "/account",
		"/users?q=a&b=c":   "/users?q=a&b=c",
		"//evil.example":   "/",
		"///evil.example":  "/",
		`/\evil.example`:   "/",
		"/a\\b":            "/",
		"http://x/":        "/",
		"/a\r\nSet-Cookie": "/",
		"relative":         "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestLoginErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("wrong password", func(t *testing.T) {
		c := e.client()
		res := c.signIn("admin@example.com", "not-the-password-1", "")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantText(t, res, "Wrong email or password")
		if setCookie(res, sessionCookie) != nil {
			t.Error("a session cookie was set")
		}
		if !strings.Contains(res.Body, `value="admin@example.com"`) || strings.Contains(res.Body, "not-the-password-1") {
			t.Error("the email should be kept and the password not")
		}
	})
	t.Run("missing fields", func(t *testing.T) {
		c := e.client()
		res := c.signIn("", "", "")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantText(t, res, "Email is required", "Password is required")
		if !strings.Contains(res.Body, `aria-invalid="true"`) || !strings.Contains(res.Body, `aria-describedby="login-email-error"`) {
			t.Error("the inputs are not marked invalid")
		}
	})
	t.Run("throttled", func(t *testing.T) {
		c := e.client()
		for range 5 {
			c.signIn("vendor_a@example.com", "not-the-password-1", "")
		}
		res := c.signIn("vendor_a@example.com", identitytest.Password, "")
		wantStatus(t, res, http.StatusTooManyRequests)
		wantText(t, res, "Too many failed sign-in attempts. Please wait 15 minutes and try again.")
		if res.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
	t.Run("disabled", func(t *testing.T) {
		if _, err := e.svc.DisableUser(e.world.As(t, "admin"), e.world.Users["vendor_b"].ID); err != nil {
			t.Fatal(err)
		}
		c := e.client()
		res := c.signIn("vendor_b@example.com", identitytest.Password, "")
		wantStatus(t, res, http.StatusForbidden)
		wantText(t, res, "This account is disabled")
	})
}

func TestLoginCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	before := e.user("admin").LastLoginAt

	for name, prepare := range map[string]func(c *client, form url.Values){
		"no token": func(c *client, form url.Values) {},
		"no cookie": func(c *client, form url.Values) {
			form.Set("csrf_token", csrfToken(t, c.get("/login").Body))
			delete(c.cookies, csrfCookie)
		},
		"other token": func(c *client, form url.Values) {
			c.get("/login")
			form.Set("csrf_token", randomToken())
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := e.client()
			form := url.Values{"email": {"admin@example.com"}, "password": {identitytest.Password}}
			prepare(c, form)
			res := c.post("/login", form)
			wantStatus(t, res, http.StatusForbidden)
			wantText(t, res, "did not come from this site")
			if setCookie(res, sessionCookie) != nil {
				t.Error("a session cookie was set")
			}
		})
	}
	if after := e.user("admin").LastLoginAt; after != nil && (before == nil || !after.Equal(*before)) {
		t.Error("a refused sign-in signed the user in")
	}
	ck := setCookie(e.client().get("/login"), csrfCookie)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
		t.Errorf("csrf cookie attributes: %+v", ck)
	}
}

func TestSignedInFormCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("admin")
	token := csrfToken(t, c.get("/account").Body)

	for name, form := range map[string]url.Values{
		"no token":    {"name": {"Mallory"}, "email": {"admin@example.com"}},
		"wrong token": {"name": {"Mallory"}, "email": {"admin@example.com"}, "csrf_token": {token + "x"}},
		"login token": {"name": {"Mallory"}, "email": {"admin@example.com"}, "csrf_token": {randomToken()}},
	} {
		res := c.post("/account/profile", form)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, res.StatusCode)
		}
	}
	// Go's cross-origin protection refuses even a right token from
	// another site.
	c.header.Set("Sec-Fetch-Site", "cross-site")
	res := c.post("/account/profile", url.Values{"name": {"Mallory"}, "email": {"admin@example.com"}, "csrf_token": {token}})
	wantStatus(t, res, http.StatusForbidden)
	wantText(t, res, "came from another site")
	if got := e.user("admin").Name; got != "admin" {
		t.Fatalf("name changed to %q by a forged request", got)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("admin")
	token := c.cookies[sessionCookie]

	res := c.postForm("/", "/logout", url.Values{})
	wantRedirect(t, res, "/login")
	if _, ok := c.cookies[sessionCookie]; ok {
		t.Error("session cookie not cleared")
	}
	if _, err := e.svc.AuthenticateToken(context.Background(), token); err == nil {
		t.Error("the session still works after logout")
	}
	res = c.get("/login")
	wantText(t, res, "You have been signed out.")
	res = c.get("/")
	wantText(t, res, "Welcome to Test Marketplace", "Sign in")
	res = c.get("/account")
	wantRedirect(t, res, "/login?next=%2Faccount")
}

func TestInvalidSessionCookieIsCleared(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.cookies[sessionCookie] = "nps_not-a-real-token"
	res := c.get("/")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Welcome to Test Marketplace")
	if ck := setCookie(res, sessionCookie); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("invalid cookie not cleared: %v", res.Header["Set-Cookie"])
	}
}

func TestSecureCookies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{secure: true})
	c := e.client()
	res := c.get("/login")
	if ck := setCookie(res, csrfCookie); ck == nil || !ck.Secure {
		t.Errorf("csrf cookie not Secure: %v", res.Header["Set-Cookie"])
	}
	res = c.signIn("admin@example.com", identitytest.Password, "")
	wantRedirect(t, res, "/")
	ck := setCookie(res, sessionCookie)
	if ck == nil || !ck.Secure || !ck.HttpOnly {
		t.Fatalf("session cookie not Secure and HttpOnly: %v", res.Header["Set-Cookie"])
	}
	if !strings.Contains(strings.Join(res.Header["Set-Cookie"], "\n"), "Secure") {
		t.Error("Set-Cookie lacks Secure")
	}
}
