package subscription_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/subscription"

	"context"
)

func TestMonthlyAutoRenewForAYear(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		// Given a customer orders the monthly Basic plan,
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		sub := f.sub(o.SubscriptionID)
		if sub.Status != subscription.StatusWaitingPayment || sub.Provisioning != subscription.ProvWaitingPayment || o.Subtotal.String() != "40.00" {
			t.Fatalf("after ordering: %s/%s due %s", sub.Status, sub.Provisioning, o.Subtotal)
		}
		// when the first invoice is paid and the vendor deploys,
		f.pay(o.ID)
		if got := f.sub(sub.ID); got.Status != subscription.StatusActive || got.Provisioning != subscription.ProvPending {
			t.Fatalf("after paying: %s/%s", got.Status, got.Provisioning)
		}
		f.deploy(sub.ID)
		// and a year passes,
		f.advance(start.AddDate(1, 0, 0).Add(time.Hour))
		// then it renewed every month at the same price, without a setup fee,
		renewals := f.orders(sub.ID, subscription.OrderRenewal)
		if len(renewals) != 12 {
			t.Fatalf("%d renewals in a year, want 12", len(renewals))
		}
		for i, r := range renewals {
			if r.Subtotal.String() != "30.00" {
				t.Errorf("renewal %d due %s, want 30.00", i, r.Subtotal)
			}
		}
		got := f.sub(sub.ID)
		if got.Status != subscription.StatusActive || got.Provisioning != subscription.ProvDeployed ||
			!got.CurrentPeriodStart.Equal(start.AddDate(1, 0, 0)) || !got.CurrentPeriodEnd.Equal(start.AddDate(1, 1, 0)) {
			t.Fatalf("after a year: %s/%s period %s - %s", got.Status, got.Provisioning, got.CurrentPeriodStart, got.CurrentPeriodEnd)
		}
		if n := len(f.periodsStarted(sub.ID)); n != 13 {
			t.Fatalf("%d periods started, want 13", n)
		}
	})
}

// With a commitment longer than the billing period, prices stay fixed for
// the whole commitment; a price change applies at renewal only.
func TestYearlyCommitmentBilledMonthly(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Yearly"].ID, Periods: 12})
		f.pay(o.ID)
		f.deploy(o.SubscriptionID)
		if o.DurationSubtotal.String() != "240.00" || o.Subtotal.String() != "20.00" {
			t.Fatalf("yearly order: total %s, due now %s", o.DurationSubtotal, o.Subtotal)
		}
		// The vendor raises the price in the third month.
		f.advance(start.AddDate(0, 2, 10))
		sys := actor.With(context.Background(), actor.System)
		if _, versioned, err := f.cat.UpdatePlan(sys, f.plans["Yearly"].ID, catalog.PlanInput{RecurringPrice: decp("25.00")}); err != nil || !versioned {
			t.Fatalf("price change: %v %v", versioned, err)
		}
		f.advance(start.AddDate(0, 11, 15))
		sub := f.sub(o.SubscriptionID)
		if sub.PeriodIndex != 11 || !sub.Prices.Recurring.Equal(dec("20")) || len(f.orders(sub.ID, subscription.OrderRenewal)) != 0 {
			t.Fatalf("month 12: period %d, price %s, renewals %d", sub.PeriodIndex, sub.Prices.Recurring, len(f.orders(sub.ID, subscription.OrderRenewal)))
		}
		// At the end of the commitment it renews for another year, at the new price.
		f.advance(start.AddDate(1, 0, 1))
		renewals := f.orders(sub.ID, subscription.OrderRenewal)
		sub = f.sub(o.SubscriptionID)
		if len(renewals) != 1 || renewals[0].DurationSubtotal.String() != "300.00" || !sub.Prices.Recurring.Equal(dec("25")) || sub.PeriodIndex != 0 {
			t.Fatalf("renewal: %d orders, total %v, price %s, period %d", len(renewals), renewals, sub.Prices.Recurring, sub.PeriodIndex)
		}
	})
}

func TestHourlyPlan(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Hourly"].ID})
		f.pay(o.ID)
		f.advance(start.Add(3*24*time.Hour + time.Minute))
		sub := f.sub(o.SubscriptionID)
		if n := len(f.orders(sub.ID, subscription.OrderRenewal)); n != 3 {
			t.Fatalf("%d renewals in three days of a 24-hour plan", n)
		}
		if !sub.CurrentPeriodStart.Equal(start.Add(72 * time.Hour)) {
			t.Fatalf("period starts %s", sub.CurrentPeriodStart)
		}
	})
}

