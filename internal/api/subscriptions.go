package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// PlaceOrderRequest orders a plan.
type PlaceOrderRequest struct {
	Type              string                   `json:"type,omitempty" enum:"normal,trial,sandbox" doc:"normal (default); trial on plans that offer one (one per product per customer); sandbox: a vendor tests its own product."`
	PlanID            string                   `json:"plan_id" maxLength:"64" doc:"A plan or bundle plan; any version orders the current one."`
	Quantities        map[string]money.Decimal `json:"quantities,omitempty" doc:"Extra resource id → quantity."`
	Periods           int                      `json:"periods,omitempty" doc:"Order duration in billing periods, a multiple of the plan's minimum (default: the minimum)."`
	CouponCode        string                   `json:"coupon_code,omitempty" maxLength:"40"`
	CustomerOrgID     string                   `json:"customer_org_id,omitempty" maxLength:"64" doc:"The customer a reseller, distributor or admin orders for (push)."`
	AutoRenew         *bool                    `json:"auto_renew,omitempty" doc:"Default: the plan's."`
	ConvertAfterTrial bool                     `json:"convert_after_trial,omitempty" doc:"Trials: become a paid subscription when the trial ends."`
}

// ChangeRequest changes a subscription's plan or quantities.
type ChangeRequest struct {
	PlanID     string                   `json:"plan_id,omitempty" maxLength:"64" doc:"One of the current plan's upgrade or downgrade paths; empty keeps the plan."`
	Quantities map[string]money.Decimal `json:"quantities,omitempty" doc:"The new extra-resource quantities; absent keeps them."`
}

// VendorUpgradeRequest is a vendor moving a customer to another plan.
type VendorUpgradeRequest struct {
	ChangeRequest
	Result string `json:"result" enum:"deferred,free,paid" doc:"deferred: at the next period; free: now, the rest of the period free; paid: now, prorated."`
}

// ProvisioningRequest is a vendor's provisioning report.
type ProvisioningRequest struct {
	Status       string                   `json:"status,omitempty" enum:"pending,deployed,failed,undeployed" doc:"Empty keeps the status and updates the details."`
	Endpoints    *[]subscription.Endpoint `json:"endpoints,omitempty" maxItems:"20"`
	Instructions *string                  `json:"instructions,omitempty" maxLength:"10000"`
	Credentials  *map[string]string       `json:"credentials,omitempty" doc:"Shown to the customer only (and the vendor and staff)."`
}

type orderBody struct {
	Body subscription.Order
}

type subBody struct {
	Body subscription.Subscription
}

// OrderIDPath is the path parameter of one order.
type OrderIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"Order id (ord_...)."`
}

// SubscriptionIDPath is the path parameter of one subscription.
type SubscriptionIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"Subscription id (sub_...)."`
}

// UpdateSubscriptionRequest switches a subscription's auto-renew or a
// trial's conversion; omitted fields are left alone.
type UpdateSubscriptionRequest struct {
	AutoRenew         *bool `json:"auto_renew,omitempty"`
	ConvertAfterTrial *bool `json:"convert_after_trial,omitempty"`
}

// TerminateSubscriptionRequest ends a subscription now.
type TerminateSubscriptionRequest struct {
	Reason string `json:"reason,omitempty" maxLength:"2000"`
}

// TransitionList is a subscription's provisioning history.
type TransitionList struct {
	Data []subscription.Transition `json:"data" nullable:"false"`
}

type subscriptionPage struct {
	Body Page[subscription.Subscription]
}

type transitionListBody struct {
	Body TransitionList
}

type listSubscriptionsInput struct {
	PageParams
	Status        string `query:"status" enum:"requires_approval,waiting_payment,trialing,active,suspended,expired,terminated,rejected"`
	CustomerOrgID string `query:"customer_org_id" maxLength:"64"`
	ProductID     string `query:"product_id" maxLength:"64"`
}

type updateSubscriptionInput struct {
	SubscriptionIDPath
	Body UpdateSubscriptionRequest
}

type changeSubscriptionInput struct {
	SubscriptionIDPath
	Body ChangeRequest
}

type vendorUpgradeInput struct {
	SubscriptionIDPath
	Body VendorUpgradeRequest
}

type terminateSubscriptionInput struct {
	SubscriptionIDPath
	Body TerminateSubscriptionRequest
}

type setProvisioningInput struct {
	SubscriptionIDPath
	Body ProvisioningRequest
}

// subscriptionHandlers serve orders, subscriptions and their settings.
type subscriptionHandlers struct {
	svc *subscription.Service
}

