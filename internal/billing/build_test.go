package billing

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// The build stage without a database: charges and what prepare would
// read in, documents out.

var (
	bEUR   = money.MustCurrency("EUR")
	bUSD   = money.MustCurrency("USD")
	bStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	bEnd   = bStart.AddDate(0, 1, 0)
)

// testBuilder builds for customers in Italy (22% standard VAT, 10% on
// "reduced") from the marketplace "org_op" and sellers "org_a", "org_b".
func testBuilder() *builder {
	parties := map[string]Party{}
	for _, id := range []string{"org_op", "org_a", "org_b", "org_p", "org_q"} {
		parties[id] = Party{OrgID: id, Name: strings.ToUpper(id), Country: "IT"}
	}
	return &builder{set: DefaultSettings, operator: "org_op", now: bStart, parties: parties,
		taxes: taxTable{
			"IT/standard": {Country: "IT", Category: "standard", Rate: money.MustDecimal("22"), Name: "IVA 22%"},
			"IT/reduced":  {Country: "IT", Category: "reduced", Rate: money.MustDecimal("10"), Name: "IVA 10%"},
		},
		usage: map[usageKey]money.Decimal{}, fees: map[string]money.Decimal{}}
}

// quoteLine is a line of quantity q at unit price u, its amount rounded.
func quoteLine(kind pricing.LineKind, desc, q, u string, cur money.Currency) pricing.QuoteLine {
	qd, ud := money.MustDecimal(q), money.MustDecimal(u)
	a, err := money.Round(qd.Mul(ud), cur)
	if err != nil {
		panic(err)
	}
	return pricing.QuoteLine{Kind: kind, Description: desc, Quantity: qd, UnitPrice: ud, Amount: a,
		Period: &pricing.Period{Start: bStart, End: bEnd}}
}

// advance is an advance charge of payer to issuer for subscription sub.
func advance(id, payer, issuer, sub string, cur money.Currency, lines ...pricing.QuoteLine) charge {
	ps, pe := bStart, bEnd
	return charge{ID: id, Key: sub + "/" + ChargeAdvance + "/" + id, Kind: ChargeAdvance, PayerOrgID: payer, IssuerOrgID: issuer,
		SubscriptionID: sub, Currency: cur, PeriodStart: &ps, PeriodEnd: &pe, BillAt: bStart,
		Detail: chargeDetail{Label: "Drive", TaxCategory: "standard", Lines: lines}}
}

// buildAllOf builds charges as a run does, with ids inv_1, inv_2...
func buildAllOf(t *testing.T, b *builder, charges ...charge) ([]built, []failedDoc) {
	t.Helper()
	groups := group(charges)
	docIDs := make([]string, len(groups))
	for i := range docIDs {
		docIDs[i] = fmt.Sprintf("inv_%d", i+1)
	}
	return b.buildAll(groups, docIDs)
}

func mustBuild(t *testing.T, b *builder, charges ...charge) []built {
	t.Helper()
	docs, failed := buildAllOf(t, b, charges...)
	for _, f := range failed {
		t.Fatalf("document of %s (%v) failed: %v", f.payer, f.charges, f.err)
	}
	return docs
}

// amounts is the document's subtotal, tax and total, and each line's
// amount, as "subtotal+tax=total [a b c]".
func amounts(inv Invoice) string {
	var ls []string
	for _, l := range inv.Lines {
		ls = append(ls, l.Amount.String())
	}
	return fmt.Sprintf("%s+%s=%s [%s]", inv.Subtotal, inv.Tax, inv.Total, strings.Join(ls, " "))
}

