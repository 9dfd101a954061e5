package channel

import (
	"context"
	"slices"
	"time"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// QuoteInput asks what a plan would cost a buyer.
type QuoteInput struct {
	// PlanID is a plan (or bundle plan); any version id prices the current
	// version.
	PlanID string
	// Quantities of extra resources by extra id.
	Quantities map[string]money.Decimal
	CouponCode string
	// Periods is the order duration in billing periods (0: the minimum).
	Periods int
	// CustomerOrgID is the buying customer: a customer quotes for itself
	// (leave it empty), a reseller or distributor for one of its customers,
	// staff for any customer.
	CustomerOrgID string
	// SellerOrgID is whose marketplace an anonymous visitor is on (default:
	// the marketplace owner); it prices at that seller's default sell-out
	// catalog.
	SellerOrgID string
	// Coupon applies coupon terms already checked and redeemed (a renewal
	// keeps the coupon its order used); CouponCode is ignored with it.
	Coupon *pricing.Coupon
	// Start is when the subscription would start (a renewal's start);
	// zero means now.
	Start time.Time
	// Renewal prices a renewal: no one-off fees (the plan's and extras'
	// setup fees were charged when it was first bought).
	Renewal bool
	// Trial prices a trial order: the plan's free trial (or the length an
	// extended-trial coupon gives) comes before the first period.
	Trial bool
}

// Quote is a priced order for one buyer. It is what checkout shows and
// what the order freezes: the same code path prices both.
type Quote struct {
	pricing.Quote
	PlanID        string `json:"plan_id"`
	PlanName      string `json:"plan_name"`
	ProductID     string `json:"product_id"`
	ProductName   string `json:"product_name"`
	CustomerOrgID string `json:"customer_org_id,omitempty"`
	SellerOrgID   string `json:"seller_org_id"`
	CatalogID     string `json:"catalog_id"`
	CouponCode    string `json:"coupon_code,omitempty"`
	SelfBilled    bool   `json:"self_billed"`
	// Plan is the plan version priced.
	Plan catalog.Plan `json:"-"`
	// Levels is the plan's price at every level of the channel (for a
	// bundle, one chain per component): what each party pays the one
	// above. Never shown to buyers.
	Levels [][]Level `json:"-"`
	// Coupon is the coupon's terms, when one applied.
	Coupon *pricing.Coupon `json:"-"`
	// Input is what the pricing engine rated, to rate any other period of
	// the same order later (billing does).
	Input pricing.QuoteInput `json:"-"`
}

// Quote prices a plan for a buyer through its channel, with extra-resource
// quantities, a coupon and an order duration. Invalid combinations answer
// invalid-input errors with specific codes: plan_not_found,
// plan_not_available (unpublished), plan_not_offered (not in the buyer's
// price list), the coupon's codes, and the pricing engine's
// (invalid_duration, quantity_out_of_range, contact_only...).
func (s *Service) Quote(ctx context.Context, in QuoteInput) (Quote, error) {
	a := actor.From(ctx)
	if err := checkQuoteInput(in); err != nil {
		return Quote{}, err
	}
	buyer, err := s.quoteBuyer(ctx, a, in.CustomerOrgID)
	if err != nil {
		return Quote{}, err
	}
	plan, product, err := s.quotedPlan(ctx, in.PlanID)
	if err != nil {
		return Quote{}, err
	}
	src, err := s.quoteCatalog(ctx, buyer, in.SellerOrgID)
	if err != nil {
		return Quote{}, err
	}
	// A quote shows the buyer's price: a party above the buyer's seller (a
	// distributor over a reseller's customer) may not see it.
	if !PriceSight(a, Deal{BuyerOrgID: buyer, SellerOrgID: src.OwnerOrgID, VendorOrgID: product.OwnerOrgID}).BuyerPrice {
		return Quote{}, errs.Forbidden("customer_price_hidden",
			"this customer buys from another seller's price list: only that seller prices its orders")
	}
	out := Quote{PlanID: plan.ID, PlanName: plan.Name, ProductID: product.ID, ProductName: product.Name, CustomerOrgID: buyer,
		SellerOrgID: src.OwnerOrgID, CatalogID: src.ID, Plan: plan}
	qin := pricing.QuoteInput{Terms: plan.Terms(), Quantities: in.Quantities, Periods: in.Periods, Start: s.now(ctx), Trial: in.Trial}
	if !in.Start.IsZero() {
		qin.Start = in.Start
	}
	if err := s.priceChain(ctx, &out, &qin, product, src, in.Renewal); err != nil {
		return Quote{}, err
	}
	if err := s.quoteCoupon(ctx, &out, &qin, in); err != nil {
		return Quote{}, err
	}
	q, err := pricing.Compute(qin)
	if err != nil {
		return Quote{}, err
	}
	out.Quote, out.Input = q, qin
	return out, nil
}

// checkQuoteInput checks the form of a quote request before anything is
// looked up.
func checkQuoteInput(in QuoteInput) error {
	v := validate.New()
	v.ID("plan_id", catalog.PlanKind, in.PlanID)
	if in.CustomerOrgID != "" {
		v.ID("customer_org_id", ids.Organization, in.CustomerOrgID)
	}
	if in.SellerOrgID != "" {
		v.ID("seller_org_id", ids.Organization, in.SellerOrgID)
	}
	if in.Periods < 0 || in.Periods > 120 {
		v.Add("periods", "out_of_range", "0 to 120 billing periods")
	}
	if len(in.Quantities) > 20 {
		v.Add("quantities", "too_many", "at most 20 extra resources")
	}
	return v.Err()
}

// quotedPlan loads the current version of the plan quoted and its product,
// which must be for sale.
func (s *Service) quotedPlan(ctx context.Context, planID string) (catalog.Plan, catalog.Product, error) {
	sys := actor.With(ctx, actor.System)
	plan, err := s.catalog.CurrentPlan(sys, planID)
	if errs.Is(err, "plan_not_found") {
		return catalog.Plan{}, catalog.Product{}, errs.Invalid("plan_not_found", "no such plan", errs.Field("plan_id", "plan_not_found", "no such plan"))
	}
	if err != nil {
		return catalog.Plan{}, catalog.Product{}, err
	}
	product, err := s.catalog.GetProduct(sys, plan.ProductID)
	if err != nil {
		return catalog.Plan{}, catalog.Product{}, err
	}
	if product.Status != catalog.Published {
		return catalog.Plan{}, catalog.Product{}, errs.Invalid("plan_not_available", "this plan is not for sale", errs.Field("plan_id", "plan_not_available", "the product is not published"))
	}
	return plan, product, nil
}

// quoteCatalog is the price list a quote prices at: the buyer's own source
// catalog, or for an anonymous visitor the default sell-out catalog of the
// marketplace it is on (the marketplace owner's when none is named).
func (s *Service) quoteCatalog(ctx context.Context, buyer, seller string) (PriceCatalog, error) {
	if buyer != "" {
		return s.sourceCatalog(ctx, buyer)
	}
	if seller == "" {
		op, err := s.identity.Operator(ctx)
		if err != nil {
			return PriceCatalog{}, err
		}
		seller = op.ID
	}
	kind, err := s.orgKind(ctx, seller)
	if err != nil || !sellsToCustomers(kind) {
		return PriceCatalog{}, errs.Invalid("validation_failed", "seller_org_id: not a marketplace", errs.Field("seller_org_id", "not_a_seller", "not a marketplace"))
	}
	return s.defaultCatalog(ctx, seller, SellOut)
}

// priceChain prices the quoted plan at every level of the channel from src
// down to the buyer (a bundle component by component) and sets what the
// pricing engine rates and who bills.
func (s *Service) priceChain(ctx context.Context, out *Quote, qin *pricing.QuoteInput, product catalog.Product, src PriceCatalog, renewal bool) error {
	if product.Kind == catalog.KindBundle {
		return s.priceBundle(ctx, out, qin, product, src, renewal)
	}
	chain, err := s.resolve(ctx, out.Plan, out.CustomerOrgID, src)
	if err != nil {
		return err
	}
	qin.Prices = withoutOneOffs(chain.Price(), renewal)
	out.SelfBilled = chain.SelfBilled || product.SelfBilled
	out.Levels = [][]Level{levelsWithoutOneOffs(chain.Levels, renewal)}
	return nil
}

// priceBundle prices a bundle offered through src: each component's
// current plan through the channel, with the bundle's discount on it.
func (s *Service) priceBundle(ctx context.Context, out *Quote, qin *pricing.QuoteInput, bundle catalog.Product, src PriceCatalog, renewal bool) error {
	if err := s.bundleOffered(ctx, bundle, src); err != nil {
		return err
	}
	sys := actor.With(ctx, actor.System)
	for _, c := range out.Plan.Components {
		comp, err := s.catalog.CurrentPlan(sys, c.PlanLineageID)
		if err != nil {
			return err
		}
		chain, err := s.resolve(ctx, comp, out.CustomerOrgID, src)
		if err != nil {
			return err
		}
		compProduct, err := s.catalog.GetProduct(sys, comp.ProductID)
		if err != nil {
			return err
		}
		qin.Bundle = append(qin.Bundle, pricing.BundleComponent{PlanID: comp.ID, Name: compProduct.Name + " " + comp.Name,
			Prices: withoutOneOffs(chain.Price(), renewal), DiscountPercent: c.DiscountPercent})
		out.Levels = append(out.Levels, levelsWithoutOneOffs(chain.Levels, renewal))
	}
	out.SelfBilled = src.SelfBilled || out.Plan.SelfBilled
	return nil
}

// quoteCoupon applies the quote's coupon: terms already redeemed (a
// renewal's), or a code checked for this plan, buyer and seller at the
// start.
func (s *Service) quoteCoupon(ctx context.Context, out *Quote, qin *pricing.QuoteInput, in QuoteInput) error {
	switch {
	case in.Coupon != nil:
		qin.Coupon = in.Coupon
		out.CouponCode = in.Coupon.Code
	case in.CouponCode != "":
		sys := actor.With(ctx, actor.System)
		_, pc, err := s.catalog.CheckCoupon(sys, catalog.CouponUse{Code: in.CouponCode, Plan: out.Plan, BuyerOrgID: out.CustomerOrgID,
			SellerOrgID: out.SellerOrgID, At: qin.Start})
		if err != nil {
			return err
		}
		qin.Coupon = &pc
		out.CouponCode = pc.Code
	}
	out.Coupon = qin.Coupon
	return nil
}

func sellsToCustomers(k identity.OrgKind) bool {
	return k == identity.Operator || k == identity.DistributorOrg || k == identity.ResellerOrg
}

// quoteBuyer decides who buys: a customer itself; a channel party or staff
// for a customer it may see; nobody (anonymous pricing) otherwise.
func (s *Service) quoteBuyer(ctx context.Context, a actor.Actor, customer string) (string, error) {
	if a.IsZero() {
		if customer != "" {
			return "", errs.Unauthenticated("unauthenticated", "sign in to quote for a customer")
		}
		return "", nil
	}
	if a.OrgKind == string(identity.CustomerOrg) {
		if customer != "" && customer != a.OrgID {
			return "", errs.NotFound("organization_not_found", "no such organization")
		}
		return a.OrgID, nil
	}
	if customer == "" {
		return "", nil
	}
	ok, err := s.identity.CanSeeOrg(ctx, a, customer)
	if err != nil {
		return "", err
	}
	kind, kerr := s.orgKind(ctx, customer)
	if !ok || kerr != nil {
		return "", errs.NotFound("organization_not_found", "no such organization")
	}
	if kind != identity.CustomerOrg {
		return "", errs.Invalid("validation_failed", "customer_org_id: not a customer", errs.Field("customer_org_id", "not_a_customer", "quotes are for customers"))
	}
	return customer, nil
}

// bundleOffered checks a bundle is sold through this catalog: a channel
// party's own bundle only to buyers in its channel.
func (s *Service) bundleOffered(ctx context.Context, bundle catalog.Product, src PriceCatalog) error {
	chain, err := s.catalogChain(ctx, src)
	if err != nil {
		return err
	}
	ok, err := s.offers(ctx, chain, bundle.ID)
	if err != nil {
		return err
	}
	if ok {
		kind, err := s.orgKind(ctx, bundle.OwnerOrgID)
		if err != nil {
			return err
		}
		if kind == identity.DistributorOrg || kind == identity.ResellerOrg {
			ok = false
			for _, c := range chain {
				if c.OwnerOrgID == bundle.OwnerOrgID {
					ok = true
				}
			}
		}
	}
	if !ok {
		return errs.Invalid("plan_not_offered", "this bundle is not offered to this buyer",
			errs.Field("plan_id", "plan_not_offered", "this bundle is not in the buyer's price list"))
	}
	return nil
}

// levelsWithoutOneOffs strips the one-off fees from every level of a
// renewal's chain, so each party's share is rated like the customer's
// price.
func levelsWithoutOneOffs(levels []Level, renewal bool) []Level {
	if !renewal {
		return levels
	}
	out := slices.Clone(levels)
	for i := range out {
		out[i].Sells = withoutOneOffs(out[i].Sells, true)
		if out[i].Buys != nil {
			b := withoutOneOffs(*out[i].Buys, true)
			out[i].Buys = &b
		}
	}
	return out
}

// withoutOneOffs drops the one-off fees of a renewal's prices.
func withoutOneOffs(p pricing.PlanPrices, renewal bool) pricing.PlanPrices {
	if !renewal {
		return p
	}
	p.Setup = money.Decimal{}
	p.Extras = slices.Clone(p.Extras)
	for i := range p.Extras {
		x := p.Extras[i]
		x.Scheme.Ranges = slices.Clone(x.Scheme.Ranges)
		for j := range x.Scheme.Ranges {
			x.Scheme.Ranges[j].SetupFee = money.Decimal{}
		}
		p.Extras[i] = x
	}
	return p
}
