package app_test

import (
	"context"
	"testing"
)

// The failed lifecycle steps (issue 15) are the marketplace's
// administrators' to read and retry: every other role is refused, sees
// none of them, and its retry of a foreign one changes nothing. Before
// each probe the foreign subscription has a failed step, put back if an
// administrator's legitimate retry in the walk cleared it.

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
	} {
		isolationCases[id] = c
	}
	// Administrators (staff managing customers) list and retry them; a
	// supervisor may not.
	for _, op := range []string{"list-failed-lifecycle-steps", "retry-lifecycle-step"} {
		staffMay["admin"][op] = true
	}
}