func TestManualRenewalPaidLateInsideGrace(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Manual"].ID})
		f.pay(o.ID)
		f.deploy(o.SubscriptionID)
		id := o.SubscriptionID
		expiry := start.AddDate(0, 1, 0)
		// Reminders go out 14, 10, 7, 4, 3, 2 and 1 days before expiry.
		f.advance(expiry.Add(-time.Hour))
		if n := f.events("subscription.expiry_reminder", id); n != 7 {
			t.Fatalf("%d reminders before expiry, want 7", n)
		}
		sub := f.sub(id)
		if sub.RenewalOrderID == "" {
			t.Fatal("no renewal order to pay")
		}
		// Unpaid at expiry: suspended, data kept.
		f.advance(expiry.Add(time.Hour))
		sub = f.sub(id)
		if sub.Status != subscription.StatusSuspended || sub.Provisioning != subscription.ProvStopped {
			t.Fatalf("at expiry: %s/%s", sub.Status, sub.Provisioning)
		}
		// Paid 5 days later: back as it was, the new month counted from the expiry.
		f.advance(expiry.AddDate(0, 0, 5))
		f.pay(sub.RenewalOrderID)
		sub = f.sub(id)
		if sub.Status != subscription.StatusActive || sub.Provisioning != subscription.ProvDeployed || !sub.CommitmentStart.Equal(expiry) {
			t.Fatalf("paid in grace: %s/%s from %s", sub.Status, sub.Provisioning, sub.CommitmentStart)
		}
	})
}

func TestUnpaidSuspendedThenDestroyed(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Manual"].ID})
		f.pay(o.ID)
		f.deploy(o.SubscriptionID)
		expiry := start.AddDate(0, 1, 0)
		f.advance(expiry.AddDate(0, 0, 15).Add(time.Minute))
		sub := f.sub(o.SubscriptionID)
		if sub.Status != subscription.StatusExpired || sub.Provisioning != subscription.ProvUndeploySent {
			t.Fatalf("after grace: %s/%s", sub.Status, sub.Provisioning)
		}
		// The vendor confirms the service is destroyed.
		if _, err := f.svc.SetProvisioning(f.as("vendor_a"), sub.ID, subscription.ProvisioningInput{Status: subscription.ProvUndeployed}); err != nil {
			t.Fatal(err)
		}
		// Its unpaid renewal was cancelled with it: too late to pay.
		renewal, err := f.svc.GetOrder(f.as("customer_direct"), sub.RenewalOrderID)
		if err != nil || renewal.Status != subscription.OrderCancelled || renewal.Reason != "grace period ended unpaid" {
			t.Fatalf("renewal order: %s %q %v", renewal.Status, renewal.Reason, err)
		}
		// Paid now it is too late: nothing comes back.
		if err := f.svc.OrderPaid(actor.With(context.Background(), actor.System), sub.RenewalOrderID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.OrderPaid(f.as("admin"), sub.RenewalOrderID); !errs.Is(err, "permission_denied") {
			t.Fatalf("an administrator paid an order directly: %v", err)
		}
		if got := f.sub(sub.ID); got.Status != subscription.StatusExpired || got.Provisioning != subscription.ProvUndeployed {
			t.Fatalf("after a late payment: %s/%s", got.Status, got.Provisioning)
		}
		trs, err := f.svc.Transitions(f.as("admin"), sub.ID)
		if err != nil || len(trs) != 6 { // requires_approval→waiting_payment→pending→deployed→stopped→undeploy_sent→undeployed
			t.Fatalf("transitions: %+v %v", trs, err)
		}
	})
}

