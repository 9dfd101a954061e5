package identity_test

import (
	"context"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/platform/queue"
)

func world(t *testing.T, d *db.DB) *identitytest.World {
	return identitytest.NewWorld(t, identitytest.Service(t, d))
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !errs.Is(err, code) {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func orgNames(w *identitytest.World, orgs []identity.Organization) []string {
	byID := map[string]string{}
	for name, o := range w.Orgs {
		byID[o.ID] = name
	}
	var out []string
	for _, o := range orgs {
		out = append(out, byID[o.ID])
	}
	sort.Strings(out)
	return out
}

func TestOrganizationVisibility(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := world(t, d)
		all := []string{"customer_a1", "customer_a2", "customer_b1", "customer_direct", "customer_dist", "distributor", "operator", "reseller_a", "reseller_b", "vendor_a", "vendor_b"}
		want := map[string][]string{
			"super_admin":     all,
			"admin":           all,
			"supervisor":      all,
			"vendor_a":        {"vendor_a"},
			"vendor_b":        {"vendor_b"},
			"distributor":     {"customer_a1", "customer_a2", "customer_b1", "customer_dist", "distributor", "reseller_a", "reseller_b"},
			"reseller_a":      {"customer_a1", "customer_a2", "reseller_a"},
			"reseller_b":      {"customer_b1", "reseller_b"},
			"customer_a1":     {"customer_a1"},
			"customer_a2":     {"customer_a2"},
			"customer_b1":     {"customer_b1"},
			"customer_dist":   {"customer_dist"},
			"customer_direct": {"customer_direct"},
		}
		for _, name := range identitytest.Names {
			ctx := w.As(t, name)
			orgs, _, err := w.Svc.ListOrganizations(ctx, identity.OrganizationFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if got := orgNames(w, orgs); !slices.Equal(got, want[name]) {
				t.Errorf("%s sees %v, want %v", name, got, want[name])
			}
			// Every organization outside that set is "not found", never "forbidden".
			for org, o := range w.Orgs {
				_, err := w.Svc.GetOrganization(ctx, o.ID)
				visible := slices.Contains(want[name], org)
				if visible && err != nil {
					t.Errorf("%s cannot get visible %s: %v", name, org, err)
				}
				if !visible && errs.KindOf(err) != errs.KindNotFound {
					t.Errorf("%s gets foreign %s: %v", name, org, err)
				}
			}
			// Users follow their organizations.
			users, _, err := w.Svc.ListUsers(ctx, identity.UserFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range users {
				var orgName string
				for n, o := range w.Orgs {
					if o.ID == u.OrgID {
						orgName = n
					}
				}
				if !slices.Contains(want[name], orgName) {
					t.Errorf("%s sees user %s of %s", name, u.Email, orgName)
				}
			}
		}
		if _, _, err := w.Svc.ListOrganizations(context.Background(), identity.OrganizationFilter{}); errs.KindOf(err) != errs.KindUnauthenticated {
			t.Fatalf("anonymous list: %v", err)
		}
	})
}

func TestCreateOrganizationRules(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := world(t, d)
		cases := []struct {
			who    string
			kind   identity.OrgKind
			parent string // fixture org name, "" for the default
			code   string // "" for success
		}{
			{"admin", identity.VendorOrg, "", ""},
			{"super_admin", identity.DistributorOrg, "operator", ""},
			{"admin", identity.CustomerOrg, "reseller_b", ""},
			{"admin", identity.ResellerOrg, "vendor_a", "validation_failed"},
			{"admin", identity.Operator, "", "validation_failed"},
			{"supervisor", identity.CustomerOrg, "reseller_a", "permission_denied"},
			{"distributor", identity.ResellerOrg, "", ""},
			{"distributor", identity.CustomerOrg, "reseller_a", ""},
			{"distributor", identity.VendorOrg, "operator", "validation_failed"}, // operator is above it: not visible
			{"reseller_a", identity.CustomerOrg, "", ""},
			{"reseller_a", identity.CustomerOrg, "reseller_b", "validation_failed"}, // a peer: not visible
			{"reseller_a", identity.ResellerOrg, "", "validation_failed"},           // reseller under reseller
			{"vendor_a", identity.CustomerOrg, "", "validation_failed"},             // customer under vendor
			{"customer_a1", identity.CustomerOrg, "", "validation_failed"},
		}
		for _, c := range cases {
			ctx := w.As(t, c.who)
			in := identity.CreateOrganizationInput{Kind: c.kind, Name: "New " + string(c.kind)}
			if c.parent != "" {
				in.ParentID = w.Orgs[c.parent].ID
			}
			o, err := w.Svc.CreateOrganization(ctx, in)
			if c.code == "" {
				if err != nil {
					t.Errorf("%s creating %s under %q: %v", c.who, c.kind, c.parent, err)
				} else if ok, _ := w.Svc.CanSeeOrg(ctx, actor.From(ctx), o.ID); !ok {
					t.Errorf("%s cannot see the %s it created", c.who, c.kind)
				}
				continue
			}
			if !errs.Is(err, c.code) {
				t.Errorf("%s creating %s under %q: %v, want %s", c.who, c.kind, c.parent, err, c.code)
			}
		}
		// Bad input names each field and writes nothing.
		before, _, _ := w.Svc.ListOrganizations(w.As(t, "admin"), identity.OrganizationFilter{Page: page.Request{Limit: 200}})
		_, err := w.Svc.CreateOrganization(w.As(t, "admin"), identity.CreateOrganizationInput{Kind: "bank", Name: " ", Email: "nope", Country: "Italy", ParentID: w.Users["admin"].ID})
		e, ok := errs.As(err)
		if !ok || len(e.Fields) != 5 {
			t.Fatalf("bad input: %v", err)
		}
		after, _, _ := w.Svc.ListOrganizations(w.As(t, "admin"), identity.OrganizationFilter{Page: page.Request{Limit: 200}})
		if len(after) != len(before) {
			t.Fatal("a refused creation wrote something")
		}
	})
}

