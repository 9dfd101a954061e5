package subscription_test

import (
	"context"
	"slices"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Every allowed transition is taken and recorded; every other is refused
// and changes nothing.
func TestEveryProvisioningTransition(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("vendor_a", subscription.PlaceOrderInput{Type: "sandbox", PlanID: f.plans["Basic"].ID})
		id := o.SubscriptionID
		ctx := context.Background()
		allowed, refused := 0, 0
		for _, from := range subscription.ProvisioningStates {
			for _, to := range subscription.ProvisioningStates {
				if from == to {
					continue
				}
				if _, err := f.d.Exec(ctx, `UPDATE subscriptions SET provisioning = $2 WHERE id = $1`, id, from); err != nil {
					t.Fatal(err)
				}
				var before int
				_ = f.d.QueryRow(ctx, `SELECT count(*) FROM subscription_transitions WHERE subscription_id = $1`, id).Scan(&before)
				err := f.svc.MoveForTest(ctx, id, to)
				var now string
				var after int
				_ = f.d.QueryRow(ctx, `SELECT provisioning FROM subscriptions WHERE id = $1`, id).Scan(&now)
				_ = f.d.QueryRow(ctx, `SELECT count(*) FROM subscription_transitions WHERE subscription_id = $1`, id).Scan(&after)
				if slices.Contains(subscription.Transitions[from], to) {
					allowed++
					if err != nil || now != to || after != before+1 {
						t.Errorf("%s → %s allowed but: %v, now %s, %d recorded", from, to, err, now, after-before)
					}
				} else {
					refused++
					if !errs.Is(err, "invalid_transition") || now != from || after != before {
						t.Errorf("%s → %s refused but: %v, now %s, %d recorded", from, to, err, now, after-before)
					}
				}
			}
		}
		if allowed == 0 || refused == 0 || allowed+refused != len(subscription.ProvisioningStates)*(len(subscription.ProvisioningStates)-1) {
			t.Fatalf("allowed %d, refused %d", allowed, refused)
		}
		// Each recorded transition carries its time and actor.
		trs, err := f.svc.Transitions(f.as("admin"), id)
		if err != nil || len(trs) == 0 || trs[len(trs)-1].ActorID != "system" || trs[0].At.IsZero() {
			t.Fatalf("transitions: %+v %v", trs, err)
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID})
		f.pay(o.ID)
		id := o.SubscriptionID
		// A downgrade outside the upgrade paths.
		_, err := f.svc.ChangePlan(f.as("customer_direct"), id, subscription.ChangeInput{PlanID: f.plans["Yearly"].ID})
		wantCode(t, err, "change_not_allowed")
		// A duration that breaks the rules (Yearly needs multiples of 12).
		_, err = f.svc.PlaceOrder(f.as("customer_direct"), subscription.PlaceOrderInput{PlanID: f.plans["Yearly"].ID, Periods: 5})
		wantCode(t, err, "invalid_duration")
		// Approving an order one is not the auditor of.
		m := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Mail"].ID})
		_, err = f.svc.ApproveOrder(f.as("vendor_a"), m.ID)
		wantCode(t, err, "order_not_found")
		_, err = f.svc.ApproveOrder(f.as("reseller_a"), m.ID)
		wantCode(t, err, "order_not_found")
		// Changes on a terminated subscription.
		if _, err := f.svc.Terminate(f.as("customer_direct"), id, "moving on"); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.ChangePlan(f.as("customer_direct"), id, subscription.ChangeInput{PlanID: f.plans["Basic"].ID})
		wantCode(t, err, "subscription_not_active")
		_, err = f.svc.Terminate(f.as("customer_direct"), id, "again")
		wantCode(t, err, "subscription_ended")
		_, err = f.svc.Update(f.as("customer_direct"), id, subscription.UpdateInput{AutoRenew: catalogtestPtr(true)})
		wantCode(t, err, "subscription_ended")
		// Moving the test clock backwards.
		err = f.svc.Advance(context.Background(), f.clock, start.Add(-1), nil)
		wantCode(t, err, "clock_backwards")
		// Nothing of it wrote an order.
		if n := len(f.orders(id, "")); n != 2 { // the order and its termination
			t.Fatalf("%d orders", n)
		}
		// Other customers, and vendors, cannot touch it.
		_, err = f.svc.Terminate(f.as("customer_a1"), m.SubscriptionID, "")
		wantCode(t, err, "subscription_not_found")
		_, err = f.svc.ChangePlan(f.as("vendor_b"), m.SubscriptionID, subscription.ChangeInput{PlanID: f.plans["Basic"].ID})
		wantCode(t, err, "permission_denied")
	})
}

func catalogtestPtr[T any](v T) *T { return &v }