func TestTrialConvertsOrExpires(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		paid := f.order("customer_direct", subscription.PlaceOrderInput{Type: "trial", PlanID: f.plans["Trial"].ID, ConvertAfterTrial: true})
		if paid.Subtotal.String() != "0.00" {
			t.Fatalf("a trial costs nothing now: %s", paid.Subtotal)
		}
		sub := f.sub(paid.SubscriptionID)
		if sub.Status != subscription.StatusTrialing || sub.Provisioning != subscription.ProvPending || !sub.TrialEnd.Equal(start.AddDate(0, 0, 14)) {
			t.Fatalf("trial: %s/%s until %s", sub.Status, sub.Provisioning, sub.TrialEnd)
		}
		f.deploy(sub.ID)
		// One trial per product per customer.
		_, err := f.svc.PlaceOrder(f.as("customer_direct"), subscription.PlaceOrderInput{Type: "trial", PlanID: f.plans["Trial"].ID})
		wantCode(t, err, "trial_already_used")
		// Another customer lets its trial expire.
		lapsed := f.order("customer_a1", subscription.PlaceOrderInput{Type: "trial", PlanID: f.plans["Trial"].ID})
		// A third buys at once: no trial, the first period starts now.
		bought := f.order("customer_a2", subscription.PlaceOrderInput{PlanID: f.plans["Trial"].ID})
		var detail struct {
			PeriodStart time.Time       `json:"period_start"`
			Trial       json.RawMessage `json:"trial"`
		}
		if err := json.Unmarshal(bought.Detail, &detail); err != nil || detail.Trial != nil || !detail.PeriodStart.Equal(start) || bought.Subtotal.String() != "25.00" {
			t.Fatalf("bought at once: %s due %s (%v)", bought.Detail, bought.Subtotal, err)
		}
		if got := f.sub(bought.SubscriptionID); got.TrialEnd != nil || !got.CommitmentStart.Equal(start) {
			t.Fatalf("bought at once: trial end %v, commitment from %s", got.TrialEnd, got.CommitmentStart)
		}
		f.advance(start.AddDate(0, 0, 14).Add(time.Minute))
		sub = f.sub(paid.SubscriptionID)
		conv := f.orders(sub.ID, subscription.OrderNormal)
		if sub.Status != subscription.StatusActive || sub.Provisioning != subscription.ProvDeployed || !sub.PaymentDue ||
			!sub.CommitmentStart.Equal(start.AddDate(0, 0, 14)) || len(conv) != 1 || conv[0].Subtotal.String() != "25.00" {
			t.Fatalf("converted: %s/%s due %v from %s, orders %d", sub.Status, sub.Provisioning, sub.PaymentDue, sub.CommitmentStart, len(conv))
		}
		if got := f.sub(lapsed.SubscriptionID); got.Status != subscription.StatusExpired || got.Provisioning != subscription.ProvUndeploySent {
			t.Fatalf("lapsed trial: %s/%s", got.Status, got.Provisioning)
		}
	})
}

func TestUpgradeMidPeriodIsProratedToTheCent(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		f.pay(o.ID)
		// Half-way through April (360 of 720 hours left), Basic 30.00 → Pro 60.00:
		// credit 15.00 for the unused Basic, charge 30.00 for Pro, 15.00 due.
		f.advance(start.Add(360 * time.Hour))
		// The preview prices the change exactly and makes nothing.
		pv, err := f.svc.PreviewChange(f.as("customer_direct"), o.SubscriptionID, subscription.ChangeInput{PlanID: f.plans["Pro"].ID})
		if err != nil || pv.Subtotal.String() != "15.00" || !strings.Contains(string(pv.Detail), `"old_period_charge"`) {
			t.Fatalf("preview: %v due %v (%s)", err, pv.Subtotal, pv.Detail)
		}
		if _, err := f.svc.GetOrder(f.as("customer_direct"), pv.ID); errs.KindOf(err) != errs.KindNotFound {
			t.Fatalf("the previewed order exists: %v", err)
		}
		if sub := f.sub(o.SubscriptionID); sub.PlanID != f.plans["Basic"].ID {
			t.Fatalf("the preview changed the plan to %s", sub.PlanID)
		}
		if _, err := f.svc.PreviewChange(f.as("customer_direct"), o.SubscriptionID, subscription.ChangeInput{PlanID: f.plans["Basic"].ID}); !errs.Is(err, "nothing_to_change") {
			t.Fatalf("a preview of no change: %v", err)
		}
		ch, err := f.svc.ChangePlan(f.as("customer_direct"), o.SubscriptionID, subscription.ChangeInput{PlanID: f.plans["Pro"].ID})
		if err != nil {
			t.Fatal(err)
		}
		if ch.Subtotal.String() != "15.00" {
			t.Fatalf("half-month upgrade due %s, want 15.00 (%s)", ch.Subtotal, ch.Detail)
		}
		sub := f.sub(o.SubscriptionID)
		if sub.PlanID != f.plans["Pro"].ID || !sub.Prices.Recurring.Equal(dec("60")) {
			t.Fatalf("not upgraded at once: %s", sub.PlanID)
		}
		// Another customer upgrades with 100 h 30 min left of a 31-day period
		// (744 h); a started hour counts, so 101 h.
		o2 := f.order("customer_a1", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		f.pay(o2.ID)
		f.advance(start.AddDate(0, 1, 15).Add(time.Hour)) // into the May 16 - June 16 period
		p := f.sub(o2.SubscriptionID)
		if h := p.CurrentPeriodEnd.Sub(*p.CurrentPeriodStart).Hours(); h != 744 {
			t.Fatalf("period of %v hours", h)
		}
		f.advance(p.CurrentPeriodEnd.Add(-100*time.Hour - 30*time.Minute))
		ch2, err := f.svc.ChangePlan(f.as("customer_a1"), o2.SubscriptionID, subscription.ChangeInput{PlanID: f.plans["Pro"].ID})
		if err != nil {
			t.Fatal(err)
		}
		// charge 60 × 101 / 744 = 8.1451… → 8.15; credit 30 × 101 / 744 = 4.0725… → 4.07; due 4.08.
		if ch2.Subtotal.String() != "4.08" {
			t.Fatalf("odd-hour upgrade due %s, want 4.08 (%s)", ch2.Subtotal, ch2.Detail)
		}
	})
}