func TestUpdateAndArchiveOrganization(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := world(t, d)
		name := "Renamed Ltd"
		// A customer edits its own profile; another customer cannot see it.
		if _, err := w.Svc.UpdateOrganization(w.As(t, "customer_a1"), w.Orgs["customer_a1"].ID, identity.UpdateOrganizationInput{Name: &name}); err != nil {
			t.Fatal(err)
		}
		_, err := w.Svc.UpdateOrganization(w.As(t, "customer_a2"), w.Orgs["customer_a1"].ID, identity.UpdateOrganizationInput{Name: &name})
		wantCode(t, err, "organization_not_found")
		// A supervisor sees but may not change.
		_, err = w.Svc.UpdateOrganization(w.As(t, "supervisor"), w.Orgs["customer_a1"].ID, identity.UpdateOrganizationInput{Name: &name})
		wantCode(t, err, "permission_denied")
		// The change is audited with the changed field.
		entries, _, err := w.Svc.ListAuditEvents(w.As(t, "admin"), audit.Filter{ObjectID: w.Orgs["customer_a1"].ID, Action: "organization.update"})
		if err != nil || len(entries) != 1 || entries[0].Changes["name"].To != name || entries[0].ActorID != w.Users["customer_a1"].ID {
			t.Fatalf("audit = %+v, %v", entries, err)
		}
		// The billing address keeps its lines, trimmed.
		addr := "  Via Roma 1 \r\n\n 00100 Roma  "
		if o, err := w.Svc.UpdateOrganization(w.As(t, "customer_a1"), w.Orgs["customer_a1"].ID, identity.UpdateOrganizationInput{Address: &addr}); err != nil || o.Address != "Via Roma 1\n00100 Roma" {
			t.Fatalf("address: %q %v", o.Address, err)
		}
		long := "1\n2\n3\n4\n5\n6\n7"
		_, err = w.Svc.UpdateOrganization(w.As(t, "customer_a1"), w.Orgs["customer_a1"].ID, identity.UpdateOrganizationInput{Address: &long})
		wantCode(t, err, "validation_failed")

		// A reseller with customers cannot be archived; its customer can, by the reseller.
		_, err = w.Svc.ArchiveOrganization(w.As(t, "admin"), w.Orgs["reseller_b"].ID)
		wantCode(t, err, "organization_has_children")
		_, custToken := w.Login(t, "customer_b1")
		if _, err := w.Svc.ArchiveOrganization(w.As(t, "reseller_b"), w.Orgs["customer_b1"].ID); err != nil {
			t.Fatal(err)
		}
		// Its users' credentials stop working at once.
		if _, err := w.Svc.Authenticate(context.Background(), custToken); err == nil {
			t.Fatal("session of an archived organization still works")
		}
		_, err = w.Svc.Login(context.Background(), identity.LoginInput{Email: w.Users["customer_b1"].Email, Password: identitytest.Password})
		wantCode(t, err, "account_disabled")
		_, err = w.Svc.ArchiveOrganization(w.As(t, "admin"), w.Orgs["operator"].ID)
		wantCode(t, err, "operator_not_archivable")
	})
}

