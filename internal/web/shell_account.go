package web

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// accountData is the account page's content.
type accountData struct {
	User identity.User
	Keys []identity.APIKey
	// MoreKeys links to the next page of keys, if any.
	MoreKeys string
}

// accountPage shows the profile, password and API key forms.
func (h *handler) accountPage(w http.ResponseWriter, r *http.Request, v *view) error {
	u, _, err := h.id.Me(r.Context())
	if err != nil {
		return err
	}
	keys, next, err := h.id.ListAPIKeys(r.Context(), page.Request{Cursor: r.URL.Query().Get("keys")})
	if err != nil {
		return err
	}
	d := accountData{User: u, Keys: keys}
	if next != "" {
		d.MoreKeys = "/account?keys=" + url.QueryEscape(next) + "#api-keys"
	}
	v.Title = "Your account"
	v.Data = d
	return h.render(w, r, v, "shell_account")
}

// updateProfile changes the user's own name and email (a new email needs
// the current password).
func (h *handler) updateProfile(w http.ResponseWriter, r *http.Request, v *view) error {
	name, email, pw := r.PostForm.Get("name"), r.PostForm.Get("email"), r.PostForm.Get("current_password")
	_, err := h.id.UpdateUser(r.Context(), currentUser(r).User.ID, identity.UpdateUserInput{Name: &name, Email: &email, CurrentPassword: &pw})
	if err != nil {
		return h.formFailed(w, r, v, "profile", err, "/account", h.accountPage)
	}
	return h.done(w, r, "/account", "Your profile was saved.")
}

// changePassword changes the user's own password, given the current one.
func (h *handler) changePassword(w http.ResponseWriter, r *http.Request, v *view) error {
	in := identity.SetPasswordInput{CurrentPassword: r.PostForm.Get("current_password"), NewPassword: r.PostForm.Get("new_password")}
	if in.NewPassword != r.PostForm.Get("new_password_confirm") {
		err := errs.Invalid("validation_failed", "the passwords differ",
			errs.Field("new_password_confirm", "mismatch", "does not match the new password"))
		return h.formFailed(w, r, v, "password", err, "/account", h.accountPage)
	}
	if err := h.id.SetPassword(r.Context(), currentUser(r).User.ID, in); err != nil {
		return h.formFailed(w, r, v, "password", err, "/account", h.accountPage)
	}
	return h.done(w, r, "/account", "Your password was changed. Your other sessions were signed out.")
}

// createAPIKey creates a key and shows its token once, on the page
// apiKeyCreated, through a short-lived cookie scoped to that page (so the
// token never sits in a URL, a log or the history).
func (h *handler) createAPIKey(w http.ResponseWriter, r *http.Request, v *view) error {
	in := identity.CreateAPIKeyInput{Name: r.PostForm.Get("name")}
	if s := strings.TrimSpace(r.PostForm.Get("expires_at")); s != "" {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			err := errs.Invalid("validation_failed", "expires_at: not a date",
				errs.Field("expires_at", "invalid_date", "is not a date (YYYY-MM-DD)"))
			return h.formFailed(w, r, v, "apikey", err, "/account#api-keys", h.accountPage)
		}
		in.ExpiresAt = &t
	}
	key, token, err := h.id.CreateAPIKey(r.Context(), in)
	if err != nil {
		return h.formFailed(w, r, v, "apikey", err, "/account#api-keys", h.accountPage)
	}
	http.SetCookie(w, &http.Cookie{Name: revealCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(key.ID + " " + token)),
		Path: revealPath, MaxAge: 300, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, revealPath, http.StatusSeeOther)
	return nil
}

// revealPath is the page showing a new API key's token.
const revealPath = "/account/api-keys/created"

// apiKeyData is the new key page's content.
type apiKeyData struct {
	Key   identity.APIKey
	Token string
}

// apiKeyCreated shows a new key's token, once: the cookie carrying it is
// cleared as it is read.
func (h *handler) apiKeyCreated(w http.ResponseWriter, r *http.Request, v *view) error {
	raw := cookieValue(r, revealCookie)
	http.SetCookie(w, &http.Cookie{Name: revealCookie, Value: "", Path: revealPath, MaxAge: -1, HttpOnly: true, Secure: h.secure,
		SameSite: http.SameSiteStrictMode})
	b, _ := base64.RawURLEncoding.DecodeString(raw)
	id, token, _ := strings.Cut(string(b), " ")
	key, found, err := h.findAPIKey(r, id)
	if err != nil {
		return err
	}
	if !found || key.RevokedAt != nil || !strings.HasPrefix(token, key.Prefix) {
		setFlash(w, h.secure, flashInfo, "A new API key's token is shown only once, right after it is created.")
		http.Redirect(w, r, "/account#api-keys", http.StatusSeeOther)
		return nil
	}
	v.Title = "New API key"
	v.Data = apiKeyData{Key: key, Token: token}
	return h.render(w, r, v, "shell_apikey_created")
}

// findAPIKey looks for the caller's key id.
func (h *handler) findAPIKey(r *http.Request, id string) (identity.APIKey, bool, error) {
	if id == "" {
		return identity.APIKey{}, false, nil
	}
	cursor := ""
	for {
		keys, next, err := h.id.ListAPIKeys(r.Context(), page.Request{Limit: page.MaxLimit, Cursor: cursor})
		if err != nil {
			return identity.APIKey{}, false, err
		}
		for _, k := range keys {
			if k.ID == id {
				return k, true, nil
			}
		}
		if next == "" {
			return identity.APIKey{}, false, nil
		}
		cursor = next
	}
}

// revokeAPIKey revokes one of the user's keys.
func (h *handler) revokeAPIKey(w http.ResponseWriter, r *http.Request, v *view) error {
	key, err := h.id.RevokeAPIKey(r.Context(), r.PathValue("id"))
	if err != nil {
		return h.refused(w, r, err, "/account#api-keys")
	}
	return h.done(w, r, "/account#api-keys", fmt.Sprintf("The API key “%s” was revoked.", key.Name))
}