func TestDowngradeAtPeriodEnd(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID})
		f.pay(o.ID)
		f.advance(start.AddDate(0, 0, 10))
		ch, err := f.svc.ChangePlan(f.as("customer_direct"), o.SubscriptionID, subscription.ChangeInput{PlanID: f.plans["Basic"].ID})
		if err != nil || !ch.Subtotal.IsZero() {
			t.Fatalf("downgrade: %v due %v", err, ch.Subtotal)
		}
		if sub := f.sub(o.SubscriptionID); sub.PlanID != f.plans["Pro"].ID || sub.PendingChange == nil {
			t.Fatalf("downgrade applied at once: %s", sub.PlanID)
		}
		f.advance(start.AddDate(0, 1, 0).Add(time.Minute))
		sub := f.sub(o.SubscriptionID)
		if sub.PlanID != f.plans["Basic"].ID || sub.PendingChange != nil || !sub.Prices.Recurring.Equal(dec("30")) {
			t.Fatalf("after the period: %s pending %v price %s", sub.PlanID, sub.PendingChange, sub.Prices.Recurring)
		}
		// The renewal invoiced the new plan's price.
		if r := f.orders(sub.ID, subscription.OrderRenewal); len(r) != 1 || r[0].Subtotal.String() != "30.00" {
			t.Fatalf("renewal after downgrade: %+v", r)
		}
	})
}

func TestApprovalRejected(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Mail"].ID})
		if o.Status != subscription.OrderRequiresApproval || o.AuditorOrgID != f.w.Orgs["vendor_b"].ID {
			t.Fatalf("order: %s auditor %s", o.Status, o.AuditorOrgID)
		}
		// "To be approved" for the customer, "to review" for the vendor.
		mine, _, _ := f.svc.ListOrders(f.as("customer_direct"), subscription.OrderFilter{Status: subscription.OrderRequiresApproval})
		review, _, _ := f.svc.ListOrders(f.as("vendor_b"), subscription.OrderFilter{ToReview: true})
		if len(mine) != 1 || len(review) != 1 || review[0].Subtotal != nil {
			t.Fatalf("lists: mine %d, to review %d (price hidden from the vendor: %v)", len(mine), len(review), review)
		}
		_, err := f.svc.RejectOrder(f.as("vendor_a"), o.ID, "no")
		wantCode(t, err, "order_not_found")
		_, err = f.svc.ApproveOrder(f.as("customer_direct"), o.ID)
		wantCode(t, err, "not_auditor")
		if _, err := f.svc.RejectOrder(f.as("vendor_b"), o.ID, "We cannot serve your country yet"); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.GetOrder(f.as("customer_direct"), o.ID)
		sub := f.sub(o.SubscriptionID)
		if got.Status != subscription.OrderRejected || got.Reason != "We cannot serve your country yet" ||
			sub.Status != subscription.StatusRejected || sub.Provisioning != subscription.ProvUndeployed {
			t.Fatalf("rejected: %s %q, %s/%s", got.Status, got.Reason, sub.Status, sub.Provisioning)
		}
		_, err = f.svc.ApproveOrder(f.as("vendor_b"), o.ID)
		wantCode(t, err, "order_not_awaiting_approval")
		// A reseller's push order is approved automatically.
		push := f.order("reseller_a", subscription.PlaceOrderInput{PlanID: f.plans["Mail"].ID, CustomerOrgID: f.w.Orgs["customer_a1"].ID})
		if push.Status != subscription.OrderApproved || !push.Push {
			t.Fatalf("push order: %s", push.Status)
		}
	})
}