func TestBuildOneDocumentPerPayerIssuerCurrencyAndKind(t *testing.T) {
	t.Parallel()
	licence := func(u string, cur money.Currency) pricing.QuoteLine {
		return quoteLine(pricing.LineLicence, "Licence", "1", u, cur)
	}
	proforma := advance("chg_5", "org_p", "org_a", "sub_5", bEUR, licence("7.00", bEUR))
	proforma.SelfBilled = true
	docs := mustBuild(t, testBuilder(),
		advance("chg_1", "org_q", "org_a", "sub_1", bEUR, licence("1.00", bEUR)),
		advance("chg_2", "org_p", "org_b", "sub_2", bEUR, licence("2.00", bEUR)),
		advance("chg_3", "org_p", "org_a", "sub_3", bEUR, licence("3.00", bEUR)),
		advance("chg_4", "org_p", "org_a", "sub_4", bUSD, licence("4.00", bUSD)),
		proforma,
		advance("chg_6", "org_p", "org_a", "sub_6", bEUR, licence("6.00", bEUR)),
	)
	var got []string
	for _, d := range docs {
		var cs []string
		for _, c := range d.charges {
			cs = append(cs, c.ID)
		}
		got = append(got, fmt.Sprintf("%s %s→%s %s %s %s %v", d.inv.ID, d.inv.IssuerOrgID, d.inv.RecipientOrgID, d.inv.Kind,
			d.inv.Currency, d.inv.Subtotal, cs))
	}
	want := []string{
		// payer, issuer, currency, then invoices before pro-formas
		"inv_1 org_a→org_p invoice EUR 9.00 [chg_3 chg_6]",
		"inv_2 org_a→org_p proforma EUR 7.00 [chg_5]",
		"inv_3 org_a→org_p invoice USD 4.00 [chg_4]",
		"inv_4 org_b→org_p invoice EUR 2.00 [chg_2]",
		"inv_5 org_a→org_q invoice EUR 1.00 [chg_1]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("documents:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBuildRules(t *testing.T) {
	t.Parallel()
	metric := pricing.PostpaidTerm{Kind: pricing.LineMetric, ID: "met_1", Key: "api_calls", Name: "API calls", Unit: "call",
		Included: money.MustDecimal("100"), Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: money.MustDecimal("0.01")}}
	prev := bStart.AddDate(0, -1, 0)
	tenths := make([]pricing.QuoteLine, 10)
	for i := range tenths {
		tenths[i] = quoteLine(pricing.LineExtraResource, fmt.Sprintf("Seat %d", i+1), "1", "1.005", bEUR)
	}
	for _, tc := range []struct {
		name    string
		charges func(b *builder) []charge
		want    string // amounts of the one document
		taxes   string // its tax lines, "name base tax"
		lines   string // its lines, "no kind description", when set
	}{
		{
			name: "advance and arrears together: the previous period's usage first, rated past what is included",
			charges: func(b *builder) []charge {
				b.usage[usageKey{"sub_1", "api_calls", prev.UnixNano()}] = money.MustDecimal("350")
				c := advance("chg_1", "org_p", "org_a", "sub_1", bEUR, quoteLine(pricing.LineLicence, "Drive: Licence", "1", "20.00", bEUR))
				c.Detail.Carried = &carried{ChargeID: "chg_0", Start: prev, End: bStart, Postpaid: []pricing.PostpaidTerm{metric}}
				return []charge{c}
			},
			want:  "22.50+4.95=27.45 [2.50 20.00]",
			taxes: "IVA 22% 22.50 4.95",
			lines: "1 metric Drive: API calls: 350 call, 100 included | 2 licence Drive: Licence",
		},
		{
			name: "tax per rate on the unrounded base, rounded once",
			charges: func(*builder) []charge {
				// Ten lines of 1.005 round to 1.01 each (10.10); the tax
				// is 22% of 10.05 (2.211 → 2.21), not of 10.10 (2.22)
				// nor ten taxes of 0.2211 (2.20).
				c := advance("chg_1", "org_p", "org_a", "sub_1", bEUR, tenths...)
				r := advance("chg_2", "org_p", "org_a", "sub_2", bEUR, quoteLine(pricing.LineLicence, "Book", "3", "3.335", bEUR))
				r.Detail.TaxCategory = "reduced"
				return []charge{c, r}
			},
			want:  "20.11+3.21=23.32 [1.01 1.01 1.01 1.01 1.01 1.01 1.01 1.01 1.01 1.01 10.01]",
			taxes: "IVA 22% 10.10 2.21 | IVA 10% 10.01 1.00",
		},
		{
			name: "a zero total: a licence fully discounted",
			charges: func(*builder) []charge {
				return []charge{advance("chg_1", "org_p", "org_a", "sub_1", bEUR,
					quoteLine(pricing.LineLicence, "Drive: Licence", "1", "20.00", bEUR),
					quoteLine(pricing.LineCouponDiscount, "Coupon FREE", "1", "-20.00", bEUR))}
			},
			want:  "0.00+0.00=0.00 [20.00 -20.00]",
			taxes: "IVA 22% 0.00 0.00",
		},
		{
			name: "a credit line: an upgrade's unused part credited on its own invoice",
			charges: func(*builder) []charge {
				c := advance("chg_1", "org_p", "org_a", "sub_1", bEUR,
					quoteLine(LineProrationCharge, "Drive Pro for the remaining 360 of 720 hours", "1", "15.00", bEUR),
					quoteLine(LineProrationCredit, "Unused part of Drive", "1", "-5.00", bEUR))
				c.Kind = ChargeChange
				return []charge{c}
			},
			want:  "10.00+2.20=12.20 [15.00 -5.00]",
			taxes: "IVA 22% 10.00 2.20",
		},
		{
			name: "lines ordered as issued: charges by bill time, then key; each charge's lines in order",
			charges: func(*builder) []charge {
				late := advance("chg_1", "org_p", "org_a", "sub_a", bEUR, quoteLine(pricing.LineLicence, "A", "1", "1.00", bEUR))
				late.BillAt = bStart.Add(time.Hour)
				c := advance("chg_2", "org_p", "org_a", "sub_c", bEUR, quoteLine(pricing.LineLicence, "C", "1", "3.00", bEUR),
					quoteLine(pricing.LineSetupFee, "C setup", "1", "0.50", bEUR))
				b := advance("chg_3", "org_p", "org_a", "sub_b", bEUR, quoteLine(pricing.LineLicence, "B", "1", "2.00", bEUR))
				return []charge{late, c, b}
			},
			want:  "6.50+1.43=7.93 [2.00 3.00 0.50 1.00]",
			taxes: "IVA 22% 6.50 1.43",
			lines: "1 licence B | 2 licence C | 3 setup_fee C setup | 4 licence A",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := testBuilder()
			docs := mustBuild(t, b, tc.charges(b)...)
			if len(docs) != 1 {
				t.Fatalf("%d documents, want 1", len(docs))
			}
			inv := docs[0].inv
			if got := amounts(inv); got != tc.want {
				t.Errorf("amounts %s, want %s", got, tc.want)
			}
			var taxes []string
			for _, x := range inv.Taxes {
				taxes = append(taxes, fmt.Sprintf("%s %s %s", x.Name, x.Base, x.Tax))
			}
			if got := strings.Join(taxes, " | "); got != tc.taxes {
				t.Errorf("taxes %s, want %s", got, tc.taxes)
			}
			if inv.AmountDue != inv.Total || !inv.Paid.IsZero() || !inv.Credited.IsZero() {
				t.Errorf("due %s, paid %s, credited %s of a total %s", inv.AmountDue, inv.Paid, inv.Credited, inv.Total)
			}
			if tc.lines != "" {
				var ls []string
				for _, l := range inv.Lines {
					ls = append(ls, fmt.Sprintf("%d %s %s", l.LineNo, l.Kind, l.Description))
				}
				if got := strings.Join(ls, " | "); got != tc.lines {
					t.Errorf("lines %s, want %s", got, tc.lines)
				}
			}
			if docs[0].lines == "" || docs[0].journal.RefID != inv.ID {
				t.Errorf("stored lines %q, journal of %q", docs[0].lines, docs[0].journal.RefID)
			}
		})
	}
}

