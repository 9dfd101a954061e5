package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// PlanRequest holds a plan's fields; on update omitted fields are left
// alone and extras, metrics or components, when given, replace the list.
type PlanRequest struct {
	Name              *string             `json:"name,omitempty" maxLength:"80"`
	Description       *string             `json:"description,omitempty" maxLength:"2000"`
	PricingKind       *string             `json:"pricing_kind,omitempty" enum:"renewable_months,renewable_hours,short,everlasting,free,contact_only"`
	PeriodUnit        *string             `json:"period_unit,omitempty" enum:"month,hour" doc:"Set by renewable kinds; short plans choose."`
	PeriodCount       *int                `json:"period_count,omitempty" doc:"Billing period length in units (default 1)."`
	MinPeriods        *int                `json:"min_periods,omitempty" doc:"Minimum order duration in billing periods (default 1)."`
	AllowedPeriods    *[]int              `json:"allowed_periods,omitempty" maxItems:"20" doc:"Order durations offered, in periods; each a multiple of min_periods. Empty: any multiple."`
	Currency          *string             `json:"currency,omitempty" maxLength:"3"`
	SetupFee          *money.Decimal      `json:"setup_fee,omitempty"`
	RecurringPrice    *money.Decimal      `json:"recurring_price,omitempty" doc:"Licence price per billing period."`
	IaaSCost          *money.Decimal      `json:"iaas_cost,omitempty" doc:"Infrastructure cost per billing period."`
	TrialDays         *int                `json:"trial_days,omitempty"`
	TrialCardRequired *bool               `json:"trial_card_required,omitempty"`
	AutoRenew         *bool               `json:"auto_renew,omitempty" doc:"Default for new subscriptions."`
	SelfBilled        *bool               `json:"self_billed,omitempty"`
	Upgrades          *[]string           `json:"upgrades,omitempty" maxItems:"20" doc:"Plans (ids) of this product customers may upgrade to."`
	Downgrades        *[]string           `json:"downgrades,omitempty" maxItems:"20"`
	Weight            *int                `json:"weight,omitempty" doc:"Display order, lightest first."`
	Ribbon            *string             `json:"ribbon,omitempty" maxLength:"40" doc:"A tag shown on the plan, e.g. Popular."`
	Extras            *[]ExtraRequest     `json:"extras,omitempty" maxItems:"20"`
	Metrics           *[]MetricRequest    `json:"metrics,omitempty" maxItems:"20"`
	Components        *[]ComponentRequest `json:"components,omitempty" maxItems:"10" doc:"Bundle plans only: the product plans bundled."`
}

// ExtraRequest is an extra resource; give its id to keep an existing one.
type ExtraRequest struct {
	ID       string         `json:"id,omitempty" maxLength:"64"`
	Name     string         `json:"name" maxLength:"80"`
	Unit     string         `json:"unit,omitempty" maxLength:"30"`
	Scheme   pricing.Scheme `json:"scheme"`
	Required bool           `json:"required,omitempty"`
	Billing  string         `json:"billing,omitempty" enum:"prepaid,postpaid" doc:"Default prepaid."`
}

// MetricRequest is a pay-per-use metric; give its id to keep an existing one.
type MetricRequest struct {
	ID          string         `json:"id,omitempty" maxLength:"64"`
	Key         string         `json:"key" maxLength:"64"`
	Name        string         `json:"name" maxLength:"80"`
	Unit        string         `json:"unit,omitempty" maxLength:"30"`
	Aggregation string         `json:"aggregation,omitempty" enum:"sum,count,unique_count,max,latest,average" doc:"Default sum."`
	Scheme      pricing.Scheme `json:"scheme"`
	Included    money.Decimal  `json:"included,omitempty" doc:"Free quantity per period."`
}

// ComponentRequest is one product plan of a bundle plan.
type ComponentRequest struct {
	PlanID          string        `json:"plan_id" maxLength:"64"`
	DiscountPercent money.Decimal `json:"discount_percent"`
}

func (r PlanRequest) input() catalog.PlanInput {
	in := catalog.PlanInput{Name: r.Name, Description: r.Description, PricingKind: r.PricingKind, PeriodUnit: r.PeriodUnit,
		PeriodCount: r.PeriodCount, MinPeriods: r.MinPeriods, AllowedPeriods: r.AllowedPeriods, Currency: r.Currency, SetupFee: r.SetupFee,
		RecurringPrice: r.RecurringPrice, IaaSCost: r.IaaSCost, TrialDays: r.TrialDays, TrialCardRequired: r.TrialCardRequired,
		AutoRenew: r.AutoRenew, SelfBilled: r.SelfBilled, Upgrades: r.Upgrades, Downgrades: r.Downgrades, Weight: r.Weight, Ribbon: r.Ribbon}
	if r.Extras != nil {
		xs := make([]catalog.ExtraInput, len(*r.Extras))
		for i, x := range *r.Extras {
			xs[i] = catalog.ExtraInput{ID: x.ID, Name: x.Name, Unit: x.Unit, Scheme: x.Scheme, Required: x.Required, Billing: x.Billing}
		}
		in.Extras = &xs
	}
	if r.Metrics != nil {
		ms := make([]catalog.MetricInput, len(*r.Metrics))
		for i, m := range *r.Metrics {
			ms[i] = catalog.MetricInput{ID: m.ID, Key: m.Key, Name: m.Name, Unit: m.Unit, Aggregation: m.Aggregation, Scheme: m.Scheme, Included: m.Included}
		}
		in.Metrics = &ms
	}
	if r.Components != nil {
		cs := make([]catalog.ComponentInput, len(*r.Components))
		for i, c := range *r.Components {
			cs[i] = catalog.ComponentInput{PlanID: c.PlanID, DiscountPercent: c.DiscountPercent}
		}
		in.Components = &cs
	}
	return in
}

