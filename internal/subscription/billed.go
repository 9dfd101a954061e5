package subscription

import (
	"context"
	"fmt"
	"time"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Billed is what billing prints and taxes a subscription's charges by,
// read from the catalog when the event that carries it is published: billing
// takes it from the event and never reads the catalog.
type Billed struct {
	// Label prefixes the invoice lines of the plan's charges.
	Label string `json:"label"`
	// TaxCategory is the product's (empty: the standard rate).
	TaxCategory string `json:"tax_category,omitempty"`
	// IssuerVendor is set for a self-billed product: its vendor issues
	// the invoices.
	IssuerVendor bool `json:"issuer_vendor,omitempty"`
}

// billedOf reads what billing needs of product productID and plan planID.
func (s *Service) billedOf(ctx context.Context, productID, planID string) (Billed, error) {
	sys := identity.AsSystem(ctx)
	p, err := s.catalog.GetProduct(sys, productID)
	if err != nil {
		return Billed{}, err
	}
	plan, err := s.catalog.GetPlan(sys, planID)
	if err != nil {
		return Billed{}, err
	}
	return Billed{Label: PlanLabel(p, plan), TaxCategory: p.TaxCategory, IssuerVendor: p.SelfBilled}, nil
}

// PlanLabel names a plan of product p on invoices: the product's name,
// followed by the plan's unless p is a bundle or both are named alike.
func PlanLabel(p catalog.Product, plan catalog.Plan) string {
	if p.Kind == catalog.KindBundle || plan.Name == p.Name {
		return p.Name
	}
	return p.Name + " " + plan.Name
}

// publishPeriodEvent publishes e, a period of sub, as typ, complete with
// its rated charges and what billing prints them by.
func (s *Service) publishPeriodEvent(ctx context.Context, typ string, sub Subscription, e PeriodEvent) error {
	e, err := s.complete(ctx, e)
	if err != nil {
		return err
	}
	return s.outbox.PublishData(ctx, typ, "subscription", sub.ID, sub.CustomerOrgID, e)
}

// complete fills e.Billed from the catalog and e.Period with the period's
// charges.
func (s *Service) complete(ctx context.Context, e PeriodEvent) (PeriodEvent, error) {
	b, err := s.billedOf(ctx, e.ProductID, e.PlanID)
	if err != nil {
		return e, err
	}
	e.Billed = b
	if e.Kind == KindTrial || e.Kind == KindSandbox {
		return e, nil // their infrastructure is the vendor's cost, priced by billing from the plan
	}
	if e.Period == nil {
		e.Period, err = s.ratePeriod(ctx, e)
	}
	return e, err
}

// ratePeriod prices the period e describes, once: billing charges what it
// says. The first period of an order is what the order's quote priced
// (what the order says is due), moved to when the period really starts;
// any other period is rated now from the commitment's frozen prices.
func (s *Service) ratePeriod(ctx context.Context, e PeriodEvent) (*pricing.PeriodQuote, error) {
	if e.StartsOrder && e.PeriodIndex == 0 {
		o, err := s.orderByID(ctx, e.OrderID)
		if err != nil {
			return nil, err
		}
		if f := o.pricing.first; f != nil {
			return movedTo(*f, e.Start, e.End), nil
		}
	}
	pq, err := pricing.ComputePeriod(e.Rating, e.PeriodIndex)
	if err != nil {
		return nil, fmt.Errorf("rate period %d of %s: %w", e.PeriodIndex, e.SubscriptionID, err)
	}
	return &pq, nil
}

// movedTo is first period p starting at start and ending at end instead:
// its lines of that period say so, and lines of other spans move by as
// much.
func movedTo(p pricing.PeriodQuote, start, end time.Time) *pricing.PeriodQuote {
	if p.Start.Equal(start) && p.End.Equal(end) {
		return &p
	}
	shift := start.Sub(p.Start)
	lines := make([]pricing.QuoteLine, len(p.Lines))
	for i, l := range p.Lines {
		switch {
		case l.Period == nil: // a one-off
		case l.Period.Start.Equal(p.Start) && l.Period.End.Equal(p.End):
			l.Period = &pricing.Period{Start: start, End: end}
		default:
			l.Period = &pricing.Period{Start: l.Period.Start.Add(shift), End: l.Period.End.Add(shift)}
		}
		lines[i] = l
	}
	p.Lines, p.Start, p.End = lines, start, end
	return &p
}
