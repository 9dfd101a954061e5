package web

import (
	"net/http"

	"github.com/nephele-cloud/nephele/internal/identity"
)

// dashboardData is the signed-in home page's content.
type dashboardData struct {
	User      identity.User
	Org       identity.Organization
	Functions []identity.Function
	Session   identity.Session
}

// home is the welcome page for visitors and the dashboard for users: who
// they are, their organization, and what their role lets them do.
func (h *handler) home(w http.ResponseWriter, r *http.Request, v *view) error {
	if currentUser(r) == nil {
		return h.storeWelcome(w, r, v)
	}
	u, org, err := h.id.Me(r.Context())
	if err != nil {
		return err
	}
	v.Title = "Dashboard"
	v.Data = dashboardData{User: u, Org: org, Functions: identity.FunctionsOf(u.Role), Session: currentUser(r).Session}
	return h.render(w, r, v, "shell_dashboard")
}
