package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// storeRegisterForm submits the sign-up form of the page at from.
func storeRegisterForm(t *testing.T, c *client, from string, form url.Values) *response {
	t.Helper()
	pg := c.get(from)
	wantStatus(t, pg, http.StatusOK)
	form.Set("csrf_token", csrfToken(t, pg.Body))
	if m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(pg.Body); m != nil && form.Get("next") == "" {
		form.Set("next", strings.ReplaceAll(m[1], "&amp;", "&"))
	}
	return c.post("/register", form)
}

// storeUsersNamed counts the users with email.
func storeUsersNamed(t *testing.T, e *env, email string) []identity.User {
	t.Helper()
	us, _, err := e.svc.ListUsers(actor.With(context.Background(), actor.System), identity.UserFilter{Query: email, Page: page.Request{Limit: 10}})
	if err != nil {
		t.Fatal(err)
	}
	return us
}

func TestStoreRegister(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := storeFixture(t, e)
	c := e.client()
	next := "/checkout?plan=" + s.mailPlans[0].ID

	// Bad input: each error next to its field, what was typed kept (never
	// the password), nothing created.
	res := storeRegisterForm(t, c, "/register?next="+url.QueryEscape(next), url.Values{"name": {"Ada"}, "email": {"not-an-email"},
		"password": {"short"}, "org_name": {""}, "country": {"Italy"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Please correct the errors below.", "Email ", "Password ", "Company or household name is required", "Country must be an ISO 3166-1")
	if !strings.Contains(res.Body, `value="not-an-email"`) || strings.Contains(res.Body, `value="short"`) {
		t.Error("the form does not keep the email, or shows the password back")
	}
	if !strings.Contains(res.Body, `name="next" value="`+strings.ReplaceAll(next, "&", "&amp;")+`"`) {
		t.Error("the way back to checkout is lost")
	}
	if us := storeUsersNamed(t, e, "not-an-email"); len(us) != 0 {
		t.Fatalf("created despite the errors: %+v", us)
	}
	// A taken email shows next to the email input.
	res = storeRegisterForm(t, c, "/register", url.Values{"name": {"Ada"}, "email": {"customer_a1@example.com"},
		"password": {"a-long-password-1"}, "org_name": {"Ada's"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Email a user with this email already exists; sign in instead")

	// Without the form's token nothing happens.
	res = c.post("/register", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"a-long-password-1"}, "org_name": {"Ada Ltd"}})
	wantStatus(t, res, http.StatusForbidden)
	if us := storeUsersNamed(t, e, "ada@example.com"); len(us) != 0 {
		t.Fatal("created without a CSRF token")
	}

	// Good input: a customer organization and its user, signed in, back
	// to checkout.
	res = storeRegisterForm(t, c, "/register?next="+url.QueryEscape(next), url.Values{"name": {"Ada Lovelace"}, "email": {"ada@example.com"},
		"password": {"a-long-password-1"}, "org_name": {"Ada Ltd"}, "country": {"it"}, "tax_id": {"IT123"}})
	wantRedirect(t, res, next)
	us := storeUsersNamed(t, e, "ada@example.com")
	if len(us) != 1 || us[0].Role != identity.Customer || us[0].Name != "Ada Lovelace" {
		t.Fatalf("users %+v", us)
	}
	org, err := e.svc.GetOrganization(actor.With(context.Background(), actor.System), us[0].OrgID)
	if err != nil || org.Kind != identity.CustomerOrg || org.Name != "Ada Ltd" || org.Country != "IT" || org.ParentID != e.world.Orgs["operator"].ID {
		t.Fatalf("organization %+v, %v", org, err)
	}
	res = c.get(next)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Welcome! Your account is ready.", "Checkout", "Place order")
	// Signed in, the sign-up page goes straight on.
	wantRedirect(t, c.get("/register?next=/catalog"), "/catalog")
	// Never to another site.
	wantRedirect(t, c.get("/register?next=//evil.example"), "/")
}

// Sign-ups from one address are throttled like sign-ins: past the limit
// the form answers 429 with a wait, and creates nothing.
func TestStoreRegisterThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	limit := identity.DefaultThrottle.Signups
	for i := range limit + 1 {
		c := e.client()
		email := fmt.Sprintf("burst-%02d@example.com", i)
		res := storeRegisterForm(t, c, "/register", url.Values{"name": {"Ada"}, "email": {email}, "password": {"a-long-password-1"},
			"org_name": {"Ada Ltd"}, "country": {"IT"}})
		if i < limit {
			wantStatus(t, res, http.StatusSeeOther)
			continue
		}
		wantStatus(t, res, http.StatusTooManyRequests)
		wantText(t, res, "Too many sign-ups from your network. Please wait")
		if res.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		if us := storeUsersNamed(t, e, email); len(us) != 0 {
			t.Fatalf("created despite the throttle: %+v", us)
		}
	}
}
