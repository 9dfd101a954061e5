package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// On a marketplace where nobody has ordered yet, twenty customers order
// at the same moment: every order is placed (whatever the first order
// creates, a second one racing it finds or waits for, never a 500).
func TestConcurrentFirstOrders(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			_, plans := catalogtest.Published(t, en.app.Catalog, en.world.Orgs["vendor_a"].ID, "First Orders", catalog.PlanInput{
				Name: catalogtest.Ptr("Monthly"), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
				RecurringPrice: catalogtest.DP("9.00")})
			const n = 20
			tokens := make([]string, n)
			sys := actor.With(context.Background(), actor.System)
			for i := range tokens {
				name := fmt.Sprintf("first-%02d", i)
				// Half buy from the marketplace, half from a reseller (whose
				// catalog and the distributor's above it are first used too).
				parent := en.world.Orgs[[]string{"operator", "reseller_a"}[i%2]].ID
				org, err := en.app.Identity.CreateOrganization(sys, identity.CreateOrganizationInput{Kind: identity.CustomerOrg,
					ParentID: parent, Name: name, Email: name + "@example.com", Country: "IT"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := en.app.Identity.CreateUser(sys, identity.CreateUserInput{OrgID: org.ID, Email: name + "@example.com", Name: name,
					Password: identitytest.Password}); err != nil {
					t.Fatal(err)
				}
				res, err := en.app.Identity.Login(context.Background(), identity.LoginInput{Email: name + "@example.com", Password: identitytest.Password})
				if err != nil {
					t.Fatal(err)
				}
				tokens[i] = res.Token
			}
			answers := make([]response, n)
			var wg sync.WaitGroup
			for i, tok := range tokens {
				wg.Go(func() {
					answers[i] = en.do("POST", "/api/v1/orders", tok, map[string]any{"plan_id": plans[0].ID})
				})
			}
			wg.Wait()
			for i, r := range answers {
				if r.Status != 201 {
					t.Errorf("order %d: %d %s", i, r.Status, r.Body)
				}
			}
		})
	}
}
