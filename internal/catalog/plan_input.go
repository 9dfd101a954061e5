package catalog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// PlanInput holds a plan's fields. On update nil fields are left alone;
// Extras, Metrics and Components replace the whole list when given (an
// extra or metric keeps its id when the input names it).
type PlanInput struct {
	Name              *string
	Description       *string
	PricingKind       *string
	PeriodUnit        *string
	PeriodCount       *int
	MinPeriods        *int
	AllowedPeriods    *[]int
	Currency          *string
	SetupFee          *money.Decimal
	RecurringPrice    *money.Decimal
	IaaSCost          *money.Decimal
	TrialDays         *int
	TrialCardRequired *bool
	AutoRenew         *bool
	SelfBilled        *bool
	Upgrades          *[]string
	Downgrades        *[]string
	Weight            *int
	Ribbon            *string
	Extras            *[]ExtraInput
	Metrics           *[]MetricInput
	Components        *[]ComponentInput
}

// ExtraInput is an extra resource of a plan; ID keeps an existing one.
type ExtraInput struct {
	ID       string
	Name     string
	Unit     string
	Scheme   pricing.Scheme
	Required bool
	Billing  string
}

// MetricInput is a pay-per-use metric of a plan; ID keeps an existing one.
type MetricInput struct {
	ID          string
	Key         string
	Name        string
	Unit        string
	Aggregation string
	Scheme      pricing.Scheme
	Included    money.Decimal
}

// ComponentInput is one plan of a bundle plan.
type ComponentInput struct {
	PlanID          string
	DiscountPercent money.Decimal
}

var metricKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Aggregations of pay-per-use values over a period.
var Aggregations = []string{"sum", "count", "unique_count", "max", "latest", "average"}

