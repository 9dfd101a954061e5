package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// csrfField is the name of the hidden input carrying the synchronizer
// token in every state-changing form.
const csrfField = "csrf_token"

// Cross-site request forgery is refused twice over. The outer layer is Go's
// http.CrossOriginProtection (see chain), which rejects unsafe requests a
// browser marks as cross-site. Behind it, every unsafe request must carry a
// token a foreign page cannot know:
//
//   - a signed-in user's forms carry the session's CSRF token
//     (identity.Session.CSRFToken), checked by validSessionToken;
//   - the sign-in form, which has no session yet, carries a random token
//     also set in the nephele_csrf cookie (HttpOnly, SameSite=Strict), the
//     double-submit pattern checked by validLoginToken.

// validSessionToken reports whether the form of r carries the CSRF token of
// the signed-in session s. The form must already be parsed.
func validSessionToken(r *http.Request, s *signedIn) bool {
	return equalTokens(r.PostForm.Get(csrfField), s.Session.CSRFToken)
}

// loginToken returns the double-submit token for the sign-in form, setting
// its cookie when the browser has none (or a malformed one).
func (h *handler) loginToken(w http.ResponseWriter, r *http.Request) string {
	if t := cookieValue(r, csrfCookie); len(t) == tokenLen {
		return t
	}
	t := randomToken()
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: t, Path: "/", HttpOnly: true, Secure: h.secure,
		SameSite: http.SameSiteStrictMode})
	return t
}

// validLoginToken reports whether the sign-in form of r carries the token of
// its nephele_csrf cookie. The form must already be parsed.
func validLoginToken(r *http.Request) bool {
	return equalTokens(r.PostForm.Get(csrfField), cookieValue(r, csrfCookie))
}

// equalTokens compares a submitted token with the expected one in constant
// time; an empty expected token never matches.
func equalTokens(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// tokenLen is the length of randomToken's result.
const tokenLen = 43

// randomToken returns 256 random bits, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("web: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