// A bundle is ordered, paid and renewed like a plan, at its discounted
// price; its plan does not change (another bundle plan is a new order).
func TestBundleOrderRenews(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		sys := actor.With(context.Background(), actor.System)
		b, err := f.cat.CreateProduct(sys, catalog.CreateProductInput{OwnerOrgID: f.w.Orgs["operator"].ID, Kind: catalog.KindBundle,
			ProductInput: catalog.ProductInput{Name: str("Office")}})
		if err != nil {
			t.Fatal(err)
		}
		bp, err := f.cat.CreatePlan(sys, b.ID, catalog.PlanInput{Name: str("Office"), PricingKind: str("renewable_months"), Currency: str("EUR"),
			Components: &[]catalog.ComponentInput{{PlanID: f.plans["Basic"].ID, DiscountPercent: dec("10")}, {PlanID: f.plans["Mail"].ID, DiscountPercent: dec("50")}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.cat.SubmitProduct(sys, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.cat.ApproveProduct(sys, b.ID); err != nil {
			t.Fatal(err)
		}
		// Basic 30.00 - 10 % + its 10.00 setup - 10 %, Mail 12.00 - 50 %.
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: bp.ID})
		if o.Status != subscription.OrderApproved || o.Subtotal.String() != "42.00" || o.VendorOrgID != f.w.Orgs["operator"].ID {
			t.Fatalf("bundle order: %s due %s vendor %s", o.Status, o.Subtotal, o.VendorOrgID)
		}
		f.pay(o.ID)
		f.advance(start.AddDate(0, 1, 0).Add(time.Minute))
		if r := f.orders(o.SubscriptionID, subscription.OrderRenewal); len(r) != 1 || r[0].Subtotal.String() != "33.00" {
			t.Fatalf("bundle renewal: %+v", r)
		}
		_, err = f.svc.ChangePlan(f.as("customer_direct"), o.SubscriptionID, subscription.ChangeInput{PlanID: f.plans["Pro"].ID})
		wantCode(t, err, "bundle_change_not_supported")
	})
}

// An order placed again with the same client reference is the first one:
// a checkout submitted twice buys once.
func TestClientRefPlacesOneOrder(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		in := subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID, ClientRef: "checkout-7f3a"}
		first := f.order("customer_direct", in)
		second := f.order("customer_direct", in)
		if second.ID != first.ID {
			t.Fatalf("two orders for one reference: %s and %s", first.ID, second.ID)
		}
		// Another organization's reference is its own.
		if other := f.order("customer_a1", in); other.ID == first.ID {
			t.Fatal("another customer got the first customer's order")
		}
		_, err := f.svc.PlaceOrder(f.as("customer_direct"), subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID, ClientRef: "not a ref!"})
		if !errs.Is(err, "validation_failed") {
			t.Fatalf("a malformed reference: %v", err)
		}
	})
}

// An everlasting licence has no period to prorate over: changing it to an
// upgrade is refused, not priced over a period that does not exist.
func TestChangingAnEverlastingLicenceIsRefused(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		sys := actor.With(context.Background(), actor.System)
		perpetual, plus := f.plans["Perpetual"], f.plans["Perpetual Plus"]
		if _, _, err := f.cat.UpdatePlan(sys, perpetual.ID, catalog.PlanInput{Upgrades: &[]string{plus.ID}}); err != nil {
			t.Fatal(err)
		}
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: perpetual.ID})
		f.pay(o.ID)
		sub := f.sub(o.SubscriptionID)
		if sub.Status != subscription.StatusActive || sub.CurrentPeriodEnd != nil {
			t.Fatalf("everlasting subscription: %s, period end %v", sub.Status, sub.CurrentPeriodEnd)
		}
		for _, change := range []func() error{
			func() error {
				_, err := f.svc.PreviewChange(f.as("customer_direct"), o.SubscriptionID, subscription.ChangeInput{PlanID: plus.ID})
				return err
			},
			func() error {
				_, err := f.svc.ChangePlan(f.as("customer_direct"), o.SubscriptionID, subscription.ChangeInput{PlanID: plus.ID})
				return err
			},
		} {
			if err := change(); !errs.Is(err, "change_needs_period") {
				t.Fatalf("changing an everlasting licence: %v", err)
			}
		}
		if after := f.sub(o.SubscriptionID); after.PlanID != perpetual.ID {
			t.Fatalf("the refused change moved the plan to %s", after.PlanID)
		}
	})
}
