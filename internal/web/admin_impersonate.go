package web

import (
	"fmt"
	"net/http"

	"github.com/nephele-cloud/nephele/internal/identity"
)

// Impersonation keeps two sessions in the browser: the impersonation
// session in nephele_session, which every page acts with, and the
// administrator's own session in nephele_admin_session, to return to.
// While it lasts every page shows a banner (shell_layout.html) with a button to
// exit; a supervisor's impersonation is read-only, which the services
// enforce and the banner says.

// impersonate starts acting as the user of the form's user_id.
func (h *handler) impersonate(w http.ResponseWriter, r *http.Request, v *view) error {
	admin := currentUser(r)
	res, err := h.id.Impersonate(r.Context(), r.PostForm.Get("user_id"))
	if err != nil {
		return h.refused(w, r, err, "/users")
	}
	h.setCookie(w, adminCookie, admin.Token, admin.Session.ExpiresAt)
	h.setCookie(w, sessionCookie, res.Token, res.Session.ExpiresAt)
	msg := fmt.Sprintf("You are now acting as %s.", res.User.Name)
	if identity.Role(admin.Actor.Role) == identity.Supervisor {
		msg += " This impersonation is read-only."
	}
	return h.done(w, r, "/", msg)
}

// exitImpersonation ends the impersonation session and gives the browser
// back the administrator's own session.
func (h *handler) exitImpersonation(w http.ResponseWriter, r *http.Request, v *view) error {
	s := currentUser(r)
	if s.Impersonator == nil {
		setFlash(w, h.secure, flashInfo, "You are not impersonating anyone.")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	ended, err := h.id.Logout(r.Context())
	if err != nil {
		return err
	}
	admin, err := h.sessionFromCookie(r, adminCookie)
	if err != nil {
		return err
	}
	h.clearCookie(w, adminCookie)
	if admin == nil || admin.Impersonator != nil || admin.Session.ID != ended.ParentSessionID {
		h.clearCookie(w, sessionCookie)
		setFlash(w, h.secure, flashInfo, "The impersonation has ended. Please sign in again.")
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	h.setCookie(w, sessionCookie, admin.Token, admin.Session.ExpiresAt)
	return h.done(w, r, "/users", fmt.Sprintf("You stopped acting as %s and are yourself again.", s.User.Name))
}
