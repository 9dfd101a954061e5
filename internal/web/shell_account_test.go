package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
)

func TestDashboardShowsRoleFunctions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	admin := e.client()
	admin.login("admin")
	res := admin.get("/")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Hello, admin", "admin@example.com", "Administrator", "Test Marketplace", "Marketplace operator",
		"User management", "User impersonation", "Audit log review", "Last sign-in")
	wantNoText(t, res, "Platform debugging") // super admins only
	if !strings.Contains(res.Body, `href="/audit"`) || !strings.Contains(res.Body, `href="/users"`) {
		t.Error("the admin's navigation lacks the audit log or users")
	}

	cust := e.client()
	cust.login("customer_a1")
	res = cust.get("/")
	wantText(t, res, "Hello, customer_a1", "Customer", "customer_a1", "Order placement", "Messaging", "2 functions")
	wantNoText(t, res, "User management", "Audit log review")
	if strings.Contains(res.Body, `href="/audit"`) {
		t.Error("a customer's navigation links the audit log")
	}
}

func TestAccountProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("vendor_a")

	// A blank name is refused next to the field, and nothing is saved.
	res := c.postForm("/account", "/account/profile", url.Values{"name": {"  "}, "email": {"new-vendor@example.com"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Name is required", "Please correct the error below.")
	if !strings.Contains(res.Body, `value="new-vendor@example.com"`) {
		t.Error("the submitted email was not kept")
	}
	if u := e.user("vendor_a"); u.Name != "vendor_a" || u.Email != "vendor_a@example.com" {
		t.Fatalf("saved despite the error: %+v", u)
	}

	// A new email needs the current password, next to its field; nothing
	// is saved without it, or with a wrong one.
	for _, pw := range []string{"", "not-the-password-1"} {
		res = c.postForm("/account", "/account/profile", url.Values{"name": {"Ada"}, "email": {"new-vendor@example.com"}, "current_password": {pw}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, `id="profile-current-password-error"`) || strings.Contains(res.Body, "not-the-password-1") {
			t.Errorf("password %q: no error next to the current password, or the password shown back", pw)
		}
		if u := e.user("vendor_a"); u.Email != "vendor_a@example.com" || u.Name != "vendor_a" {
			t.Fatalf("saved without the password: %+v", u)
		}
	}

	// A taken email shows next to the email input.
	res = c.postForm("/account", "/account/profile", url.Values{"name": {"Ada"}, "email": {"vendor_b@example.com"}, "current_password": {identitytest.Password}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Email a user with this email already exists")

	// A good change is saved, then the page says so.
	res = c.postForm("/account", "/account/profile", url.Values{"name": {"Ada <Lovelace>"}, "email": {"vendor_a@example.com"}})
	wantRedirect(t, res, "/account")
	res = c.get("/account")
	wantText(t, res, "Your profile was saved.", "Ada <Lovelace>")
	if strings.Contains(res.Body, "<Lovelace>") {
		t.Error("the name was not escaped")
	}
	if u := e.user("vendor_a"); u.Name != "Ada <Lovelace>" {
		t.Fatalf("name %q", u.Name)
	}
	res = c.get("/account")
	wantNoText(t, res, "Your profile was saved.") // a flash shows once
}

func TestAccountPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("reseller_a")

	res := c.postForm("/account", "/account/password", url.Values{"current_password": {"wrong-password-1"},
		"new_password": {"another-good-pass-7"}, "new_password_confirm": {"another-good-pass-7"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Current password is not your current password")
	if strings.Contains(res.Body, "another-good-pass-7") || strings.Contains(res.Body, "wrong-password-1") {
		t.Error("a password was sent back")
	}

	res = c.postForm("/account", "/account/password", url.Values{"current_password": {identitytest.Password},
		"new_password": {"another-good-pass-7"}, "new_password_confirm": {"another-good-pass-8"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Repeat the new password does not match the new password")

	res = c.postForm("/account", "/account/password", url.Values{"current_password": {identitytest.Password},
		"new_password": {"short"}, "new_password_confirm": {"short"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "New password must be at least 10 characters")

	res = c.postForm("/account", "/account/password", url.Values{"current_password": {identitytest.Password},
		"new_password": {"another-good-pass-7"}, "new_password_confirm": {"another-good-pass-7"}})
	wantRedirect(t, res, "/account")
	wantText(t, c.get("/account"), "Your password was changed.")

	other := e.client()
	wantStatus(t, other.signIn("reseller_a@example.com", identitytest.Password, ""), http.StatusUnprocessableEntity)
	wantRedirect(t, other.signIn("reseller_a@example.com", "another-good-pass-7", ""), "/")
}

var tokenRE = regexp.MustCompile(`nak_[A-Za-z0-9_-]{20,}`)

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("distributor")

	// Errors: a blank name, a malformed date, a past date.
	res := c.postForm("/account", "/account/api-keys", url.Values{"name": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Key name is required")
	res = c.postForm("/account", "/account/api-keys", url.Values{"name": {"CI"}, "expires_at": {"tomorrow"}})
	wantText(t, res, "Expiry date is not a date (YYYY-MM-DD)")
	res = c.postForm("/account", "/account/api-keys", url.Values{"name": {"CI"}, "expires_at": {"2020-01-01"}})
	wantText(t, res, "Expiry date must be in the future")

	// Creating a key shows its token once.
	res = c.postForm("/account", "/account/api-keys", url.Values{"name": {"Billing export"}, "expires_at": {"2027-03-01"}})
	wantRedirect(t, res, revealPath)
	res = c.get(revealPath)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Copy your token now", "It will not be shown again.", "Billing export", "1 Mar 2027")
	token := tokenRE.FindString(res.Body)
	if token == "" {
		t.Fatalf("no token on the page:\n%s", res.Body)
	}
	if _, err := e.svc.Authenticate(context.Background(), token); err != nil {
		t.Fatalf("the token shown does not work: %v", err)
	}

	// Never again: not on a second visit, not in the list.
	res = c.get(revealPath)
	wantRedirect(t, res, "/account#api-keys")
	if strings.Contains(res.Body, token) {
		t.Error("token shown twice")
	}
	res = c.get("/account")
	wantText(t, res, "shown only once", "Billing export", token[:12]+"…", "Active")
	if strings.Contains(res.Body, token) {
		t.Error("the list shows the token")
	}

	// Revoke it.
	m := regexp.MustCompile(`/account/api-keys/(key_[0-9a-z]+)/revoke`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatal("no revoke button")
	}
	keyID := m[1]
	res = c.postForm("/account", "/account/api-keys/"+keyID+"/revoke", url.Values{})
	wantRedirect(t, res, "/account#api-keys")
	res = c.get("/account")
	wantText(t, res, "The API key “Billing export” was revoked.", "Revoked")
	if _, err := e.svc.Authenticate(context.Background(), token); err == nil {
		t.Error("a revoked key still works")
	}

	// Someone else's key is not found.
	other := e.client()
	other.login("reseller_b")
	res = other.postForm("/account", "/account/api-keys/"+keyID+"/revoke", url.Values{})
	wantRedirect(t, res, "/account#api-keys")
	wantText(t, other.get("/account"), "No such API key.")
}
