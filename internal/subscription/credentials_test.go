package subscription_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/secret"
	"github.com/nephele-cloud/nephele/internal/services/servicestest"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

func keyring(t *testing.T, keys ...[]byte) *secret.Keyring {
	t.Helper()
	k, err := secret.New(keys[0], keys[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newKey(t *testing.T) []byte {
	t.Helper()
	s, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := secret.ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Credentials are stored sealed, shown opened; plain rows written before
// sealing still read and are sealed on start; a rotated key opens the old
// values and seals them again; a key no longer configured hides them
// without breaking the subscription.
func TestCredentialsAreSealedAtRest(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			f := setup(t, e)
			ctx := context.Background()
			oldKey, current := newKey(t), newKey(t)
			f.svc = servicestest.Services(t, f.d, servicestest.Options{Secrets: keyring(t, oldKey)}).Subs // a process with these keys
			raw := func(id string) string {
				t.Helper()
				var s string
				if err := f.d.QueryRow(ctx, `SELECT credentials FROM subscriptions WHERE id = $1`, id).Scan(&s); err != nil {
					t.Fatal(err)
				}
				return s
			}
			shown := func(id string) string { return f.sub(id).Credentials["password"] }

			// Given credentials a vendor reported,
			o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
			f.pay(o.ID)
			creds := map[string]string{"password": "hunter2"}
			if _, err := f.svc.SetProvisioning(f.as("vendor_a"), o.SubscriptionID, subscription.ProvisioningInput{
				Status: subscription.ProvDeployed, Credentials: &creds}); err != nil {
				t.Fatal(err)
			}
			// they are stored sealed and shown opened.
			if r := raw(o.SubscriptionID); strings.Contains(r, "hunter2") || !strings.Contains(r, "nsk1.") {
				t.Fatalf("stored credentials %s", r)
			}
			if got := shown(o.SubscriptionID); got != "hunter2" {
				t.Fatalf("shown password %q", got)
			}
			// A row stored plain before sealing existed still reads,
			legacy := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID})
			if _, err := f.d.Exec(ctx, `UPDATE subscriptions SET credentials = $1 WHERE id = $2`, `{"password": "legacy"}`, legacy.SubscriptionID); err != nil {
				t.Fatal(err)
			}
			if got := shown(legacy.SubscriptionID); got != "legacy" {
				t.Fatalf("legacy password %q", got)
			}
			// and sealing at start seals it (and nothing already sealed).
			if n, err := f.svc.SealCredentials(ctx); err != nil || n != 1 {
				t.Fatalf("sealed %d, %v", n, err)
			}
			if r := raw(legacy.SubscriptionID); strings.Contains(r, "legacy") || shown(legacy.SubscriptionID) != "legacy" {
				t.Fatalf("legacy row after sealing: %s", r)
			}
			// After rotation both open with the old key kept for reading,
			f.svc = servicestest.Services(t, f.d, servicestest.Options{Secrets: keyring(t, current, oldKey)}).Subs // a process with these keys
			if shown(o.SubscriptionID) != "hunter2" || shown(legacy.SubscriptionID) != "legacy" {
				t.Fatal("rotated keyring does not open the old values")
			}
			// sealing again moves both to the new key,
			if n, err := f.svc.SealCredentials(ctx); err != nil || n != 2 {
				t.Fatalf("resealed %d, %v", n, err)
			}
			if r := raw(o.SubscriptionID); !strings.Contains(r, "nsk1."+secret.KeyID(current)+".") {
				t.Fatalf("after rotation: %s", r)
			}
			// so the old key can go.
			f.svc = servicestest.Services(t, f.d, servicestest.Options{Secrets: keyring(t, current)}).Subs // a process with these keys
			if shown(o.SubscriptionID) != "hunter2" || shown(legacy.SubscriptionID) != "legacy" {
				t.Fatal("the new key alone does not open the resealed values")
			}
			// A wrong key hides the credentials, the subscription still reads,
			// and a write of something else keeps them as stored.
			f.svc = servicestest.Services(t, f.d, servicestest.Options{Secrets: keyring(t, newKey(t))}).Subs // a process with these keys
			if got := f.sub(o.SubscriptionID); got.ID != o.SubscriptionID || len(got.Credentials) != 0 {
				t.Fatalf("with a wrong key: %+v", got.Credentials)
			}
			before := raw(o.SubscriptionID)
			instr := "Sign in at the console"
			if _, err := f.svc.SetProvisioning(f.as("vendor_a"), o.SubscriptionID, subscription.ProvisioningInput{Instructions: &instr}); err != nil {
				t.Fatal(err)
			}
			if after := raw(o.SubscriptionID); e == db.SQLite && after != before || !strings.Contains(after, "nsk1."+secret.KeyID(current)+".") {
				t.Fatalf("unopened credentials rewritten: %s -> %s", before, after)
			}
		})
	}
}
