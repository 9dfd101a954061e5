package billing_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// lineNamed is the line of inv whose description contains name.
func lineNamed(t *testing.T, inv billing.Invoice, name string) billing.Line {
	t.Helper()
	for _, l := range inv.Lines {
		if strings.Contains(l.Description, name) {
			return l
		}
	}
	t.Fatalf("no line %q in %v", name, amounts(inv))
	return billing.Line{}
}

// wantRanges checks that a line's amount is explained by its ranges and
// not by a unit price: no unit_price in its JSON, ranges whose amounts
// add up to the amount, and the summary.
func wantRanges(t *testing.T, l billing.Line, summary string) {
	t.Helper()
	if l.UnitPrice != nil {
		t.Errorf("%s: unit price %s beside ranges", l.Description, l.UnitPrice)
	}
	sum := money.NewAmount(0, l.Amount.Currency())
	for _, r := range l.Ranges {
		var err error
		if sum, err = sum.Add(r.Amount); err != nil {
			t.Fatal(err)
		}
	}
	if len(l.Ranges) == 0 || sum != l.Amount {
		t.Errorf("%s: ranges %+v add up to %s, the line is %s", l.Description, l.Ranges, sum, l.Amount)
	}
	if l.RangesSummary != summary {
		t.Errorf("%s: summary %q, want %q", l.Description, l.RangesSummary, summary)
	}
	raw, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["unit_price"]; ok {
		t.Errorf("%s: JSON has a unit_price: %s", l.Description, raw)
	}
	if rs, _ := m["ranges"].([]any); len(rs) != len(l.Ranges) {
		t.Errorf("%s: JSON ranges %s", l.Description, raw)
	}
}

// The seed example (15 users; ranges 1-9 at 5.00 and 10+ at 3.00,
// stairstep 30.00 and 100.00 flat): the tiered line (63.00) and the
// stairstep line (100.00) carry ranges that add up to their amounts and
// no unit price; the volume line (45.00) is 15 × 3.00. The same holds on
// the renewal invoice, from the charge's stored detail, and in the PDF.
func TestTieredAndStairstepLinesShowTheirRanges(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		p := f.plans["Seed"]
		q := map[string]string{}
		for _, x := range p.Extras {
			q[x.ID] = "15"
		}
		f.order("customer_direct", subscription.PlaceOrderInput{PlanID: p.ID, Quantities: decimals(q)})
		f.pay(f.invoices("customer_direct")[0])
		f.advance(start.AddDate(0, 1, 0).Add(time.Hour))
		invs := f.invoices("customer_direct")
		if len(invs) != 2 {
			t.Fatalf("%d invoices", len(invs))
		}
		for _, inv := range invs {
			wantRanges(t, lineNamed(t, inv, "Users (tiered)"), "1-9 × 5.00 + 10-15 × 3.00 = 63.00")
			wantRanges(t, lineNamed(t, inv, "Users (stairstep)"), "10+ flat 100.00 = 100.00")
			vol := lineNamed(t, inv, "Users (volume)")
			if vol.UnitPrice == nil || vol.UnitPrice.String() != "3" || len(vol.Ranges) != 0 || vol.Amount.String() != "45.00" {
				t.Errorf("volume line %+v", vol)
			}
			lic := lineNamed(t, inv, "Licence")
			if lic.UnitPrice == nil || lic.UnitPrice.String() != "20" {
				t.Errorf("licence line %+v", lic)
			}
		}
		pdf, _, err := f.bill.InvoicePDF(f.as("admin"), invs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, pdf)
		for _, want := range []string{"1-9 × EUR 5.00 = EUR 45.00", "10-15 × EUR 3.00 = EUR 18.00", "10+ flat EUR 100.00 = EUR 100.00"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF lacks %q:\n%s", want, text)
			}
		}
	})
}

// The upcoming invoice, a draft built from the pending charges, explains
// its lines the same way.
func TestUpcomingInvoiceShowsRanges(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		p := f.plans["Seed"]
		q := map[string]string{}
		for _, x := range p.Extras {
			q[x.ID] = "15"
		}
		if _, err := f.subs.PlaceOrder(f.as("customer_direct"), subscription.PlaceOrderInput{PlanID: p.ID, Quantities: decimals(q)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ob.DeliverPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		up, err := f.bill.UpcomingInvoice(f.as("customer_direct"), f.org("customer_direct"))
		if err != nil {
			t.Fatal(err)
		}
		if len(up.Invoices) != 1 {
			t.Fatalf("upcoming %+v", up)
		}
		wantRanges(t, lineNamed(t, up.Invoices[0], "Users (tiered)"), "1-9 × 5.00 + 10-15 × 3.00 = 63.00")
		wantRanges(t, lineNamed(t, up.Invoices[0], "Users (stairstep)"), "10+ flat 100.00 = 100.00")
	})
}

// Usage rated in arrears by a tiered scheme carries its ranges, with
// amounts rounded so that they add up to the line's amount.
func TestTieredUsageLineShowsItsRanges(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		f.product("vendor_a", "Mail", false, plan("Tiered mail", "renewable_months", "1.00", func(in *catalog.PlanInput) {
			in.Metrics = &[]catalog.MetricInput{{Key: "mails", Name: "Mails", Unit: "mail", Aggregation: "sum",
				Scheme: pricing.Scheme{Kind: pricing.SchemeTiered, Ranges: []pricing.Range{
					{From: dec("1"), To: decp("3"), UnitPrice: dec("0.005")},
					{From: dec("4"), UnitPrice: dec("0.005"), FlatPrice: dec("1.00")},
				}}}}
		}))
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Tiered mail"].ID})
		if _, err := f.bill.RecordUsage(f.as("vendor_a"), o.SubscriptionID, billing.UsageInput{Item: "mails", Quantity: dec("6")}); err != nil {
			t.Fatal(err)
		}
		f.advance(start.AddDate(0, 1, 0).Add(time.Hour))
		invs := f.invoices("customer_direct")
		// 3 × 0.005 = 0.015 and 3 × 0.005 + 1.00 = 1.015: 1.03 in all,
		// shown as 0.02 and 1.01 (the running total rounded).
		l := lineNamed(t, invs[len(invs)-1], "Mails")
		wantRanges(t, l, "1-3 × 0.005 + 4-6 × 0.005 + flat 1.00 = 1.03")
		if got := l.RangeTexts(); strings.Join(got, "; ") != "1-3 × EUR 0.005 = EUR 0.02; 4-6 × EUR 0.005 + flat EUR 1.00 = EUR 1.01" {
			t.Errorf("range texts %q", got)
		}
	})
}

// pdfText is the text of pdf as pdftotext reads it, runs of space
// collapsed. It skips the test without pdftotext unless
// NEPHELE_TEST_REQUIRE_PDFTOTEXT=1.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("NEPHELE_TEST_REQUIRE_PDFTOTEXT") == "1" {
			t.Fatal("pdftotext is not on PATH (install poppler-utils)")
		}
		t.Skip("pdftotext is not on PATH (install poppler-utils)")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}