// PlanChange is the outcome of changing a plan.
type PlanChange struct {
	Plan catalog.Plan `json:"plan"`
	// Versioned tells a price change made a new version; the old one is
	// superseded and keeps serving its subscriptions.
	Versioned        bool   `json:"versioned"`
	SupersededPlanID string `json:"superseded_plan_id,omitempty"`
}

type planBody struct {
	Body catalog.Plan
}

// PlanIDPath is the path parameter of one plan version.
type PlanIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"Plan id (pln_...)."`
}

type planChangeBody struct {
	Body PlanChange
}

type createPlanInput struct {
	ProductIDPath
	Body PlanRequest
}

type updatePlanInput struct {
	PlanIDPath
	Body PlanRequest
}

// planHandlers serve the plan writes.
type planHandlers struct {
	svc *catalog.Service
}

// registerPlans registers the plan writes; the reads, which price plans
// for their viewer, are registerPlanReads'.
func registerPlans(a *API, svc *catalog.Service) {
	h := planHandlers{svc}
	tags := []string{"Plans"}
	Register(a, huma.Operation{
		OperationID: "create-plan", Method: http.MethodPost, Path: "/products/{id}/plans", Tags: tags,
		Summary: "Add a plan",
		Description: "Adds a plan (a product version: silver, gold...) with its billing terms, prices, extra resources (priced by " +
			"quantity with a per_unit, tiered, volume, stairstep or package scheme) and pay-per-use metrics. Bundle plans name their " +
			"component plans instead of prices.",
		DefaultStatus: http.StatusCreated,
	}, h.create)
	Register(a, huma.Operation{
		OperationID: "update-plan", Method: http.MethodPatch, Path: "/plans/{id}", Tags: tags,
		Summary: "Change a plan",
		Description: "Before its product is first published a plan changes in place. Afterwards a change to anything that prices it " +
			"(terms, prices, trial, extras, metrics, components) makes a new version with a new id, and the old version is superseded " +
			"but kept for the subscriptions that bought it: running subscriptions are never repriced.",
	}, h.update)
	Register(a, huma.Operation{
		OperationID: "retire-plan", Method: http.MethodPost, Path: "/plans/{id}/retire", Tags: tags,
		Summary: "Retire a plan", Description: "Stops selling the plan; a published product keeps at least one plan.",
	}, h.retire)
}

func (h planHandlers) create(ctx context.Context, in *createPlanInput) (*planBody, error) {
	p, err := h.svc.CreatePlan(ctx, in.ID, in.Body.input())
	if err != nil {
		return nil, err
	}
	return &planBody{p}, nil
}

func (h planHandlers) update(ctx context.Context, in *updatePlanInput) (*planChangeBody, error) {
	p, versioned, err := h.svc.UpdatePlan(ctx, in.ID, in.Body.input())
	if err != nil {
		return nil, err
	}
	ch := PlanChange{Plan: p, Versioned: versioned}
	if versioned {
		ch.SupersededPlanID = in.ID
	}
	return &planChangeBody{ch}, nil
}

func (h planHandlers) retire(ctx context.Context, in *PlanIDPath) (*planBody, error) {
	p, err := h.svc.RetirePlan(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &planBody{p}, nil
}

// planPriceDoc tells readers of plans whose prices they get.
const planPriceDoc = " Prices are the caller's own (price_basis): the vendor's list price for the product's vendor and staff, the price " +
	"a distributor, reseller or customer buys the plan at through its price list, the marketplace's public price for visitors and " +
	"other vendors, none (price fields left out) when the caller's price list does not offer the plan. Nobody sees the price of a " +
	"party above it."

// PlanViewList is a product's plans, each at the caller's own price.
type PlanViewList struct {
	Data []channel.PlanView `json:"data" nullable:"false"`
}

type planViewListBody struct {
	Body PlanViewList
}

type planViewBody struct {
	Body channel.PlanView
}

type listPlansInput struct {
	ProductIDPath
	History bool `query:"history"`
}

// registerPlanReads registers the plan reads: each plan at the caller's
// own price, as channel.PriceSight decides.
func registerPlanReads(a *API, h channelHandlers) {
	tags := []string{"Plans"}
	Register(a, huma.Operation{
		OperationID: "list-plans", Method: http.MethodGet, Path: "/products/{id}/plans", Tags: tags,
		Summary:     "List a product's plans",
		Description: "The active plan versions by display weight; history=true lists every version (superseded and retired too)." + planPriceDoc,
		Metadata:    map[string]any{"public": true},
	}, h.listPlans)
	Register(a, huma.Operation{
		OperationID: "get-plan", Method: http.MethodGet, Path: "/plans/{id}", Tags: tags,
		Summary: "Get a plan version", Description: "Any version, current or superseded, of a product the caller may see." + planPriceDoc,
		Metadata: map[string]any{"public": true},
	}, h.getPlan)
}

func (h channelHandlers) listPlans(ctx context.Context, in *listPlansInput) (*planViewListBody, error) {
	plans, err := h.svc.ListPlanViews(ctx, in.ID, in.History)
	if err != nil {
		return nil, err
	}
	return &planViewListBody{PlanViewList{Data: plans}}, nil
}

func (h channelHandlers) getPlan(ctx context.Context, in *PlanIDPath) (*planViewBody, error) {
	p, err := h.svc.GetPlanView(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &planViewBody{p}, nil
}
