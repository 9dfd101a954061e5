package app_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// TestReportSightEveryRoleEveryReport reads every report (the balance
// report, the proceeds, the statement) of every organization as every
// fixture user: a report answers iff the organization is of a kind the
// report is for, the caller's role holds the financial reports function,
// and price visibility shows the caller that party's book (staff, or the
// party itself: billing.MayReadReport over channel.PriceSight); anyone
// else is told the organization does not exist. The field-level rows of
// the same reports are in TestPriceVisibilityMatrix.
func TestReportSightEveryRoleEveryReport(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			reports := []struct {
				name  string
				kinds []identity.OrgKind
				read  func(ctx context.Context, orgID string) error
			}{
				{"balance report", []identity.OrgKind{identity.VendorOrg}, func(ctx context.Context, id string) error {
					_, err := en.app.Billing.VendorBalance(ctx, id, "2026-11")
					return err
				}},
				{"proceeds", []identity.OrgKind{identity.DistributorOrg, identity.ResellerOrg, identity.Operator}, func(ctx context.Context, id string) error {
					_, err := en.app.Billing.ChannelProceeds(ctx, id, "2026-11")
					return err
				}},
				{"statement", []identity.OrgKind{identity.VendorOrg, identity.DistributorOrg, identity.ResellerOrg, identity.CustomerOrg, identity.Operator},
					func(ctx context.Context, id string) error {
						_, err := en.app.Billing.PartyStatement(ctx, id, from, from.AddDate(0, 1, 0))
						return err
					}},
			}
			users := make([]string, 0, len(en.world.Users))
			for u := range en.world.Users {
				users = append(users, u)
			}
			sort.Strings(users)
			read := 0
			for _, who := range users {
				ctx := en.world.As(t, who)
				a := actor.From(ctx)
				staff := identity.Role(a.Role).Staff()
				for _, orgName := range sortedKeys(en.world.Orgs) {
					org := en.world.Orgs[orgName]
					if got, want := billing.MayReadReport(a, org.ID), staff || a.OrgID == org.ID; got != want {
						t.Errorf("%s, book of %s: MayReadReport %v, want %v", who, orgName, got, want)
					}
					for _, r := range reports {
						fits := false
						for _, k := range r.kinds {
							fits = fits || org.Kind == k
						}
						want := fits && (staff || a.OrgID == org.ID) && identity.Can(identity.Role(a.Role), identity.FinancialReports)
						err := r.read(ctx, org.ID)
						switch {
						case want && err != nil:
							t.Errorf("%s reads the %s of %s: %v", who, r.name, orgName, err)
						case !want && !errs.Is(err, "organization_not_found"):
							t.Errorf("%s reads the %s of %s: %v, want organization_not_found", who, r.name, orgName, err)
						case want:
							read++
						}
					}
				}
			}
			if read == 0 {
				t.Fatal("no report was read")
			}
		})
	}
}