// RegisterSubscriptions registers orders and subscriptions, and the
// subscriptions whose lifecycle step failed.
func RegisterSubscriptions(a *API, svc *subscription.Service) {
	h := subscriptionHandlers{svc}
	registerOrders(a, h)
	registerFailedSteps(a, h)
	tags := []string{"Subscriptions"}
	Register(a, huma.Operation{
		OperationID: "list-subscriptions", Method: http.MethodGet, Path: "/subscriptions", Tags: tags,
		Summary: "List subscriptions",
		Description: "A customer's own, its channel's (resellers and distributor), a vendor's products', all for staff; newest first. " +
			"Prices as in get-subscription.",
	}, h.listSubscriptions)
	Register(a, huma.Operation{
		OperationID: "get-subscription", Method: http.MethodGet, Path: "/subscriptions/{id}", Tags: tags, Summary: "Get a subscription",
		Description: "Its status and provisioning status, periods and commitment, price snapshot, and (for its customer) the endpoints, " +
			"instructions and credentials the vendor reported. " + subPriceDoc,
	}, h.getSubscription)
	Register(a, huma.Operation{
		OperationID: "list-subscription-transitions", Method: http.MethodGet, Path: "/subscriptions/{id}/transitions", Tags: tags,
		Summary: "Provisioning history", Description: "Every provisioning status change with time, actor and reason, oldest first.",
	}, h.listTransitions)
	Register(a, huma.Operation{
		OperationID: "update-subscription", Method: http.MethodPatch, Path: "/subscriptions/{id}", Tags: tags,
		Summary: "Switch auto-renew or a trial's conversion",
	}, h.updateSubscription)
	registerSubscriptionChanges(a, h)
	Register(a, huma.Operation{
		OperationID: "set-subscription-provisioning", Method: http.MethodPut, Path: "/subscriptions/{id}/provisioning", Tags: tags,
		Summary: "Report provisioning (vendor callback)",
		Description: "The product's vendor (or an administrator) reports the service deployed (with endpoints, instructions and " +
			"credentials for the customer), failed, retried (pending) or destroyed (undeployed, after undeploy_sent). Only moves the " +
			"provisioning state machine allows are accepted.",
	}, h.setProvisioning)
}

// registerSubscriptionChanges registers what changes a subscription through
// an order: upgrades and downgrades, renewal and termination.
func registerSubscriptionChanges(a *API, h subscriptionHandlers) {
	tags := []string{"Subscriptions"}
	Register(a, huma.Operation{
		OperationID: "change-subscription", Method: http.MethodPost, Path: "/subscriptions/{id}/change", Tags: tags,
		Summary: "Upgrade or downgrade",
		Description: "An upgrade (the new configuration costs more per period) takes effect at once: the new price × remaining hours / " +
			"period hours is charged and the old one credited the same way (a started hour counts). A downgrade takes effect at the next " +
			"period. Answers the change order with its proration.",
		DefaultStatus: http.StatusCreated,
	}, h.changeSubscription)
	Register(a, huma.Operation{
		OperationID: "preview-subscription-change", Method: http.MethodPost, Path: "/subscriptions/{id}/change/preview", Tags: tags,
		Summary: "Price an upgrade or downgrade without making it",
		Description: "Answers the change order /change would place now (its subtotal, estimated tax and total, and in detail the direction, when it takes " +
			"effect, both period charges and the proration) and changes nothing; the same input is refused the same way.",
	}, h.previewChange)
	Register(a, huma.Operation{
		OperationID: "vendor-upgrade-subscription", Method: http.MethodPost, Path: "/subscriptions/{id}/vendor-upgrade", Tags: tags,
		Summary: "A vendor moves a customer to another plan", Description: "With the result deferred, free or paid.",
		DefaultStatus: http.StatusCreated,
	}, h.vendorUpgrade)
	Register(a, huma.Operation{
		OperationID: "renew-subscription", Method: http.MethodPost, Path: "/subscriptions/{id}/renew", Tags: tags,
		Summary: "Get the renewal order", Description: "For a subscription without auto-renew: the renewal order to pay, made once.",
	}, h.renewSubscription)
	Register(a, huma.Operation{
		OperationID: "terminate-subscription", Method: http.MethodPost, Path: "/subscriptions/{id}/terminate", Tags: tags,
		Summary: "Terminate", Description: "Ends the subscription now; the vendor is told to destroy the service.", DefaultStatus: http.StatusCreated,
	}, h.terminateSubscription)
}

