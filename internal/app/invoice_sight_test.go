package app_test

import (
	"context"
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// TestInvoiceSightAgreesWithLists pins that who may read a document is
// price visibility's decision (billing.MayReadInvoice, which asks
// channel.PriceSight) and that the SQL filter of invoice lists selects
// exactly those documents: for every role and every document of the
// priced channel (the customer's invoice, its credit note, and whatever
// the run issued up the chain), the role's list holds the document iff
// PriceSight grants it the buyer's price or every price, and reading it
// succeeds iff so.
func TestInvoiceSightAgreesWithLists(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			pc := newPricedChannel(t, en)
			pc.issueInvoices(t, en)
			if _, err := en.app.Billing.CreateCreditNote(en.world.As(t, "admin"), pc.invoiceID, billing.CreditNoteInput{Reason: "Goodwill"}); err != nil {
				t.Fatal(err)
			}
			sys := actor.With(context.Background(), actor.System)
			all, _, err := en.app.Billing.ListInvoices(sys, billing.InvoiceFilter{Page: page.Request{Limit: 200}})
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]bool{}
			for _, inv := range all {
				kinds[inv.Kind] = true
			}
			if !kinds[billing.KindInvoice] || !kinds[billing.KindCreditNote] {
				t.Fatalf("documents of the fixture: %v", kinds)
			}
			readers := map[string]int{}
			for _, who := range priceRoles {
				if who == "" {
					continue // anonymous callers are refused before any document
				}
				ctx := en.world.As(t, who)
				a := actor.From(ctx)
				listed, _, err := en.app.Billing.ListInvoices(ctx, billing.InvoiceFilter{Page: page.Request{Limit: 200}})
				if err != nil {
					t.Fatalf("%s lists: %v", who, err)
				}
				inList := map[string]bool{}
				for _, inv := range listed {
					inList[inv.ID] = true
				}
				for _, inv := range all {
					may := billing.MayReadInvoice(a, inv)
					if inList[inv.ID] != may {
						t.Errorf("%s, %s %s (issuer %s, recipient %s): listed %v, PriceSight grants %v", who, inv.Kind, inv.ID,
							inv.IssuerOrgID, inv.RecipientOrgID, inList[inv.ID], may)
					}
					_, err := en.app.Billing.GetInvoice(ctx, inv.ID)
					if (err == nil) != may {
						t.Errorf("%s reads %s %s: %v, PriceSight grants %v", who, inv.Kind, inv.ID, err, may)
					}
					if may {
						readers[inv.ID]++
					}
				}
				if len(listed) > len(all) {
					t.Errorf("%s lists %d documents of %d", who, len(listed), len(all))
				}
			}
			// Every document is read by staff (3) and at least one party.
			for _, inv := range all {
				if readers[inv.ID] < 4 {
					t.Errorf("%s %s is read by %d roles", inv.Kind, inv.ID, readers[inv.ID])
				}
			}
		})
	}
}
