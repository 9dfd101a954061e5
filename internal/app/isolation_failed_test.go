package app_test

import (
	"context"
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
)

// The failed charges and failed lifecycle steps (issue 15) are the
// marketplace's administrators' to read and retry: every other role is
// refused, sees none of them, and its retry of a foreign one changes
// nothing. Before each probe the foreign subscription has a failed step
// and a failed charge of its own (a copy of one of its charges), put back
// if an administrator's legitimate retry in the walk cleared them.

// probeReason is the failure the probes record.
const probeReason = "isolation probe: amount_overflow"

// failedStepOf records a failed lifecycle step on the foreign subscription,
// unless one is recorded.
func failedStepOf(en *env, f foreign) error {
	ctx := context.Background()
	_, err := en.app.DB.Exec(ctx, `UPDATE subscriptions SET step_error = $2, step_failed_at = $3 WHERE id = $1 AND step_failed_at IS NULL`,
		f.subID, probeReason, en.app.DB.Now(ctx))
	return err
}

// failedChargeOf returns a failed charge of the foreign subscription: a
// copy of its first charge (its own key, so it bills nothing twice), made
// once and marked failed again if it was retried.
func failedChargeOf(en *env, f foreign) (string, error) {
	ctx := context.Background()
	d := en.app.DB
	var id string
	err := d.QueryRow(ctx, `SELECT id FROM charges WHERE subscription_id = $1 AND key LIKE '%/isolation-probe'`, f.subID).Scan(&id)
	if err != nil {
		var orig string
		if err := d.QueryRow(ctx, `SELECT id FROM charges WHERE subscription_id = $1 ORDER BY bill_at, id LIMIT 1`, f.subID).Scan(&orig); err != nil {
			return "", err
		}
		id = ids.New(billing.ChargeKind)
		for _, q := range []string{
			`INSERT INTO charges (id, key, kind, payer_org_id, issuer_org_id, vendor_org_id, subscription_id, order_id, currency, self_billed,
				period_start, period_end, bill_at, created_at)
			SELECT $2, key || '/isolation-probe', kind, payer_org_id, issuer_org_id, vendor_org_id, subscription_id, order_id, currency,
				self_billed, period_start, period_end, bill_at, created_at FROM charges WHERE id = $1`,
			`INSERT INTO charge_details (charge_id, detail) SELECT $2, detail FROM charge_details WHERE charge_id = $1`,
			`INSERT INTO charge_states (charge_id, payer_org_id, bill_at, status, run_id)
			SELECT $2, payer_org_id, bill_at, 'failed', run_id FROM charge_states WHERE charge_id = $1`,
		} {
			if _, err := d.Exec(ctx, q, orig, id); err != nil {
				return "", err
			}
		}
	}
	_, err = d.Exec(ctx, `UPDATE charge_states SET status = 'failed', error = $2 WHERE charge_id = $1`, id, probeReason)
	return id, err
}

// stillFailed checks the probe's failure is still recorded as it was.
func stillFailed(t *testing.T, en *env, query, id string) {
	t.Helper()
	var reason string
	if err := en.app.DB.QueryRow(context.Background(), query, id).Scan(&reason); err != nil || reason != probeReason {
		t.Errorf("the foreign failure of %s changed: %q (%v)", id, reason, err)
	}
}

func init() {
	// refusedUnchanged sends the request after setup, and expects a
	// refusal that leaves the foreign failure recorded.
	refusedUnchanged := func(setup func(en *env, f foreign) (id, path string, err error), query string) isolationCase {
		return func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			id, path, err := setup(en, f)
			return "POST", path, nil, func(t *testing.T, r response) {
				t.Helper()
				if err != nil {
					t.Fatalf("a foreign failure to probe: %v", err)
				}
				refused(f)(t, r)
				stillFailed(t, en, query, id)
			}
		}
	}
	listRefused := func(path string, setup func(en *env, f foreign) error) isolationCase {
		return func(en *env, who string, f foreign) (string, string, any, func(*testing.T, response)) {
			err := setup(en, f)
			return "GET", path, nil, func(t *testing.T, r response) {
				t.Helper()
				if err != nil {
					t.Fatalf("a foreign failure to list: %v", err)
				}
				refused(f)(t, r)
			}
		}
	}
	for id, c := range map[string]isolationCase{
		"list-failed-lifecycle-steps": listRefused("/api/v1/failed-lifecycle-steps", failedStepOf),
		"retry-lifecycle-step": refusedUnchanged(func(en *env, f foreign) (string, string, error) {
			return f.subID, "/api/v1/subscriptions/" + f.subID + "/retry-step", failedStepOf(en, f)
		}, `SELECT step_error FROM subscriptions WHERE id = $1 AND step_failed_at IS NOT NULL`),
		"list-failed-charges": listRefused("/api/v1/failed-charges", func(en *env, f foreign) error {
			_, err := failedChargeOf(en, f)
			return err
		}),
		"retry-charge": refusedUnchanged(func(en *env, f foreign) (string, string, error) {
			id, err := failedChargeOf(en, f)
			return id, "/api/v1/charges/" + id + "/retry", err
		}, `SELECT error FROM charge_states WHERE charge_id = $1 AND status = 'failed'`),
	} {
		isolationCases[id] = c
	}
	// Administrators (staff managing customers) list and retry them; a
	// supervisor may not.
	for _, op := range []string{"list-failed-lifecycle-steps", "retry-lifecycle-step", "list-failed-charges", "retry-charge"} {
		staffMay["admin"][op] = true
	}
}