// applyPlanInput validates in against plan p of product prod and applies it.
func (s *Service) applyPlanInput(ctx context.Context, a actor.Actor, prod Product, p *Plan, in PlanInput, create bool) error {
	v := validate.New()
	if create {
		if in.Name == nil {
			v.Add("name", "required", "is required")
		}
		if in.PricingKind == nil {
			v.Add("pricing_kind", "required", "is required")
		}
		if in.Currency == nil {
			v.Add("currency", "required", "is required")
		}
	}
	if in.Name != nil {
		p.Name = v.Name("name", *in.Name, 80)
	}
	if in.Description != nil {
		p.Description = strings.TrimSpace(*in.Description)
		v.Text("description", p.Description, 2000)
	}
	if in.PricingKind != nil {
		v.OneOf("pricing_kind", *in.PricingKind, pricingKinds()...)
		if p.PricingKind != pricing.PricingKind(*in.PricingKind) && in.PeriodUnit == nil {
			p.PeriodUnit = "" // take the new kind's default
		}
		p.PricingKind = pricing.PricingKind(*in.PricingKind)
	}
	setInt := func(src *int, dst *int) {
		if src != nil {
			*dst = *src
		}
	}
	if in.PeriodUnit != nil {
		v.OneOf("period_unit", *in.PeriodUnit, "month", "hour")
		p.PeriodUnit = *in.PeriodUnit
	}
	setInt(in.PeriodCount, &p.PeriodCount)
	setInt(in.MinPeriods, &p.MinPeriods)
	setInt(in.TrialDays, &p.TrialDays)
	setInt(in.Weight, &p.Weight)
	if in.AllowedPeriods != nil {
		p.AllowedPeriods = slices.Clone(*in.AllowedPeriods)
	}
	if in.Currency != nil {
		c, err := money.ParseCurrency(strings.ToUpper(strings.TrimSpace(*in.Currency)))
		if err != nil {
			v.Add("currency", "invalid_currency", err.Error())
		}
		p.Currency = c
	}
	for _, f := range []struct {
		field    string
		src, dst *money.Decimal
	}{{"setup_fee", in.SetupFee, &p.SetupFee}, {"recurring_price", in.RecurringPrice, &p.RecurringPrice}, {"iaas_cost", in.IaaSCost, &p.IaaSCost}} {
		if f.src != nil {
			checkPrice(v, f.field, *f.src)
			*f.dst = *f.src
		}
	}
	for _, f := range []struct {
		src, dst *bool
	}{{in.TrialCardRequired, &p.TrialCardRequired}, {in.AutoRenew, &p.AutoRenew}, {in.SelfBilled, &p.SelfBilled}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if in.Ribbon != nil {
		p.Ribbon = strings.TrimSpace(*in.Ribbon)
		v.Text("ribbon", p.Ribbon, 40)
	}
	if in.Extras != nil {
		p.Extras = s.extras(v, p, *in.Extras)
	}
	if in.Metrics != nil {
		p.Metrics = s.metrics(v, p, *in.Metrics)
	}
	if err := v.Err(); err != nil {
		return err
	}
	checkTerms(v, p)
	if in.Upgrades != nil {
		p.Upgrades = s.paths(ctx, v, "upgrades", p, *in.Upgrades)
	}
	if in.Downgrades != nil {
		p.Downgrades = s.paths(ctx, v, "downgrades", p, *in.Downgrades)
	}
	switch {
	case prod.Kind == KindBundle && in.Components != nil:
		p.Components = s.components(ctx, v, a, prod, p, *in.Components)
	case prod.Kind == KindBundle && create:
		v.Add("components", "required", "a bundle plan is made of at least two product plans")
	case in.Components != nil:
		v.Add("components", "not_a_bundle", "only bundle plans have components")
	}
	return v.Err()
}

func pricingKinds() []string {
	return []string{string(pricing.PricingRenewableMonths), string(pricing.PricingRenewableHours), string(pricing.PricingShort),
		string(pricing.PricingEverlasting), string(pricing.PricingFree), string(pricing.PricingContactOnly)}
}

// checkPrice checks a price: not negative, at most 9 decimals, at most
// money.MaxUnitPriceText (too_large).
func checkPrice(v *validate.Collector, field string, d money.Decimal) {
	if d.IsNegative() {
		v.Add(field, "negative", "must not be negative")
		return
	}
	if _, err := money.ParsePrice(d.String()); err != nil {
		v.Add(field, "too_many_decimals", "a price has at most 9 decimals")
		return
	}
	if err := money.CheckUnitPrice(d); err != nil {
		v.Add(field, "too_large", "must be at most "+money.MaxUnitPriceText)
	}
}

// checkTerms fills the defaults of the pricing kind and checks the billing
// terms fit it.
func checkTerms(v *validate.Collector, p *Plan) {
	switch p.PricingKind {
	case pricing.PricingRenewableMonths:
		p.PeriodUnit = "month"
	case pricing.PricingRenewableHours:
		p.PeriodUnit = "hour"
	case pricing.PricingShort:
		if p.PeriodUnit == "" {
			p.PeriodUnit = "month"
		}
		p.AutoRenew = false
	case pricing.PricingEverlasting, pricing.PricingFree, pricing.PricingContactOnly:
		if p.PeriodUnit == "" {
			p.PeriodUnit = "month"
		}
		if p.PricingKind == pricing.PricingEverlasting {
			p.AutoRenew = false
		}
	}
	if p.PeriodCount == 0 {
		p.PeriodCount = 1
	}
	if p.MinPeriods == 0 {
		p.MinPeriods = 1
	}
	maxCount := 36
	if p.PeriodUnit == "hour" {
		maxCount = 8760
	}
	if p.PeriodCount < 1 || p.PeriodCount > maxCount {
		v.Add("period_count", "out_of_range", fmt.Sprintf("a billing period is 1 to %d %ss", maxCount, p.PeriodUnit))
	}
	if p.MinPeriods < 1 || p.MinPeriods > 120 {
		v.Add("min_periods", "out_of_range", "the minimum order duration is 1 to 120 billing periods")
	}
	if p.PricingKind == pricing.PricingEverlasting && p.MinPeriods != 1 {
		v.Add("min_periods", "out_of_range", "an everlasting licence is bought once")
	}
	prev := 0
	for i, n := range p.AllowedPeriods {
		f := fmt.Sprintf("allowed_periods[%d]", i)
		switch {
		case n < p.MinPeriods || n > 120:
			v.Add(f, "out_of_range", "must be at least the minimum duration and at most 120 periods")
		case n%p.MinPeriods != 0:
			v.Add(f, "not_a_multiple", fmt.Sprintf("must be a multiple of the minimum duration (%d periods)", p.MinPeriods))
		case n <= prev:
			v.Add(f, "not_ascending", "durations must be ascending and distinct")
		}
		prev = n
	}
	if p.TrialDays < 0 || p.TrialDays > 365 {
		v.Add("trial_days", "out_of_range", "a trial lasts 0 to 365 days")
	}
	if p.Weight < -1000 || p.Weight > 1000 {
		v.Add("weight", "out_of_range", "the display weight is -1000 to 1000")
	}
	switch p.PricingKind {
	case pricing.PricingFree, pricing.PricingContactOnly:
		if !p.SetupFee.IsZero() || !p.RecurringPrice.IsZero() {
			v.Add("recurring_price", "priced_"+string(p.PricingKind), "a "+strings.ReplaceAll(string(p.PricingKind), "_", "-")+" plan has no licence or setup price")
		}
		if p.TrialDays != 0 {
			v.Add("trial_days", "no_trial", "a "+strings.ReplaceAll(string(p.PricingKind), "_", "-")+" plan has no trial")
		}
	}
}

// extras validates the extra resources of a plan, keeping known ids.
func (s *Service) extras(v *validate.Collector, p *Plan, in []ExtraInput) []Extra {
	if len(in) > 20 {
		v.Add("extras", "too_many", "at most 20 extra resources")
		return p.Extras
	}
	out := make([]Extra, 0, len(in))
	for i, x := range in {
		f := fmt.Sprintf("extras[%d]", i)
		e := Extra{ID: x.ID, Name: v.Name(f+".name", x.Name, 80), Unit: strings.TrimSpace(x.Unit), Scheme: x.Scheme, Required: x.Required, Billing: x.Billing}
		v.Text(f+".unit", e.Unit, 30)
		if e.Billing == "" {
			e.Billing = "prepaid"
		}
		v.OneOf(f+".billing", e.Billing, "prepaid", "postpaid")
		addPrefixed(v, f+".scheme.", x.Scheme.Validate())
		if e.ID == "" {
			e.ID = ids.New(ExtraKind)
		} else if !slices.ContainsFunc(p.Extras, func(o Extra) bool { return o.ID == e.ID }) {
			v.Add(f+".id", "not_found", "no extra resource of this plan has this id; leave it out to add one")
		}
		out = append(out, e)
	}
	return out
}

// metrics validates the pay-per-use metrics of a plan, keeping known ids.
func (s *Service) metrics(v *validate.Collector, p *Plan, in []MetricInput) []Metric {
	if len(in) > 20 {
		v.Add("metrics", "too_many", "at most 20 metrics")
		return p.Metrics
	}
	out := make([]Metric, 0, len(in))
	keys := map[string]bool{}
	for i, x := range in {
		f := fmt.Sprintf("metrics[%d]", i)
		m := Metric{ID: x.ID, Key: strings.TrimSpace(x.Key), Name: v.Name(f+".name", x.Name, 80), Unit: strings.TrimSpace(x.Unit),
			Aggregation: x.Aggregation, Scheme: x.Scheme, Included: x.Included}
		if !metricKeyRE.MatchString(m.Key) {
			v.Add(f+".key", "invalid_key", "lower-case letters, digits and _, starting with a letter")
		} else if keys[m.Key] {
			v.Add(f+".key", "duplicate", "two metrics have this key")
		}
		keys[m.Key] = true
		v.Text(f+".unit", m.Unit, 30)
		if m.Aggregation == "" {
			m.Aggregation = "sum"
		}
		v.OneOf(f+".aggregation", m.Aggregation, Aggregations...)
		if m.Included.IsNegative() {
			v.Add(f+".included", "negative", "must not be negative")
		} else if err := money.CheckQuantity(m.Included); err != nil {
			v.Add(f+".included", "too_large", err.Error())
		}
		addPrefixed(v, f+".scheme.", x.Scheme.Validate())
		if m.ID == "" {
			m.ID = ids.New(MetricKind)
		} else if !slices.ContainsFunc(p.Metrics, func(o Metric) bool { return o.ID == m.ID }) {
			v.Add(f+".id", "not_found", "no metric of this plan has this id; leave it out to add one")
		}
		out = append(out, m)
	}
	return out
}

// addPrefixed copies the field errors of err (from a nested validation)
// into v under prefix.
func addPrefixed(v *validate.Collector, prefix string, err error) {
	if err == nil {
		return
	}
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		v.Add(strings.TrimSuffix(prefix, "."), "invalid", err.Error())
		return
	}
	for _, f := range e.Fields {
		v.Add(prefix+f.Field, f.Code, f.Message)
	}
}

