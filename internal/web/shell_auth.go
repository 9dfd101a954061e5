package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// Cookie names. The session cookies hold session tokens (never API keys);
// the others are short-lived helpers.
const (
	// sessionCookie holds the token of the session the browser acts with.
	sessionCookie = "nephele_session"
	// adminCookie holds the administrator's own token while it
	// impersonates someone, to return to after the impersonation.
	adminCookie = "nephele_admin_session"
	// csrfCookie is the double-submit token of the sign-in form.
	csrfCookie = "nephele_csrf"
	// flashCookie carries a one-shot message across a redirect.
	flashCookie = "nephele_flash"
	// revealCookie carries a new API key token to the one page that shows it.
	revealCookie = "nephele_reveal"
)

// signedIn is who the browser is signed in as, with the token used.
type signedIn struct {
	identity.Auth
	Token string
}

type signedInKey struct{}

// currentUser returns the signed-in user of the request, nil when anonymous.
func currentUser(r *http.Request) *signedIn {
	s, _ := r.Context().Value(signedInKey{}).(*signedIn)
	return s
}

// withUser returns r acting as s: the actor goes into the context for the
// services, s for the pages.
func withUser(r *http.Request, s *signedIn) *http.Request {
	ctx := actor.With(r.Context(), s.Actor)
	ctx = context.WithValue(ctx, signedInKey{}, s)
	return r.WithContext(ctx)
}

// authenticate resolves the session cookie. A missing, expired or revoked
// session means anonymous (and its cookie is cleared). When an impersonation
// session has ended on its own while the administrator's session lives on,
// the administrator's session is restored.
func (h *handler) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		s, err := h.sessionFromCookie(r, sessionCookie)
		if err != nil {
			h.internalError(w, r, err)
			return
		}
		adminToken := cookieValue(r, adminCookie)
		switch {
		case s == nil:
			if adminToken != "" {
				if s, err = h.restoreAdmin(w, r); err != nil {
					h.internalError(w, r, err)
					return
				}
			}
			if s != nil {
				r = withPendingFlash(r, flash{Kind: flashInfo, Message: "The impersonation session has ended; you are acting as yourself again."})
			} else if hasCookie(r, sessionCookie) {
				h.clearCookie(w, sessionCookie)
			}
		case s.Impersonator == nil && adminToken != "":
			h.clearCookie(w, adminCookie) // left over from an impersonation ended elsewhere
		case s.Impersonator == nil:
			// Browser sessions slide: keep the cookie's expiry in step.
			h.setCookie(w, sessionCookie, s.Token, s.Session.ExpiresAt)
		}
		if s != nil {
			r = withUser(r, s)
		}
		next.ServeHTTP(w, r)
	})
}

// sessionFromCookie authenticates the token of cookie name. It returns nil
// (no error) for a missing or rejected token, or one that is not a browser
// session; an error only when authentication itself failed.
func (h *handler) sessionFromCookie(r *http.Request, name string) (*signedIn, error) {
	token := cookieValue(r, name)
	if !strings.HasPrefix(token, identity.SessionTokenPrefix) {
		return nil, nil
	}
	auth, err := h.id.AuthenticateToken(r.Context(), token)
	if err != nil {
		if errs.KindOf(err) == errs.KindInternal {
			return nil, fmt.Errorf("authenticate %s: %w", name, err)
		}
		return nil, nil
	}
	if auth.Session.ID == "" || auth.Session.Kind != identity.SessionWeb {
		return nil, nil
	}
	return &signedIn{Auth: auth, Token: token}, nil
}

// restoreAdmin puts the administrator's session back into the session
// cookie after its impersonation ended. It returns nil when the
// administrator's session is gone too.
func (h *handler) restoreAdmin(w http.ResponseWriter, r *http.Request) (*signedIn, error) {
	h.clearCookie(w, adminCookie)
	admin, err := h.sessionFromCookie(r, adminCookie)
	if err != nil || admin == nil || admin.Impersonator != nil {
		return nil, err
	}
	h.setCookie(w, sessionCookie, admin.Token, admin.Session.ExpiresAt)
	return admin, nil
}

// setCookie sets an HttpOnly, SameSite=Lax cookie for the whole site that
// expires at expires.
func (h *handler) setCookie(w http.ResponseWriter, name, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", Expires: expires,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

// clearCookie deletes cookie name (set by setCookie).
func (h *handler) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

func hasCookie(r *http.Request, name string) bool {
	_, err := r.Cookie(name)
	return err == nil
}
