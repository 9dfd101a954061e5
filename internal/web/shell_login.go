package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// loginData is the sign-in page's content.
type loginData struct {
	Next string
	// Token is the double-submit CSRF token of the form.
	Token string
}

// loginPage shows the sign-in form; a signed-in user goes straight on.
func (h *handler) loginPage(w http.ResponseWriter, r *http.Request, v *view) error {
	next := safeNext(r.URL.Query().Get("next"))
	if currentUser(r) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return h.showLogin(w, r, v, next)
}

func (h *handler) showLogin(w http.ResponseWriter, r *http.Request, v *view, next string) error {
	v.Title = "Sign in"
	v.Data = loginData{Next: next, Token: h.loginToken(w, r)}
	return h.render(w, r, v, "shell_login")
}

// login signs in with the form's email and password, sets the session
// cookie and goes on to next (a local path) or the dashboard.
func (h *handler) login(w http.ResponseWriter, r *http.Request, v *view) error {
	next := safeNext(r.PostForm.Get("next"))
	res, err := h.id.Login(r.Context(), identity.LoginInput{
		Email: r.PostForm.Get("email"), Password: r.PostForm.Get("password"),
		Kind: identity.SessionWeb, IP: actor.RequestFrom(r.Context()).IP, UserAgent: r.UserAgent(),
	})
	if err != nil {
		return h.loginFailed(w, r, v, next, err)
	}
	if prev := currentUser(r); prev != nil {
		h.endSessions(r, prev) // signing in as someone else ends the previous session
	}
	h.setCookie(w, sessionCookie, res.Token, res.Session.ExpiresAt)
	h.clearCookie(w, adminCookie)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.secure,
		SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// loginFailed shows the sign-in form again with what went wrong; the email
// is kept, the password never.
func (h *handler) loginFailed(w http.ResponseWriter, r *http.Request, v *view, next string, err error) error {
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.KindInternal {
		return err
	}
	f := newForm(r.PostForm, e.Fields)
	switch {
	case len(e.Fields) > 0:
		v.Status = http.StatusUnprocessableEntity
	case e.Code == "too_many_attempts":
		v.Status = http.StatusTooManyRequests
		if e.RetryAfterSeconds > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
		}
		f.Message = "Too many failed sign-in attempts. Please wait " + waitTime(e.RetryAfterSeconds) + " and try again."
	case e.Code == "account_disabled":
		v.Status = http.StatusForbidden
		f.Message = "This account is disabled. Please contact your administrator."
	case e.Kind == errs.KindUnauthenticated:
		v.Status = http.StatusUnprocessableEntity
		f.Message = "Wrong email or password."
	default:
		v.Status = errs.Status(e.Kind)
		f.Message = sentence(e.Message)
	}
	v.setForm("login", f)
	return h.showLogin(w, r, v, next)
}

// waitTime says how long seconds is, for people.
func waitTime(seconds int) string {
	switch {
	case seconds <= 0:
		return "a few minutes"
	case seconds < 60:
		return fmt.Sprintf("%d %s", seconds, plural(seconds, "second", "seconds"))
	}
	m := (seconds + 59) / 60
	return fmt.Sprintf("%d %s", m, plural(m, "minute", "minutes"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// logout ends the session (and, while impersonating, the administrator's
// own session too: signing out means leaving), clears the cookies and goes
// to the sign-in page.
func (h *handler) logout(w http.ResponseWriter, r *http.Request, v *view) error {
	h.endSessions(r, currentUser(r))
	h.clearCookie(w, sessionCookie)
	h.clearCookie(w, adminCookie)
	setFlash(w, h.secure, flashSuccess, "You have been signed out.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// endSessions ends the session of s and, when s is an impersonation, the
// administrator's session kept in its cookie. Failures are logged: the
// cookies go anyway.
func (h *handler) endSessions(r *http.Request, s *signedIn) {
	ctx := actor.With(r.Context(), s.Actor)
	if _, err := h.id.Logout(ctx); err != nil {
		h.log.WarnContext(ctx, "logout", "request_id", requestID(r), "err", err)
	}
	if s.Impersonator == nil {
		return
	}
	admin, err := h.sessionFromCookie(r, adminCookie)
	if err != nil || admin == nil {
		return
	}
	ctx = actor.With(r.Context(), admin.Actor)
	if _, err := h.id.Logout(ctx); err != nil {
		h.log.WarnContext(ctx, "logout administrator", "request_id", requestID(r), "err", err)
	}
}

// safeNext returns next when it is a path of this site ("/account?x=1"),
// else "/": never another host ("//evil.example", "/\evil.example",
// "https://evil.example"), so the sign-in form is no open redirect.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || len(next) > 2048 {
		return "/"
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return next
}