func (h subscriptionHandlers) listSubscriptions(ctx context.Context, in *listSubscriptionsInput) (*subscriptionPage, error) {
	subs, next, err := h.svc.ListSubscriptions(ctx, subscription.SubscriptionFilter{Status: in.Status, CustomerOrgID: in.CustomerOrgID,
		ProductID: in.ProductID, Page: page.Request{Limit: in.Limit, Cursor: in.Cursor}})
	if err != nil {
		return nil, err
	}
	return &subscriptionPage{Page[subscription.Subscription]{Data: page.NonNil(subs), NextCursor: next}}, nil
}

func (h subscriptionHandlers) getSubscription(ctx context.Context, in *SubscriptionIDPath) (*subBody, error) {
	s, err := h.svc.GetSubscription(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &subBody{s}, nil
}

func (h subscriptionHandlers) listTransitions(ctx context.Context, in *SubscriptionIDPath) (*transitionListBody, error) {
	trs, err := h.svc.Transitions(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &transitionListBody{TransitionList{Data: trs}}, nil
}

func (h subscriptionHandlers) updateSubscription(ctx context.Context, in *updateSubscriptionInput) (*subBody, error) {
	s, err := h.svc.Update(ctx, in.ID, subscription.UpdateInput{AutoRenew: in.Body.AutoRenew, ConvertAfterTrial: in.Body.ConvertAfterTrial})
	if err != nil {
		return nil, err
	}
	return &subBody{s}, nil
}

func (h subscriptionHandlers) changeSubscription(ctx context.Context, in *changeSubscriptionInput) (*orderBody, error) {
	o, err := h.svc.ChangePlan(ctx, in.ID, subscription.ChangeInput{PlanID: in.Body.PlanID, Quantities: in.Body.Quantities})
	if err != nil {
		return nil, err
	}
	return &orderBody{o}, nil
}

func (h subscriptionHandlers) previewChange(ctx context.Context, in *changeSubscriptionInput) (*orderBody, error) {
	o, err := h.svc.PreviewChange(ctx, in.ID, subscription.ChangeInput{PlanID: in.Body.PlanID, Quantities: in.Body.Quantities})
	if err != nil {
		return nil, err
	}
	return &orderBody{o}, nil
}

func (h subscriptionHandlers) vendorUpgrade(ctx context.Context, in *vendorUpgradeInput) (*orderBody, error) {
	o, err := h.svc.VendorUpgrade(ctx, in.ID, subscription.ChangeInput{PlanID: in.Body.PlanID, Quantities: in.Body.Quantities}, in.Body.Result)
	if err != nil {
		return nil, err
	}
	return &orderBody{o}, nil
}

func (h subscriptionHandlers) renewSubscription(ctx context.Context, in *SubscriptionIDPath) (*orderBody, error) {
	o, err := h.svc.RequestRenewal(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &orderBody{o}, nil
}

func (h subscriptionHandlers) terminateSubscription(ctx context.Context, in *terminateSubscriptionInput) (*orderBody, error) {
	o, err := h.svc.Terminate(ctx, in.ID, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &orderBody{o}, nil
}

func (h subscriptionHandlers) setProvisioning(ctx context.Context, in *setProvisioningInput) (*subBody, error) {
	s, err := h.svc.SetProvisioning(ctx, in.ID, subscription.ProvisioningInput{Status: in.Body.Status, Endpoints: in.Body.Endpoints,
		Instructions: in.Body.Instructions, Credentials: in.Body.Credentials})
	if err != nil {
		return nil, err
	}
	return &subBody{s}, nil
}

type orderPage struct {
	Body Page[subscription.Order]
}

type placeOrderInput struct {
	Body PlaceOrderRequest
}

type listOrdersInput struct {
	PageParams
	Status         string `query:"status" enum:"requires_approval,approved,rejected,cancelled"`
	Type           string `query:"type" enum:"normal,trial,sandbox,renewal,change,termination"`
	SubscriptionID string `query:"subscription_id" maxLength:"64"`
	ToReview       bool   `query:"to_review"`
}

type rejectOrderInput struct {
	OrderIDPath
	Body ReasonRequest
}

type updateSubscriptionSettingsInput struct {
	Body SettingsRequest
}

func registerOrders(a *API, h subscriptionHandlers) {
	tags := []string{"Orders"}
	Register(a, huma.Operation{
		OperationID: "place-order", Method: http.MethodPost, Path: "/orders", Tags: tags,
		Summary: "Place an order",
		Description: "Orders a plan for a customer (pull) or, for a reseller, distributor or admin, on a customer's behalf (push). " +
			"The price is the quote's, frozen on the order, and the subscription is created at once: waiting for approval when the " +
			"product asks for it, otherwise waiting for payment (or provisioning when nothing is due). Send an Idempotency-Key: the same " +
			"order submitted twice with one key creates one order.",
		DefaultStatus: http.StatusCreated,
	}, h.placeOrder)
	Register(a, huma.Operation{
		OperationID: "list-orders", Method: http.MethodGet, Path: "/orders", Tags: tags,
		Summary: "List orders",
		Description: "Newest first. to_review=true keeps the orders waiting for the caller's approval; a customer's " +
			"status=requires_approval are those waiting to be approved. " + orderPriceDoc,
	}, h.listOrders)
	Register(a, huma.Operation{
		OperationID: "get-order", Method: http.MethodGet, Path: "/orders/{id}", Tags: tags, Summary: "Get an order",
		Description: orderPriceDoc,
	}, h.getOrder)
	Register(a, huma.Operation{
		OperationID: "approve-order", Method: http.MethodPost, Path: "/orders/{id}/approve", Tags: tags,
		Summary: "Approve an order", Description: "By its auditor: the vendor, or the reseller whose catalog sold it.",
	}, h.approveOrder)
	Register(a, huma.Operation{
		OperationID: "reject-order", Method: http.MethodPost, Path: "/orders/{id}/reject", Tags: tags,
		Summary: "Reject an order", Description: "By its auditor, with a reason the customer reads; its coupon and trial are given back.",
	}, h.rejectOrder)

	settingsTags := []string{"Settings"}
	Register(a, huma.Operation{
		OperationID: "get-subscription-settings", Method: http.MethodGet, Path: "/settings/subscriptions", Tags: settingsTags,
		Summary:     "Read the order and lifecycle settings",
		Description: "Payment and grace periods, expiry reminders, automatic approval of push orders and automatic-renewal-only mode. Anyone signed in may read them.",
	}, h.getSettings)
	Register(a, huma.Operation{
		OperationID: "update-subscription-settings", Method: http.MethodPatch, Path: "/settings/subscriptions", Tags: settingsTags,
		Summary: "Change the order and lifecycle settings",
		Description: "Super admins only (platform configuration). A new payment period and new reminder days also reach subscriptions already " +
			"waiting (the lifecycle job recomputes their deadlines within a minute); a grace period already granted keeps its end.",
	}, h.updateSettings)
}

func (h subscriptionHandlers) placeOrder(ctx context.Context, in *placeOrderInput) (*orderBody, error) {
	b := in.Body
	o, err := h.svc.PlaceOrder(ctx, subscription.PlaceOrderInput{Type: b.Type, PlanID: b.PlanID, Quantities: b.Quantities, Periods: b.Periods,
		CouponCode: b.CouponCode, CustomerOrgID: b.CustomerOrgID, AutoRenew: b.AutoRenew, ConvertAfterTrial: b.ConvertAfterTrial})
	if err != nil {
		return nil, err
	}
	return &orderBody{o}, nil
}

func (h subscriptionHandlers) listOrders(ctx context.Context, in *listOrdersInput) (*orderPage, error) {
	os, next, err := h.svc.ListOrders(ctx, subscription.OrderFilter{Status: in.Status, Type: in.Type, SubscriptionID: in.SubscriptionID,
		ToReview: in.ToReview, Page: page.Request{Limit: in.Limit, Cursor: in.Cursor}})
	if err != nil {
		return nil, err
	}
	return &orderPage{Page[subscription.Order]{Data: page.NonNil(os), NextCursor: next}}, nil
}

func (h subscriptionHandlers) getOrder(ctx context.Context, in *OrderIDPath) (*orderBody, error) {
	o, err := h.svc.GetOrder(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &orderBody{o}, nil
}

func (h subscriptionHandlers) approveOrder(ctx context.Context, in *OrderIDPath) (*orderBody, error) {
	o, err := h.svc.ApproveOrder(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &orderBody{o}, nil
}

func (h subscriptionHandlers) rejectOrder(ctx context.Context, in *rejectOrderInput) (*orderBody, error) {
	o, err := h.svc.RejectOrder(ctx, in.ID, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &orderBody{o}, nil
}

func (h subscriptionHandlers) getSettings(ctx context.Context, _ *noInput) (*settingsBody, error) {
	st, err := h.svc.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return &settingsBody{st}, nil
}

func (h subscriptionHandlers) updateSettings(ctx context.Context, in *updateSubscriptionSettingsInput) (*settingsBody, error) {
	b := in.Body
	st, err := h.svc.UpdateSettings(ctx, subscription.SettingsInput{PaymentDays: b.PaymentDays, GraceDays: b.GraceDays,
		ReminderDays: b.ReminderDays, AutoApprovePush: b.AutoApprovePush, AutoRenewalOnly: b.AutoRenewalOnly})
	if err != nil {
		return nil, err
	}
	return &settingsBody{st}, nil
}

type settingsBody struct {
	Body subscription.Settings
}

// SettingsRequest changes some order and lifecycle settings.
type SettingsRequest struct {
	PaymentDays     *int   `json:"payment_days,omitempty" doc:"Days a new subscription waits for its first payment (1-90)."`
	GraceDays       *int   `json:"grace_days,omitempty" doc:"Days a subscription stays suspended, data kept, before it is destroyed (0-365)."`
	ReminderDays    *[]int `json:"reminder_days,omitempty" doc:"Days before expiry a subscription without auto-renew reminds its customer (at most 10, each 1-90)."`
	AutoApprovePush *bool  `json:"auto_approve_push,omitempty" doc:"Approve orders a reseller or distributor places for a customer even when the product asks for approval."`
	AutoRenewalOnly *bool  `json:"auto_renewal_only,omitempty" doc:"Renew automatically only: buyers do not choose an order duration."`
}

// TestClock is a settable clock whose advance runs the work that became
// due, for a server in test mode.
type TestClock interface {
	Now() time.Time
	Advance(ctx context.Context, to time.Time) error
}

// TestClockResponse tells the test clock's time.
type TestClockResponse struct {
	Now time.Time `json:"now"`
}

// AdvanceTestClockRequest moves the test clock forward.
type AdvanceTestClockRequest struct {
	To time.Time `json:"to" doc:"The new time, RFC 3339."`
}

type testClockBody struct {
	Body TestClockResponse
}

type advanceTestClockInput struct {
	Body AdvanceTestClockRequest
}

// testClockHandlers serve the test clock to those authorize lets through.
type testClockHandlers struct {
	clk       TestClock
	authorize func(context.Context) error
}

// RegisterTestClock registers the test clock (servers in test mode only;
// without it the paths do not exist). Super admins and admins use it.
func RegisterTestClock(a *API, clk TestClock, authorize func(context.Context) error) {
	h := testClockHandlers{clk: clk, authorize: authorize}
	tags := []string{"Test clock"}
	Register(a, huma.Operation{
		OperationID: "get-test-clock", Method: http.MethodGet, Path: "/test-clock", Tags: tags, Summary: "Read the test clock",
	}, h.get)
	Register(a, huma.Operation{
		OperationID: "advance-test-clock", Method: http.MethodPost, Path: "/test-clock/advance", Tags: tags,
		Summary: "Advance the test clock",
		Description: "Moves the platform's clock forward (never back) to `to`, stopping at every due date on the way to run the work " +
			"due then (renewals, reminders, suspensions, trial ends...) and the background jobs it causes; answers when all is done.",
	}, h.advance)
}

func (h testClockHandlers) get(ctx context.Context, _ *noInput) (*testClockBody, error) {
	if err := h.authorize(ctx); err != nil {
		return nil, err
	}
	return &testClockBody{TestClockResponse{Now: h.clk.Now()}}, nil
}

func (h testClockHandlers) advance(ctx context.Context, in *advanceTestClockInput) (*testClockBody, error) {
	if err := h.authorize(ctx); err != nil {
		return nil, err
	}
	if err := h.clk.Advance(ctx, in.Body.To); err != nil {
		return nil, err
	}
	return &testClockBody{TestClockResponse{Now: h.clk.Now()}}, nil
}

// subPriceDoc and orderPriceDoc say which prices a reader gets
// (channel.PriceSight decides).
const (
	subPriceDoc = "Prices: prices (what the customer pays) and coupon for the customer, the seller whose price list sold it, and staff; " +
		"vendor_prices (the list price) for the vendor and staff; own_prices (what the caller buys at and sells at) for a party of the " +
		"channel: a distributor above the customer's reseller sees its own sell-in price there, never the customer's price."
	orderPriceDoc = "An order's money speaks its invoice's vocabulary: subtotal (charged now, before tax), tax (estimated with billing's " +
		"rules when it was placed), total (subtotal + tax, what its invoice comes to), amount_due (zero once paid) and duration_subtotal " +
		"(the whole duration, before tax). These and detail are at the customer's price: shown to the customer, the seller whose price " +
		"list sold it, and staff; the vendor and a distributor above the customer's reseller read the order without them."
)
