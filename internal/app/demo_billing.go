package app

import (
	"context"
	"fmt"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// demoTaxes are the VAT rates of the demo's countries; business customers
// in another EU country than the issuer are reverse-charged.
var demoTaxes = []struct{ country, rate, name string }{
	{"IT", "22", "IVA"}, {"DE", "19", "MwSt."}, {"ES", "21", "IVA"}, {"NL", "21", "BTW"}, {"GB", "20", "VAT"},
}

// seedDemoBilling makes the demo bill: the operator's invoicing details,
// tax rates, payment instructions, and two customers with invoices (one
// paid by bank transfer, one open).
func (a *App) seedDemoBilling(ctx context.Context, orgIDs map[string]string) error {
	if err := a.seedDemoInvoicing(ctx, orgIDs[""]); err != nil {
		return fmt.Errorf("demo billing: %w", err)
	}
	product, team, err := a.demoTeamPlan(ctx)
	if err != nil {
		return err
	}
	if err := a.seedDemoOrders(ctx, orgIDs, team); err != nil {
		return err
	}
	// Invoice them now rather than at the first job run, and record
	// Umbrella's bank transfer.
	if err := a.seedDemoPayment(ctx, orgIDs["umbrella"]); err != nil {
		return err
	}
	// Umbrella, now subscribed, reviews CloudDrive for the storefront.
	if _, err := a.Outbox.DeliverPending(ctx); err != nil {
		return err
	}
	if err := a.seedDemoReview(ctx, orgIDs["umbrella"], product.ID); err != nil {
		return fmt.Errorf("demo review: %w", err)
	}
	return a.seedDemoStorefront(ctx, product.ID)
}

// seedDemoInvoicing sets up the operator's invoicing: its address and tax
// id, the demo's tax rates and the payment instructions.
func (a *App) seedDemoInvoicing(ctx context.Context, operatorID string) error {
	_, err := a.demoObject(ctx, "demo.billing.setup", func(ctx context.Context) (string, error) {
		if _, err := a.Identity.UpdateOrganization(ctx, operatorID, identity.UpdateOrganizationInput{Country: new("IT"),
			Address: new("Via Nephele 1\n20121 Milano MI"), TaxID: new("IT01234567890"), Email: new("billing@nephele.example")}); err != nil {
			return "", err
		}
		for _, t := range demoTaxes {
			if _, err := a.Billing.CreateTaxRate(ctx, billing.TaxRateInput{Country: new(t.country), Rate: decp(t.rate), Name: new(t.name),
				ReverseCharge: new(t.country != "GB")}); err != nil {
				return "", fmt.Errorf("tax %s: %w", t.country, err)
			}
		}
		_, err := a.Billing.UpdateSettings(ctx, billing.SettingsInput{PaymentInstructions: new(
			"Bank transfer to the marketplace, which collects for every seller on it:\nNephele Demo S.r.l. · IBAN IT60 X054 2811 1010 0000 0123 456 · BIC BPMOIT22")})
		return "settings", err
	})
	return err
}

// demoTeamPlan finds the CloudDrive product the demo customers buy and its
// Team plan.
func (a *App) demoTeamPlan(ctx context.Context) (catalog.Product, catalog.Plan, error) {
	ps, _, err := a.Catalog.SearchProducts(ctx, catalog.ProductFilter{Query: "clouddrive business"})
	if err != nil || len(ps) == 0 {
		return catalog.Product{}, catalog.Plan{}, fmt.Errorf("demo billing: the CloudDrive product: %v", err)
	}
	plans, err := a.Catalog.ListPlans(ctx, ps[0].ID, false)
	if err != nil {
		return catalog.Product{}, catalog.Plan{}, err
	}
	var team catalog.Plan
	for _, p := range plans {
		if p.Name == "Team" {
			team = p
		}
	}
	return ps[0], team, nil
}

// seedDemoOrders has Umbrella and Acme order the Team plan.
func (a *App) seedDemoOrders(ctx context.Context, orgIDs map[string]string, team catalog.Plan) error {
	// Umbrella takes 15 users in the tiered and stairstep extras, so its
	// invoice shows lines priced by range (1-9 × 5.00 + 10-15 × 3.00).
	users := map[string]money.Decimal{}
	for _, x := range team.Extras {
		if x.Name == "Users (tiered)" || x.Name == "Support pack (stairstep)" {
			users[x.ID] = money.DecimalFromInt(15)
		}
	}
	for _, c := range []struct {
		key, customer string
		quantities    map[string]money.Decimal
	}{{"umbrella", "umbrella", users}, {"acme", "acme", nil}} {
		if _, err := a.demoObject(ctx, "demo.order."+c.key, func(ctx context.Context) (string, error) {
			o, err := a.Subs.PlaceOrder(ctx, subscription.PlaceOrderInput{PlanID: team.ID, CustomerOrgID: orgIDs[c.customer], Quantities: c.quantities})
			return o.ID, err
		}); err != nil {
			return fmt.Errorf("demo order %s: %w", c.key, err)
		}
	}
	return nil
}

// seedDemoPayment invoices the demo orders and records Umbrella's bank
// transfer for its invoice.
func (a *App) seedDemoPayment(ctx context.Context, umbrellaID string) error {
	if _, err := a.Outbox.DeliverPending(ctx); err != nil {
		return err
	}
	if _, err := a.Billing.RunDue(ctx); err != nil {
		return err
	}
	_, err := a.demoObject(ctx, "demo.payment.umbrella", func(ctx context.Context) (string, error) {
		invs, _, err := a.Billing.ListInvoices(ctx, billing.InvoiceFilter{RecipientOrgID: umbrellaID})
		if err != nil || len(invs) == 0 {
			return "", fmt.Errorf("umbrella's invoice: %v", err)
		}
		p, err := a.Billing.RecordPayment(ctx, invs[0].ID, billing.PaymentInput{Reference: "BANK-2026-0001", ReceivedOn: a.DB.Now(ctx)})
		return p.ID, err
	})
	return err
}

// seedDemoReview has Umbrella review the product it bought.
func (a *App) seedDemoReview(ctx context.Context, umbrellaID, productID string) error {
	_, err := a.demoObject(ctx, "demo.review.umbrella", func(ctx context.Context) (string, error) {
		uctx, err := a.demoActorOf(ctx, umbrellaID)
		if err != nil {
			return "", err
		}
		r, err := a.Catalog.SubmitReview(uctx, productID, catalog.ReviewInput{Rating: 5, Title: "Our backups finally just work",
			Body: "We moved 40 people to the Team plan in an afternoon. Restores are quick and the admin console is clear."})
		return r.ID, err
	})
	return err
}

// seedDemoStorefront gives the marketplace its tagline and features the
// product on the storefront.
func (a *App) seedDemoStorefront(ctx context.Context, productID string) error {
	_, err := a.demoObject(ctx, "demo.branding", func(ctx context.Context) (string, error) {
		_, err := a.Identity.UpdateBranding(ctx, identity.BrandingInput{Tagline: new("Cloud services from trusted vendors, bought directly or through your reseller.")})
		return "tagline", err
	})
	if err != nil {
		return err
	}
	_, err = a.demoObject(ctx, "demo.featured", func(ctx context.Context) (string, error) {
		p, err := a.Catalog.FeatureProduct(ctx, productID, true)
		return p.ID, err
	})
	return err
}