// A document that would total below zero fails alone; the others build.
func TestBuildNegativeTotalFailsAlone(t *testing.T) {
	t.Parallel()
	bad := advance("chg_1", "org_p", "org_a", "sub_1", bEUR,
		quoteLine(LineProrationCharge, "Drive Pro", "1", "5.00", bEUR),
		quoteLine(LineProrationCredit, "Unused part of Drive", "1", "-10.00", bEUR))
	good := advance("chg_2", "org_q", "org_a", "sub_2", bEUR, quoteLine(pricing.LineLicence, "Drive: Licence", "1", "20.00", bEUR))
	docs, failed := buildAllOf(t, testBuilder(), bad, good)
	if len(failed) != 1 || failed[0].payer != "org_p" || failed[0].charges[0] != "chg_1" ||
		!strings.Contains(failed[0].err.Error(), "below zero") {
		t.Fatalf("failed %+v, want org_p's document below zero", failed)
	}
	if len(docs) != 1 || amounts(docs[0].inv) != "20.00+4.40=24.40 [20.00]" {
		t.Fatalf("documents %d, want org_q's 20.00+4.40=24.40", len(docs))
	}
}

// Unused metrics bill nothing: no document.
func TestBuildNothingToInvoice(t *testing.T) {
	t.Parallel()
	ps, pe := bStart, bEnd
	c := charge{ID: "chg_1", Key: "sub_1/arrears", Kind: ChargeArrears, PayerOrgID: "org_p", IssuerOrgID: "org_a", SubscriptionID: "sub_1",
		Currency: bEUR, PeriodStart: &ps, PeriodEnd: &pe, BillAt: bEnd, Detail: chargeDetail{Label: "Drive", TaxCategory: "standard",
			Postpaid: []pricing.PostpaidTerm{{Kind: pricing.LineMetric, ID: "met_1", Key: "api_calls",
				Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: money.MustDecimal("0.01")}}}}}
	docs, failed := buildAllOf(t, testBuilder(), c)
	if len(docs) != 0 || len(failed) != 0 {
		t.Fatalf("documents %d, failed %d: want none", len(docs), len(failed))
	}
}
