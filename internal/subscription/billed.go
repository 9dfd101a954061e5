package subscription

import (
	"context"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
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

// publishPeriodEvent publishes e, a period of sub, as typ with what billing
// needs of its plan.
func (s *Service) publishPeriodEvent(ctx context.Context, typ string, sub Subscription, e PeriodEvent) error {
	e, err := s.withBilled(ctx, e)
	if err != nil {
		return err
	}
	return s.outbox.PublishData(ctx, typ, "subscription", sub.ID, sub.CustomerOrgID, e)
}

// withBilled fills e.Billed from the catalog.
func (s *Service) withBilled(ctx context.Context, e PeriodEvent) (PeriodEvent, error) {
	b, err := s.billedOf(ctx, e.ProductID, e.PlanID)
	e.Billed = b
	return e, err
}