// paths resolves upgrade or downgrade targets (plan ids of any version) to
// lineage ids of other plans of the same product.
func (s *Service) paths(ctx context.Context, v *validate.Collector, field string, p *Plan, in []string) []string {
	out := []string{}
	for i, id := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !ids.Valid(PlanKind, id) {
			v.Add(f, "invalid_id", "is not a plan id")
			continue
		}
		var lineage, product string
		err := s.db.QueryRow(ctx, `SELECT lineage_id, product_id FROM plans WHERE id = $1`, id).Scan(&lineage, &product)
		switch {
		case errors.Is(err, db.ErrNoRows) || (err == nil && product != p.ProductID):
			v.Add(f, "not_found", "no plan of this product has this id")
		case err != nil:
			v.Add(f, "invalid", "could not be checked")
		case lineage == p.LineageID && p.LineageID != "":
			v.Add(f, "self", "a plan is not its own upgrade or downgrade")
		case !slices.Contains(out, lineage):
			out = append(out, lineage)
		}
	}
	return out
}

// components checks a bundle plan's components: 2 to 10 published product
// plans the bundle's owner may bundle (a vendor its own products, a
// distributor or reseller what it offers, staff anything), in the bundle
// plan's currency and billing period, each with a discount of 0-100 %.
func (s *Service) components(ctx context.Context, v *validate.Collector, a actor.Actor, bundle Product, p *Plan, in []ComponentInput) []Component {
	if len(in) < 2 || len(in) > 10 {
		v.Add("components", "out_of_range", "a bundle plan has 2 to 10 components")
		return p.Components
	}
	owner, found, err := s.identity.Org(ctx, bundle.OwnerOrgID)
	if err != nil || !found {
		v.Add("components", "invalid", "the bundle's owner could not be checked")
		return p.Components
	}
	out := []Component{}
	for i, c := range in {
		f := fmt.Sprintf("components[%d]", i)
		if c.DiscountPercent.IsNegative() || c.DiscountPercent.Cmp(money.DecimalFromInt(100)) > 0 {
			v.Add(f+".discount_percent", "out_of_range", "a discount is 0 to 100 percent")
		}
		if !ids.Valid(PlanKind, c.PlanID) {
			v.Add(f+".plan_id", "invalid_id", "is not a plan id")
			continue
		}
		var cp Plan
		var prodKind, prodStatus, prodOwner string
		err := s.db.QueryRow(ctx, `SELECT pl.lineage_id, pl.currency, pl.period_unit, pl.period_count, p.kind, p.status, p.owner_org_id
			FROM plans pl JOIN plans cur ON cur.lineage_id = pl.lineage_id AND cur.status = 'active'
			JOIN products p ON p.id = pl.product_id WHERE pl.id = $1`, c.PlanID).
			Scan(&cp.LineageID, &cp.Currency, &cp.PeriodUnit, &cp.PeriodCount, &prodKind, &prodStatus, &prodOwner)
		if errors.Is(err, db.ErrNoRows) || (err == nil && prodStatus != Published) {
			v.Add(f+".plan_id", "not_found", "no active plan of a published product has this id")
			continue
		}
		if err != nil {
			v.Add(f+".plan_id", "invalid", "could not be checked")
			continue
		}
		var productID string
		_ = s.db.QueryRow(ctx, `SELECT product_id FROM plans WHERE id = $1`, c.PlanID).Scan(&productID)
		allowed := true
		switch owner.Kind {
		case identity.Operator:
		case identity.VendorOrg:
			allowed = prodOwner == bundle.OwnerOrgID
		default:
			allowed = false
			if s.offers != nil {
				ok, err := s.offers.Offers(ctx, bundle.OwnerOrgID, productID)
				allowed = err == nil && ok
			}
		}
		switch {
		case prodKind != KindProduct:
			v.Add(f+".plan_id", "nested_bundle", "a bundle is made of products, not bundles")
		case !allowed:
			v.Add(f+".plan_id", "not_bundleable", "you may bundle only your own products or those you offer")
		case cp.Currency != p.Currency:
			v.Add(f+".plan_id", "currency_mismatch", "the component's currency differs from the bundle plan's")
		case cp.PeriodUnit != p.PeriodUnit || cp.PeriodCount != p.PeriodCount:
			v.Add(f+".plan_id", "period_mismatch", "the component's billing period differs from the bundle plan's")
		case slices.ContainsFunc(out, func(o Component) bool { return o.PlanLineageID == cp.LineageID }):
			v.Add(f+".plan_id", "duplicate", "the plan is in the bundle twice")
		default:
			out = append(out, Component{PlanLineageID: cp.LineageID, DiscountPercent: c.DiscountPercent})
		}
	}
	// A bundle plan's own prices are its components'.
	p.SetupFee, p.RecurringPrice = money.Decimal{}, money.Decimal{}
	return out
}