func TestUserRules(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := world(t, d)
		pw := "another-strong-pw-7"
		create := func(who, org string, role identity.Role, email string) error {
			_, err := w.Svc.CreateUser(w.As(t, who), identity.CreateUserInput{OrgID: w.Orgs[org].ID, Email: email, Name: "N", Role: role, Password: pw})
			return err
		}
		// A channel party does not add users to its customers (only their
		// first, see TestChannelPartiesDoNotManageCustomerUsers in app).
		wantCode(t, create("reseller_a", "customer_a1", "", "colleague@a1.example"), "permission_denied")
		if err := create("admin", "customer_a1", "", "colleague@a1.example"); err != nil {
			t.Fatal(err)
		}
		if err := create("customer_a1", "customer_a1", "", "second@a1.example"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, create("reseller_a", "customer_b1", "", "x@b1.example"), "validation_failed") // not visible
		wantCode(t, create("customer_a1", "customer_a2", "", "x@a2.example"), "validation_failed")
		wantCode(t, create("admin", "operator", identity.SuperAdmin, "sa2@example.com"), "permission_denied")
		if err := create("super_admin", "operator", identity.Admin, "admin2@example.com"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, create("admin", "customer_a1", identity.VendorRole, "v@a1.example"), "validation_failed")
		wantCode(t, create("admin", "operator", "", "norole@example.com"), "validation_failed")
		wantCode(t, create("admin", "customer_a1", "", "COLLEAGUE@a1.example"), "email_taken")
		wantCode(t, create("vendor_a", "vendor_a", "", "supervisor@example.com"), "email_taken")
		_, err := w.Svc.CreateUser(w.As(t, "admin"), identity.CreateUserInput{OrgID: w.Orgs["customer_a1"].ID, Email: "weak@a1.example", Name: "W", Password: "password"})
		wantCode(t, err, "validation_failed")

		// Role changes and disabling.
		admin := w.As(t, "admin")
		saID := w.Users["super_admin"].ID
		disabled := identity.UserDisabled
		_, err = w.Svc.UpdateUser(admin, saID, identity.UpdateUserInput{Status: &disabled})
		wantCode(t, err, "permission_denied")
		_, err = w.Svc.UpdateUser(admin, w.Users["admin"].ID, identity.UpdateUserInput{Status: &disabled})
		wantCode(t, err, "own_status")
		sup := identity.Supervisor
		_, err = w.Svc.UpdateUser(admin, w.Users["admin"].ID, identity.UpdateUserInput{Role: &sup})
		wantCode(t, err, "own_role")
		_, token := w.Login(t, "customer_a2")
		_, err = w.Svc.DisableUser(w.As(t, "reseller_a"), w.Users["customer_a2"].ID)
		wantCode(t, err, "permission_denied")
		if _, err := w.Svc.DisableUser(admin, w.Users["customer_a2"].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.Authenticate(context.Background(), token); err == nil {
			t.Fatal("a disabled user's session still works")
		}
		_, err = w.Svc.DisableUser(w.As(t, "reseller_b"), w.Users["customer_a1"].ID)
		wantCode(t, err, "user_not_found")
		_, err = w.Svc.DisableUser(w.As(t, "customer_a1"), w.Users["customer_a2"].ID)
		wantCode(t, err, "user_not_found")

		// Passwords: one's own with the current one; a manager without.
		me := w.As(t, "vendor_a")
		vid := w.Users["vendor_a"].ID
		wantCode(t, w.Svc.SetPassword(me, vid, identity.SetPasswordInput{CurrentPassword: "wrong", NewPassword: pw}), "validation_failed")
		if err := w.Svc.SetPassword(me, vid, identity.SetPasswordInput{CurrentPassword: identitytest.Password, NewPassword: pw}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.Login(context.Background(), identity.LoginInput{Email: "vendor_a@example.com", Password: pw}); err != nil {
			t.Fatal(err)
		}
		if err := w.Svc.SetPassword(admin, vid, identity.SetPasswordInput{NewPassword: "reset-by-admin-42"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, w.Svc.SetPassword(w.As(t, "vendor_b"), vid, identity.SetPasswordInput{NewPassword: "reset-by-peer-42"}), "user_not_found")

		// Every mutation left an event in the outbox.
		var n int
		if err := d.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE type = 'user.created'`).Scan(&n); err != nil || n < len(identitytest.Names)+3 {
			t.Fatalf("user.created events: %d, %v", n, err)
		}
	})
}

func TestLoginThrottleAndExpiry(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := d.Clock().(*clock.Test)
		w := world(t, d)
		ctx := context.Background()
		email := w.Users["customer_a1"].Email
		bad := identity.LoginInput{Email: email, Password: "not-the-password-1", IP: "192.0.2.7"}
		good := identity.LoginInput{Email: email, Password: identitytest.Password, IP: "192.0.2.7"}

		_, err := w.Svc.Login(ctx, identity.LoginInput{Email: "nobody@example.com", Password: "x"})
		wantCode(t, err, "invalid_credentials")
		for range 5 {
			_, err := w.Svc.Login(ctx, bad)
			wantCode(t, err, "invalid_credentials")
		}
		// Locked: even the right password is refused, with a retry time.
		_, err = w.Svc.Login(ctx, good)
		e, _ := errs.As(err)
		if e == nil || e.Code != "too_many_attempts" || e.RetryAfterSeconds <= 0 || e.RetryAfterSeconds > 900 {
			t.Fatalf("locked login: %v", err)
		}
		// Other accounts are not locked by it.
		if _, err := w.Svc.Login(ctx, identity.LoginInput{Email: w.Users["customer_a2"].Email, Password: identitytest.Password}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(15*time.Minute + time.Second)
		res, err := w.Svc.Login(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		// The failures are audited against the user.
		entries, _, _ := w.Svc.ListAuditEvents(w.As(t, "admin"), audit.Filter{ObjectID: w.Users["customer_a1"].ID, Action: "user.login_failed"})
		if len(entries) != 5 || entries[0].IP != "" && entries[0].ActorKind != "anonymous" {
			t.Fatalf("login_failed entries: %d", len(entries))
		}

		// A session token works until it expires, then never again.
		a, err := w.Svc.Authenticate(ctx, res.Token)
		if err != nil || a.UserID != w.Users["customer_a1"].ID || a.Role != "customer" || a.OrgKind != "customer" {
			t.Fatalf("authenticate: %+v, %v", a, err)
		}
		clk.Advance(24 * time.Hour)
		_, err = w.Svc.Authenticate(ctx, res.Token)
		wantCode(t, err, "invalid_token")
		for _, tok := range []string{"", "nps_", "nak_x", "Bearer x", res.Token + "x"} {
			_, err := w.Svc.Authenticate(ctx, tok)
			wantCode(t, err, "invalid_token")
		}

		// Logout ends the session.
		res, _ = w.Svc.Login(ctx, good)
		a, _ = w.Svc.Authenticate(ctx, res.Token)
		if _, err := w.Svc.Logout(actor.With(ctx, a)); err != nil {
			t.Fatal(err)
		}
		_, err = w.Svc.Authenticate(ctx, res.Token)
		wantCode(t, err, "invalid_token")
	})
}

// With a session clock of its own (a platform on a test clock), moving
// business time leaves sessions alone; their own clock still ends them.
func TestSessionClock(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		business := d.Clock().(*clock.Test)
		sessions := clock.NewTest(dbtest.DefaultStart)
		q, err := queue.New(d, queue.Config{})
		if err != nil {
			t.Fatal(err)
		}
		cfg := identity.DefaultConfig
		cfg.Hash, cfg.SessionClock = identitytest.CheapHash, sessions
		svc := identity.New(d, audit.New(d), outbox.New(d, q, nil), cfg, nil)
		w := identitytest.NewWorld(t, svc)
		ctx := context.Background()
		res, err := svc.Login(ctx, identity.LoginInput{Email: w.Users["customer_a1"].Email, Password: identitytest.Password})
		if err != nil {
			t.Fatal(err)
		}
		business.Advance(60 * 24 * time.Hour)
		if _, err := svc.Authenticate(ctx, res.Token); err != nil {
			t.Fatalf("after two business months: %v", err)
		}
		sessions.Advance(24 * time.Hour)
		_, err = svc.Authenticate(ctx, res.Token)
		wantCode(t, err, "invalid_token")
	})
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := d.Clock().(*clock.Test)
		w := world(t, d)
		ctx := w.As(t, "vendor_a")
		k, token, err := w.Svc.CreateAPIKey(ctx, identity.CreateAPIKeyInput{Name: "ci"})
		if err != nil || len(token) < 40 || k.Prefix != token[:12] {
			t.Fatalf("create: %+v %q %v", k, token, err)
		}
		var stored string
		if err := d.QueryRow(context.Background(), `SELECT token_hash FROM api_keys WHERE id = $1`, k.ID).Scan(&stored); err != nil || stored == token {
			t.Fatal("the token is stored in plain text")
		}
		a, err := w.Svc.Authenticate(context.Background(), token)
		if err != nil || a.UserID != w.Users["vendor_a"].ID || a.APIKeyID != k.ID || a.SessionID != "" {
			t.Fatalf("authenticate: %+v, %v", a, err)
		}
		keys, _, _ := w.Svc.ListAPIKeys(ctx, page.Request{})
		if len(keys) != 1 || keys[0].LastUsedAt == nil {
			t.Fatalf("list: %+v", keys)
		}
		// Other users see none of it and cannot revoke it.
		if keys, _, _ := w.Svc.ListAPIKeys(w.As(t, "vendor_b"), page.Request{}); len(keys) != 0 {
			t.Fatal("another vendor lists the key")
		}
		_, err = w.Svc.RevokeAPIKey(w.As(t, "vendor_b"), k.ID)
		wantCode(t, err, "api_key_not_found")
		if _, err := w.Svc.Logout(actor.With(context.Background(), a)); !errs.Is(err, "not_a_session") {
			t.Fatalf("logout with an API key: %v", err)
		}
		if _, err := w.Svc.RevokeAPIKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.Svc.Authenticate(context.Background(), token)
		wantCode(t, err, "invalid_token")

		// Expiring keys stop at their time.
		exp := clk.Now().Add(time.Hour)
		_, token, err = w.Svc.CreateAPIKey(ctx, identity.CreateAPIKeyInput{Name: "short", ExpiresAt: &exp})
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Hour)
		_, err = w.Svc.Authenticate(context.Background(), token)
		wantCode(t, err, "invalid_token")
		past := clk.Now().Add(-time.Minute)
		_, _, err = w.Svc.CreateAPIKey(ctx, identity.CreateAPIKeyInput{Name: "past", ExpiresAt: &past})
		wantCode(t, err, "validation_failed")
	})
}

func TestImpersonation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := world(t, d)
		ctx := context.Background()
		_, adminToken := w.Login(t, "admin")
		adminActor, _ := w.Svc.Authenticate(ctx, adminToken)
		admin := actor.With(ctx, adminActor)

		res, err := w.Svc.Impersonate(admin, w.Users["customer_a1"].ID)
		if err != nil {
			t.Fatal(err)
		}
		a, err := w.Svc.Authenticate(ctx, res.Token)
		if err != nil || a.UserID != w.Users["customer_a1"].ID || a.ImpersonatorID != w.Users["admin"].ID || a.ImpersonatorRole != "admin" {
			t.Fatalf("impersonated actor: %+v, %v", a, err)
		}
		// Acting as the customer records both identities.
		imp := actor.With(ctx, a)
		name := "Changed by support"
		if _, err := w.Svc.UpdateOrganization(imp, w.Orgs["customer_a1"].ID, identity.UpdateOrganizationInput{Name: &name}); err != nil {
			t.Fatal(err)
		}
		entries, _, _ := w.Svc.ListAuditEvents(admin, audit.Filter{Action: "organization.update", ObjectID: w.Orgs["customer_a1"].ID})
		if len(entries) != 1 || entries[0].ActorID != w.Users["customer_a1"].ID || entries[0].ImpersonatorID != w.Users["admin"].ID {
			t.Fatalf("audit of an impersonated change: %+v", entries)
		}
		// The impersonator sees only what the customer sees.
		if orgs, _, _ := w.Svc.ListOrganizations(imp, identity.OrganizationFilter{}); len(orgs) != 1 {
			t.Fatalf("impersonated scope: %d organizations", len(orgs))
		}
		// No nesting, no API keys, no password change for the user.
		_, err = w.Svc.Impersonate(imp, w.Users["customer_a2"].ID)
		if errs.KindOf(err) != errs.KindForbidden && !errs.Is(err, "already_impersonating") {
			t.Fatalf("nested impersonation: %v", err)
		}
		_, _, err = w.Svc.CreateAPIKey(imp, identity.CreateAPIKeyInput{Name: "x"})
		wantCode(t, err, "impersonation_forbidden")
		// Ending it leaves the administrator signed in.
		if _, err := w.Svc.Logout(imp); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.Authenticate(ctx, res.Token); err == nil {
			t.Fatal("ended impersonation still works")
		}
		if _, err := w.Svc.Authenticate(ctx, adminToken); err != nil {
			t.Fatalf("administrator's session ended with the impersonation: %v", err)
		}

		// Who may impersonate whom.
		_, err = w.Svc.Impersonate(admin, w.Users["super_admin"].ID)
		wantCode(t, err, "permission_denied")
		_, err = w.Svc.Impersonate(w.As(t, "supervisor"), w.Users["admin"].ID)
		wantCode(t, err, "permission_denied")
		_, err = w.Svc.Impersonate(w.As(t, "reseller_a"), w.Users["customer_a1"].ID)
		wantCode(t, err, "permission_denied")
		_, err = w.Svc.Impersonate(admin, w.Users["admin"].ID)
		wantCode(t, err, "impersonate_self")

		// A supervisor's impersonation is read-only.
		res, err = w.Svc.Impersonate(w.As(t, "supervisor"), w.Users["vendor_a"].ID)
		if err != nil {
			t.Fatal(err)
		}
		a, _ = w.Svc.Authenticate(ctx, res.Token)
		supImp := actor.With(ctx, a)
		if _, err := w.Svc.GetOrganization(supImp, w.Orgs["vendor_a"].ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.Svc.UpdateOrganization(supImp, w.Orgs["vendor_a"].ID, identity.UpdateOrganizationInput{Name: &name})
		wantCode(t, err, "impersonation_read_only")
		// Impersonation sessions expire after an hour.
		d.Clock().(*clock.Test).Advance(61 * time.Minute)
		_, err = w.Svc.Authenticate(ctx, res.Token)
		wantCode(t, err, "invalid_token")
	})
}

func TestBootstrapAdminOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := identitytest.Service(t, d)
		ctx := context.Background()
		created, err := svc.BootstrapAdmin(ctx, "root@example.com:bootstrap-pass-1")
		if err != nil || !created {
			t.Fatalf("first bootstrap: %v, %v", created, err)
		}
		created, err = svc.BootstrapAdmin(ctx, "other@example.com:bootstrap-pass-2")
		if err != nil || created {
			t.Fatalf("second bootstrap: %v, %v", created, err)
		}
		res, err := svc.Login(ctx, identity.LoginInput{Email: "root@example.com", Password: "bootstrap-pass-1"})
		if err != nil || res.User.Role != identity.SuperAdmin {
			t.Fatalf("login: %+v, %v", res.User, err)
		}
		if _, err := svc.BootstrapAdmin(ctx, "no-colon"); err == nil {
			t.Fatal("malformed spec accepted")
		}
	})
}

func TestAuditLogAccess(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := world(t, d)
		for _, who := range []string{"super_admin", "admin", "supervisor"} {
			if _, _, err := w.Svc.ListAuditEvents(w.As(t, who), audit.Filter{}); err != nil {
				t.Errorf("%s: %v", who, err)
			}
		}
		for _, who := range []string{"vendor_a", "distributor", "reseller_a", "customer_a1"} {
			_, _, err := w.Svc.ListAuditEvents(w.As(t, who), audit.Filter{})
			if errs.KindOf(err) != errs.KindForbidden {
				t.Errorf("%s reads the audit log: %v", who, err)
			}
		}
	})
}

// Failed sign-ins racing each other are reserved before the password
// check (several processes share one database): of a burst, exactly the
// limit reach the check and the rest are refused, then the account is
// locked for that source.
func TestConcurrentFailuresAllCount(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := world(t, d)
		email := w.Users["vendor_b"].Email
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for range 12 {
			wg.Go(func() {
				_, err := w.Svc.Login(context.Background(), identity.LoginInput{Email: email, Password: "guess-guess-1", IP: "198.51.100.9"})
				e, _ := errs.As(err)
				mu.Lock()
				defer mu.Unlock()
				if e != nil {
					codes[e.Code]++
				}
			})
		}
		wg.Wait()
		if codes["invalid_credentials"] != 5 || codes["too_many_attempts"] != 7 {
			t.Fatalf("answers %v, want 5 invalid_credentials and 7 too_many_attempts", codes)
		}
		_, err := w.Svc.Login(context.Background(), identity.LoginInput{Email: email, Password: identitytest.Password, IP: "198.51.100.9"})
		wantCode(t, err, "too_many_attempts")
	})
}

// Wrong guesses from one source lock the account for that source only: the
// real user, elsewhere, still signs in; an IPv6 source is its /64.
func TestThrottlePerSource(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := world(t, d)
		ctx := context.Background()
		email := w.Users["customer_b1"].Email
		for _, ip := range []string{"203.0.113.5", "2001:db8:1:2::1"} {
			for range 5 {
				_, err := w.Svc.Login(ctx, identity.LoginInput{Email: email, Password: "not-the-password-1", IP: ip})
				wantCode(t, err, "invalid_credentials")
			}
		}
		for _, ip := range []string{"203.0.113.5", "2001:db8:1:2:ffff::7"} { // the same /64
			_, err := w.Svc.Login(ctx, identity.LoginInput{Email: email, Password: identitytest.Password, IP: ip})
			wantCode(t, err, "too_many_attempts")
		}
		for _, ip := range []string{"203.0.113.6", "2001:db8:1:3::1", ""} {
			if _, err := w.Svc.Login(ctx, identity.LoginInput{Email: email, Password: identitytest.Password, IP: ip}); err != nil {
				t.Fatalf("the real user from %q: %v", ip, err)
			}
		}
	})
}

// A source behind which many people sit (one proxy) meets a high ceiling,
// then short locks that grow, never one long lock at once.
func TestThrottleSourceBacksOff(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := d.Clock().(*clock.Test)
		q, err := queue.New(d, queue.Config{})
		if err != nil {
			t.Fatal(err)
		}
		cfg := identity.DefaultConfig
		cfg.Hash = identitytest.CheapHash
		cfg.Throttle = identity.ThrottleConfig{AccountFailures: 5, IPFailures: 8, Window: 15 * time.Minute, Lock: 15 * time.Minute, IPLock: time.Minute}
		w := identitytest.NewWorld(t, identity.New(d, audit.New(d), outbox.New(d, q, nil), cfg, nil))
		ctx := context.Background()
		fail := func(email string) error {
			_, err := w.Svc.Login(ctx, identity.LoginInput{Email: email, Password: "not-the-password-1", IP: "192.0.2.80"})
			return err
		}
		// Eight accounts' users make one mistake each: no one is locked yet.
		who := []string{"vendor_a", "vendor_b", "distributor", "reseller_a", "reseller_b", "customer_a1", "customer_a2", "customer_b1"}
		for _, name := range who {
			wantCode(t, fail(w.Users[name].Email), "invalid_credentials")
		}
		// The ninth failure locks the source for a minute, then two, then four.
		for _, lock := range []int{60, 120, 240} {
			e, _ := errs.As(fail(w.Users["customer_dist"].Email))
			if e == nil || e.Code != "too_many_attempts" || e.RetryAfterSeconds != lock {
				t.Fatalf("locked source: %v, want a %d s lock", e, lock)
			}
			clk.Advance(time.Duration(lock) * time.Second)
			for _, name := range who {
				wantCode(t, fail(name+"@elsewhere.example"), "invalid_credentials") // unknown accounts count against the source too
			}
		}
		// Successful sign-ins from the source do not count against it.
		clk.Advance(time.Hour)
		for range 20 {
			if _, err := w.Svc.Login(ctx, identity.LoginInput{Email: w.Users["customer_direct"].Email, Password: identitytest.Password, IP: "192.0.2.80"}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// An impersonation lives no longer than the administrator's session it
// started from: the administrator's logout, a reset of the
// administrator's password, and the expiry of that session all end it.
func TestImpersonationEndsWithItsParent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := d.Clock().(*clock.Test)
		w := world(t, d)
		ctx := context.Background()
		start := func(t *testing.T) (admin context.Context, token string) {
			t.Helper()
			admin = w.As(t, "admin")
			res, err := w.Svc.Impersonate(admin, w.Users["customer_a1"].ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Svc.Authenticate(ctx, res.Token); err != nil {
				t.Fatalf("fresh impersonation: %v", err)
			}
			return admin, res.Token
		}
		t.Run("logout", func(t *testing.T) {
			admin, tok := start(t)
			if _, err := w.Svc.Logout(admin); err != nil {
				t.Fatal(err)
			}
			_, err := w.Svc.Authenticate(ctx, tok)
			wantCode(t, err, "invalid_token")
		})
		t.Run("password reset", func(t *testing.T) {
			_, tok := start(t)
			if err := w.Svc.SetPassword(w.As(t, "super_admin"), w.Users["admin"].ID, identity.SetPasswordInput{NewPassword: "a-brand-new-secret-7"}); err != nil {
				t.Fatal(err)
			}
			_, err := w.Svc.Authenticate(ctx, tok)
			if err := w.Svc.SetPassword(w.As(t, "super_admin"), w.Users["admin"].ID, identity.SetPasswordInput{NewPassword: identitytest.Password}); err != nil {
				t.Fatal(err)
			}
			wantCode(t, err, "invalid_token")
		})
		t.Run("api key", func(t *testing.T) {
			// A key has no session to end with: impersonation needs one.
			_, token, err := w.Svc.CreateAPIKey(w.As(t, "admin"), identity.CreateAPIKeyInput{Name: "support tool"})
			if err != nil {
				t.Fatal(err)
			}
			ka, err := w.Svc.Authenticate(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.Svc.Impersonate(actor.With(ctx, ka), w.Users["customer_a1"].ID)
			wantCode(t, err, "impersonation_needs_session")
		})
		t.Run("parent expiry", func(t *testing.T) {
			admin, tok := start(t)
			// The parent (an API session) ends in 24 hours; move it to end
			// before the impersonation does.
			if _, err := d.Exec(ctx, `UPDATE sessions SET expires_at = $2 WHERE id = $1`, actor.From(admin).SessionID, clk.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			clk.Advance(2 * time.Minute)
			_, err := w.Svc.Authenticate(ctx, tok)
			wantCode(t, err, "invalid_token")
		})
	})
}

// Names and e-mails with bidi controls or other invisible characters are
// refused with a field error, and nothing is created or changed.
func TestInvisibleCharactersRefused(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := world(t, d)
		admin := w.As(t, "admin")
		field := func(err error, name string) {
			t.Helper()
			e, ok := errs.As(err)
			if !ok || e.Code != "validation_failed" || len(e.Fields) == 0 || e.Fields[0].Field != name {
				t.Fatalf("error %v, want a validation error on %s", err, name)
			}
		}
		_, err := w.Svc.CreateOrganization(admin, identity.CreateOrganizationInput{Kind: identity.CustomerOrg, Name: "Acme\u202Egpj.exe"})
		field(err, "name")
		_, err = w.Svc.CreateUser(admin, identity.CreateUserInput{OrgID: w.Orgs["customer_a1"].ID, Email: "a\u200b@example.com", Name: "A", Password: "a-fine-password-9"})
		field(err, "email")
		name := "Mallory\u2066"
		_, err = w.Svc.UpdateUser(admin, w.Users["customer_a1"].ID, identity.UpdateUserInput{Name: &name})
		field(err, "name")
		_, _, err = w.Svc.Register(context.Background(), identity.RegisterInput{Kind: identity.CustomerOrg, OrgName: "Shop\u202E", Name: "Eve",
			Email: "eve@example.com", Password: "a-fine-password-9"})
		field(err, "org_name")
		if u, _ := w.Svc.GetUser(admin, w.Users["customer_a1"].ID); u.Name != "customer_a1" {
			t.Fatalf("name changed to %q", u.Name)
		}
	})
}

// Users change their own e-mail (the address password resets will go to)
// only with their current password; an impersonator not at all; a manager
// of the user without one.
func TestOwnEmailChangeNeedsPassword(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := world(t, d)
		me := w.As(t, "vendor_a")
		id := w.Users["vendor_a"].ID
		email := "new-vendor-a@example.com"
		for _, pw := range []*string{nil, ptr(""), ptr("not-the-password-1")} {
			_, err := w.Svc.UpdateUser(me, id, identity.UpdateUserInput{Email: &email, CurrentPassword: pw})
			e, _ := errs.As(err)
			if e == nil || e.Code != "validation_failed" || len(e.Fields) != 1 || e.Fields[0].Field != "current_password" {
				t.Fatalf("own email change with password %v: %v", pw, err)
			}
		}
		if u, _ := w.Svc.GetUser(me, id); u.Email != "vendor_a@example.com" {
			t.Fatalf("email changed to %q", u.Email)
		}
		// The name alone, or the same email, needs no password.
		name, same := "Vera", "vendor_a@example.com"
		if _, err := w.Svc.UpdateUser(me, id, identity.UpdateUserInput{Name: &name, Email: &same}); err != nil {
			t.Fatal(err)
		}
		// An impersonator cannot change the e-mail of the user it acts as.
		imp, err := w.Svc.Impersonate(w.As(t, "admin"), w.Users["customer_a1"].ID)
		if err != nil {
			t.Fatal(err)
		}
		ia, _ := w.Svc.Authenticate(context.Background(), imp.Token)
		_, err = w.Svc.UpdateUser(actor.With(context.Background(), ia), w.Users["customer_a1"].ID, identity.UpdateUserInput{Email: &email, CurrentPassword: ptr(identitytest.Password)})
		wantCode(t, err, "impersonation_forbidden")
		// With the password it is saved; an administrator needs none for another user.
		if u, err := w.Svc.UpdateUser(me, id, identity.UpdateUserInput{Email: &email, CurrentPassword: ptr(identitytest.Password)}); err != nil || u.Email != email {
			t.Fatalf("own email change with the password: %+v, %v", u, err)
		}
		other := "b-new@example.com"
		if _, err := w.Svc.UpdateUser(w.As(t, "admin"), w.Users["vendor_b"].ID, identity.UpdateUserInput{Email: &other}); err != nil {
			t.Fatal(err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// The purge forgets throttle rows once neither their window nor their lock
// matters, and keeps the ones that still count.
func TestPurgeLoginAttempts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := d.Clock().(*clock.Test)
		w := world(t, d)
		ctx := context.Background()
		for range 6 {
			_, _ = w.Svc.Login(ctx, identity.LoginInput{Email: "nobody@example.com", Password: "not-the-password-1", IP: "192.0.2.9"})
		}
		count := func() (n int) {
			if err := d.QueryRow(ctx, `SELECT count(*) FROM login_attempts WHERE key LIKE '%192.0.2.9'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n, err := w.Svc.PurgeLoginAttempts(ctx); err != nil || n != 0 || count() != 2 {
			t.Fatalf("purge while locked: %d, %v, %d rows", n, err, count())
		}
		clk.Advance(2 * time.Hour)
		if n, err := w.Svc.PurgeLoginAttempts(ctx); err != nil || n != 2 || count() != 0 {
			t.Fatalf("purge after the window: %d, %v, %d rows", n, err, count())
		}
	})
}
