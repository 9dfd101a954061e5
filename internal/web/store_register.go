package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// storeRegisterData is the sign-up page's content.
type storeRegisterData struct {
	Next string
	// Token is the double-submit CSRF token of the form (no session yet).
	Token string
}

// storeRegisterPage shows the customer sign-up form; a signed-in user goes
// straight on.
func (h *handler) storeRegisterPage(w http.ResponseWriter, r *http.Request, v *view) error {
	next := safeNext(r.URL.Query().Get("next"))
	if currentUser(r) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return h.storeShowRegister(w, r, v, next)
}

func (h *handler) storeShowRegister(w http.ResponseWriter, r *http.Request, v *view, next string) error {
	v.Title = "Create an account"
	v.Data = storeRegisterData{Next: next, Token: h.loginToken(w, r)}
	return h.render(w, r, v, "store_register")
}

// storeRegister signs a customer organization up with its first user
// (identity.Service.Register, the same self-registration the vendor sign-up
// uses), signs the new user in and goes on to next: back to the checkout
// the visitor came from, typically.
func (h *handler) storeRegister(w http.ResponseWriter, r *http.Request, v *view) error {
	next := safeNext(r.PostForm.Get("next"))
	if currentUser(r) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	f := r.PostForm
	_, _, err := h.id.Register(r.Context(), identity.RegisterInput{Kind: identity.CustomerOrg, OrgName: f.Get("org_name"),
		Country: f.Get("country"), TaxID: f.Get("tax_id"), Name: f.Get("name"), Email: f.Get("email"), Password: f.Get("password")})
	if e, ok := errs.As(err); ok && e.Code == "too_many_signups" {
		v.Status = http.StatusTooManyRequests
		if e.RetryAfterSeconds > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
		}
		f := newForm(r.PostForm, nil)
		f.Message = "Too many sign-ups from your network. Please wait " + waitTime(e.RetryAfterSeconds) + " and try again."
		v.setForm("register", f)
		return h.storeShowRegister(w, r, v, next)
	}
	if err != nil {
		return h.formFailed(w, r, v, "register", err, "/register?next="+url.QueryEscape(next), func(w http.ResponseWriter, r *http.Request, v *view) error {
			return h.storeShowRegister(w, r, v, next)
		})
	}
	res, err := h.id.Login(r.Context(), identity.LoginInput{Email: f.Get("email"), Password: f.Get("password"),
		Kind: identity.SessionWeb, IP: actor.RequestFrom(r.Context()).IP, UserAgent: r.UserAgent()})
	if err != nil {
		// The account exists; signing in by hand is all that is left.
		h.log.WarnContext(r.Context(), "sign in after registration", "request_id", requestID(r), "err", err)
		setFlash(w, h.secure, flashSuccess, "Your account is ready. Please sign in.")
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return nil
	}
	h.setCookie(w, sessionCookie, res.Token, res.Session.ExpiresAt)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.secure,
		SameSite: http.SameSiteStrictMode})
	return h.done(w, r, next, "Welcome! Your account is ready.")
}
