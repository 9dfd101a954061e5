package invoicepdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Set INVOICEPDF_OUT to a directory to keep the rendered PDFs for a look.
const outDirEnv = "INVOICEPDF_OUT"

var eur = money.MustCurrency("EUR")

func amt(s string) money.Amount {
	a, err := money.ParseAmount(s, eur)
	if err != nil {
		panic(err)
	}
	return a
}

func dec(s string) money.Decimal { return money.MustDecimal(s) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

var (
	issuer = Party{
		Name:    "Acme Cloud S.r.l.",
		Address: "Via Roma 1\n20121 Milano MI",
		Country: "IT",
		TaxID:   "IT01234567890",
		Email:   "billing@acme-cloud.example",
	}
	recipient = Party{
		Name:    "Zoë Łukasiewicz GmbH",
		Address: "Straße 1\n10115 Berlin",
		Country: "DE",
		TaxID:   "DE123456789",
		Email:   "accounts@lukasiewicz.example",
	}
)

const paymentInstructions = "Bank transfer to Acme Cloud S.r.l.\nIBAN IT60 X054 2811 1010 0000 0123 456 · BIC BPMOIT22XXX\nReference: INV-2026-000123"

func sampleInvoice() Document {
	return Document{
		Kind:      "invoice",
		Number:    "INV-2026-000123",
		Status:    "issued",
		IssuedAt:  day(2026, time.April, 1),
		DueAt:     ptr(day(2026, time.April, 15)),
		Issuer:    issuer,
		Recipient: recipient,
		Lines: []Line{
			{
				Description: "Managed PostgreSQL — Business plan, 4 vCPU, 16 GB RAM, 500 GB storage, daily backups with 30-day retention and point-in-time recovery",
				PeriodStart: ptr(day(2026, time.April, 1)),
				PeriodEnd:   ptr(day(2026, time.May, 1)),
				Quantity:    dec("1"),
				UnitPrice:   dec("1250"),
				Amount:      amt("1250.00"),
				TaxRate:     dec("22"),
			},
			{
				Description: "Object storage egress (GB)",
				Quantity:    dec("1234.5"),
				UnitPrice:   dec("0.0125"),
				Amount:      amt("15.43"),
				TaxRate:     dec("10"),
			},
			{
				Description: "Launch discount 10 %",
				Quantity:    dec("1"),
				Amount:      amt("-125.00"),
				TaxRate:     dec("22"),
			},
		},
		Subtotal: amt("1140.43"),
		Taxes: []TaxLine{
			{Name: "VAT IT", Rate: dec("22"), Base: amt("1125.00"), Tax: amt("247.50")},
			{Name: "VAT IT", Rate: dec("10"), Base: amt("15.43"), Tax: amt("1.54")},
		},
		Tax:                 amt("249.04"),
		Total:               amt("1389.47"),
		Paid:                amt("500.00"),
		AmountDue:           amt("889.47"),
		PaymentInstructions: paymentInstructions,
		Notes: []string{
			"Thank you for your business. Late payments incur interest at the statutory rate; a reminder fee of € 40 may apply.",
			"Questions about this invoice? Write to billing@acme-cloud.example and quote the invoice number.",
		},
		Footer: "Nephele Marketplace",
	}
}

func sampleCreditNote() Document {
	return Document{
		Kind:      "credit_note",
		Number:    "CN-2026-000007",
		Status:    "issued",
		IssuedAt:  day(2026, time.April, 20),
		Issuer:    issuer,
		Recipient: recipient,
		Lines: []Line{{
			Description: "Refund: Managed PostgreSQL — Business plan (service outage 12–14 Apr 2026)",
			PeriodStart: ptr(day(2026, time.April, 12)),
			PeriodEnd:   ptr(day(2026, time.April, 14)),
			Quantity:    dec("1"),
			UnitPrice:   dec("83.33"),
			Amount:      amt("83.33"),
			TaxRate:     dec("22"),
		}},
		Subtotal: amt("83.33"),
		Taxes:    []TaxLine{{Name: "VAT IT", Rate: dec("22"), Base: amt("83.33"), Tax: amt("18.33")}},
		Tax:      amt("18.33"),
		Total:    amt("101.66"),
		CreditOf: "INV-2026-000123",
		Reason:   "Service credit for the outage of 12–14 April 2026 (SLA 99.9 %).",
		Footer:   "Nephele Marketplace",
	}
}

func sampleProforma() Document {
	return Document{
		Kind:      "proforma",
		Number:    "PF-2026-000042",
		Status:    "issued",
		IssuedAt:  day(2026, time.March, 28),
		DueAt:     ptr(day(2026, time.April, 11)),
		Issuer:    issuer,
		Recipient: Party{Name: "Gdańsk Ørsted & Søn Sp. z o.o.", Address: "ul. Długa 5\n80-827 Gdańsk", Country: "PL", TaxID: "PL5260250274"},
		Lines: []Line{{
			Description: "Annual subscription — Team plan (10 seats)",
			PeriodStart: ptr(day(2026, time.April, 1)),
			PeriodEnd:   ptr(day(2027, time.April, 1)),
			Quantity:    dec("10"),
			UnitPrice:   dec("240"),
			Amount:      amt("2400.00"),
			TaxRate:     dec("0"),
		}},
		Subtotal:            amt("2400.00"),
		Taxes:               []TaxLine{{Name: "VAT", Rate: dec("0"), Base: amt("2400.00"), Tax: amt("0.00")}},
		Tax:                 amt("0.00"),
		Total:               amt("2400.00"),
		AmountDue:           amt("2400.00"),
		ReverseCharge:       true,
		PaymentInstructions: "Bank transfer to Acme Cloud S.r.l.\nIBAN IT60 X054 2811 1010 0000 0123 456\nReference: PF-2026-000042",
		Footer:              "Nephele Marketplace",
	}
}

func sampleDraft() Document {
	d := sampleInvoice()
	d.Number = ""
	d.Status = "draft"
	d.Paid = money.Amount{}
	d.AmountDue = d.Total
	return d
}

func sampleLong(n int) Document {
	d := sampleInvoice()
	d.Number = "INV-2026-000999"
	d.Lines = nil
	total := int64(0)
	for i := 1; i <= n; i++ {
		minor := int64(1000 + 37*i)
		total += minor
		l := Line{
			Description: fmt.Sprintf("Compute instance vm-%04d (2 vCPU, 4 GB)", i),
			Quantity:    dec("720"),
			UnitPrice:   dec("0.0139"),
			Amount:      money.NewAmount(minor, eur),
			TaxRate:     dec("22"),
		}
		if i%10 == 0 {
			l.PeriodStart, l.PeriodEnd = ptr(day(2026, time.April, 1)), ptr(day(2026, time.May, 1))
		}
		d.Lines = append(d.Lines, l)
	}
	d.Lines[n-1].Description = "Last line: support plan Enterprise"
	sub := money.NewAmount(total, eur)
	tax, _ := money.Tax(sub.Decimal(), dec("0.22"), eur) // money.Tax takes a fraction
	tot, _ := sub.Add(tax)
	d.Subtotal, d.Tax, d.Total = sub, tax, tot
	d.Taxes = []TaxLine{{Name: "VAT IT", Rate: dec("22"), Base: sub, Tax: tax}}
	d.Paid, d.AmountDue = money.Amount{}, tot
	return d
}

func sampleTable() Table {
	t := Table{
		Title:    "Balance report — November 2026",
		Subtitle: "1 Nov 2026 – 30 Nov 2026 · EUR",
		Party:    Party{Name: "Zoë Łukasiewicz GmbH", Address: "Straße 1\n10115 Berlin", Country: "DE", TaxID: "DE123456789"},
		Columns:  []string{"Date", "Reference", "Description", "Gross sales", "Marketplace fee", "Refunds", "Payouts", "Balance"},
		Align:    []string{"left", "left", "left", "right", "right", "right", "right", "right"},
		Notes:    []string{"Balances in EUR. The payout of 5 Dec 2026 settles the balance at the end of the month; amounts in £ and $ were converted at the ECB rate of the sale day."},
		Footer:   "Nephele Marketplace",
	}
	bal := 0.0
	_ = bal
	for i := 1; i <= 12; i++ {
		t.Rows = append(t.Rows, []string{
			formatDate(day(2026, time.November, i*2)),
			fmt.Sprintf("ORD-2026-%06d", 4100+i),
			fmt.Sprintf("Subscription renewal, Team plan — customer #%d", 700+i),
			"EUR 1,200.00", "EUR -120.00", "", "", fmt.Sprintf("EUR %d,080.00", i),
		})
	}
	t.Rows = append(t.Rows, []string{"30 Nov 2026", "PAY-2026-000031", "Payout to IBAN DE89 3704 0044 0532 0130 00", "", "", "", "EUR -12,960.00", "EUR 0.00"})
	t.Totals = [][]string{{"", "", "Total November 2026", "EUR 14,400.00", "EUR -1,440.00", "EUR 0.00", "EUR -12,960.00", "EUR 0.00"}}
	return t
}

func render(t *testing.T, name string, doc Document) []byte {
	t.Helper()
	pdf, err := Render(doc)
	if err != nil {
		t.Fatalf("Render %s: %v", name, err)
	}
	checkPDF(t, name, pdf)
	return pdf
}

func checkPDF(t *testing.T, name string, pdf []byte) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("%s: output does not start with %%PDF: %q", name, pdf[:min(len(pdf), 20)])
	}
	if len(pdf) < 5000 {
		t.Fatalf("%s: only %d bytes", name, len(pdf))
	}
	if dir := os.Getenv(outDirEnv); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".pdf"), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pdfText returns the text of pdf extracted by pdftotext -layout, with runs
// of spaces collapsed to one. It skips the test when pdftotext is missing
// unless NEPHELE_TEST_REQUIRE_PDFTOTEXT=1.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("NEPHELE_TEST_REQUIRE_PDFTOTEXT") == "1" {
			t.Fatal("pdftotext is not on PATH (install poppler-utils) and NEPHELE_TEST_REQUIRE_PDFTOTEXT=1")
		}
		t.Skip("pdftotext is not on PATH (install poppler-utils); text checks skipped")
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// pdfPages returns the number of pages pdftotext finds (form feeds).
func pdfPages(t *testing.T, pdf []byte) int {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Count(string(out), "\f")
}

func assertContains(t *testing.T, name, text string, want ...string) {
	t.Helper()
	missing := false
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s: text does not contain %q", name, w)
			missing = true
		}
	}
	if missing {
		t.Logf("%s text:\n%s", name, text)
	}
}

func TestRenderDocuments(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		doc  Document
		want []string
	}{
		{"invoice", sampleInvoice(), []string{
			"Invoice", "INV-2026-000123", "Acme Cloud S.r.l.", "VAT/Tax ID: IT01234567890", "Italy",
			"Zoë Łukasiewicz GmbH", "Straße 1", "10115 Berlin", "Germany", "VAT/Tax ID: DE123456789",
			"1 Apr 2026", "15 Apr 2026", "1 Apr 2026 – 1 May 2026",
			"Managed PostgreSQL — Business plan", "point-in-time recovery", "Object storage egress (GB)", "Launch discount 10 %",
			"EUR 1,250.00", "EUR 0.0125", "1,234.5", "EUR 15.43", "EUR -125.00",
			"Subtotal EUR 1,140.43", "VAT IT 22 % on 1,125.00 EUR 247.50", "VAT IT 10 % on 15.43 EUR 1.54",
			"Total EUR 1,389.47", "Paid EUR 500.00", "Amount due EUR 889.47",
			"Payment instructions", "IBAN IT60 X054 2811 1010 0000 0123 456", "€ 40",
			"Nephele Marketplace", "Page 1 of 1",
		}},
		{"credit-note", sampleCreditNote(), []string{
			"Credit note", "CN-2026-000007", "Zoë Łukasiewicz GmbH", "Credit note for invoice INV-2026-000123",
			"Reason: Service credit for the outage", "Refund: Managed PostgreSQL", "12 Apr 2026 – 14 Apr 2026",
			"Subtotal EUR 83.33", "VAT IT 22 % on 83.33 EUR 18.33", "Total EUR 101.66",
		}},
		{"proforma", sampleProforma(), []string{
			"Pro-forma invoice", "PF-2026-000042", "Gdańsk Ørsted & Søn Sp. z o.o.", "ul. Długa 5", "Poland",
			"not a tax invoice", "No payment is requested through the platform",
			"Annual subscription — Team plan (10 seats)", "EUR 240.00", "EUR 2,400.00",
			"Reverse charge: tax to be accounted for by the recipient", "Total EUR 2,400.00",
		}},
		{"draft", sampleDraft(), []string{
			"Invoice", "DRAFT", "Preview only", "Zoë Łukasiewicz GmbH", "Total EUR 1,389.47", "Amount due EUR 1,389.47",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pdf := render(t, c.name, c.doc)
			text := pdfText(t, pdf)
			assertContains(t, c.name, text, c.want...)
			for _, l := range c.doc.Lines {
				if len(l.Description) < 60 {
					assertContains(t, c.name, text, l.Description)
				}
			}
			if c.doc.Kind != "invoice" && strings.Contains(text, "Amount due") {
				t.Errorf("%s: prints an amount due", c.name)
			}
		})
	}
}

func TestRenderPaidInvoice(t *testing.T) {
	t.Parallel()
	d := sampleInvoice()
	d.Status = "paid"
	d.Paid, d.AmountDue = d.Total, amt("0")
	text := pdfText(t, render(t, "paid", d))
	assertContains(t, "paid", text, "Status Paid", "Paid EUR 1,389.47", "Amount due EUR 0.00")
	if strings.Contains(text, "Payment instructions") {
		t.Error("paid invoice asks for payment")
	}
}

func TestRenderVoidInvoice(t *testing.T) {
	t.Parallel()
	d := sampleInvoice()
	d.Status = "void"
	d.Reason = "Issued to the wrong customer."
	pdf := render(t, "void", d)
	text := pdfText(t, pdf)
	assertContains(t, "void", text, "VOID", "INV-2026-000123", "REASON", "Issued to the wrong customer.")
	if strings.Contains(text, "Payment instructions") {
		t.Error("void invoice asks for payment")
	}
}

func TestRenderManyLinesFlowsOntoPages(t *testing.T) {
	t.Parallel()
	d := sampleLong(120)
	pdf := render(t, "long", d)
	text := pdfText(t, pdf)
	for _, l := range d.Lines {
		assertContains(t, "long", text, l.Description)
	}
	assertContains(t, "long", text, "Last line: support plan Enterprise", "Total "+formatAmount(d.Total, eur))
	pages := pdfPages(t, pdf)
	if pages < 3 {
		t.Errorf("120 lines on %d pages", pages)
	}
	// the table header is repeated on every page the table runs on
	if got := strings.Count(text, "Description Qty Unit price Tax Amount"); got < pages-1 {
		t.Errorf("table header printed %d times on %d pages", got, pages)
	}
	assertContains(t, "long", text, fmt.Sprintf("Page %d of %d", pages, pages))
}

func TestRenderTable(t *testing.T) {
	t.Parallel()
	tb := sampleTable()
	pdf, err := RenderTable(tb)
	if err != nil {
		t.Fatal(err)
	}
	checkPDF(t, "table", pdf)
	text := pdfText(t, pdf)
	assertContains(t, "table", text, "Balance report — November 2026", "1 Nov 2026 – 30 Nov 2026 · EUR", "Zoë Łukasiewicz GmbH")
	assertContains(t, "table", text, tb.Columns...)
	for _, r := range append(tb.Rows, tb.Totals...) {
		for _, c := range r {
			assertContains(t, "table", text, c)
		}
	}
	assertContains(t, "table", text, "amounts in £ and $", "Nephele Marketplace", "Page 1 of")
}

func TestRenderTableManyRows(t *testing.T) {
	t.Parallel()
	tb := Table{Title: "Statement", Columns: []string{"Date", "Description", "Amount"}, Align: []string{"left", "left", "right"}}
	for i := range 150 {
		tb.Rows = append(tb.Rows, []string{"1 Apr 2026", fmt.Sprintf("Entry %d", i+1), "EUR 1.00"})
	}
	pdf, err := RenderTable(tb)
	if err != nil {
		t.Fatal(err)
	}
	checkPDF(t, "table-long", pdf)
	text := pdfText(t, pdf)
	assertContains(t, "table-long", text, "Entry 1 ", "Entry 150", "Page 1 of 4")
}

func TestRenderRejectsBadInput(t *testing.T) {
	t.Parallel()
	d := sampleInvoice()
	d.Kind = "receipt"
	if _, err := Render(d); err == nil {
		t.Error("unknown kind accepted")
	}
	d = sampleInvoice()
	d.Status = "sent"
	if _, err := Render(d); err == nil {
		t.Error("unknown status accepted")
	}
	if _, err := RenderTable(Table{Title: "x"}); err == nil {
		t.Error("table without columns accepted")
	}
	if _, err := RenderTable(Table{Columns: []string{"a"}, Rows: [][]string{{"1", "2"}}}); err == nil {
		t.Error("row wider than the columns accepted")
	}
	if _, err := RenderTable(Table{Columns: []string{"a"}, Align: []string{"middle"}}); err == nil {
		t.Error("unknown alignment accepted")
	}
}

func TestRenderConcurrently(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := Render(sampleInvoice())
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkRenderInvoice(b *testing.B) {
	d := sampleInvoice()
	for b.Loop() {
		if _, err := Render(d); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRenderLongTexts(t *testing.T) {
	t.Parallel()
	d := sampleInvoice()
	d.Lines[0].Description = strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 150)
	d.Lines[1].Description = "https://console.example.com/projects/very-long-project-identifier/instances/abcdefghijklmnopqrstuvwxyz"
	d.Notes = append(d.Notes, strings.Repeat("A very long note. ", 400))
	pdf := render(t, "long-texts", d)
	text := pdfText(t, pdf)
	// (a phrase may be cut by a page break, with the page's footer and the
	// next page's table header in between: count single words)
	if got := strings.Count(text, "Lorem"); got != 150 {
		t.Errorf("%d times Lorem, want 150", got)
	}
	if got := strings.Count(text, "note."); got != 400 {
		t.Errorf("%d times the note, want 400", got)
	}
	assertContains(t, "long-texts", text, "Total EUR 1,389.47", "Launch discount 10 %")
}

func TestRenderWithoutLines(t *testing.T) {
	t.Parallel()
	jpy := money.MustCurrency("JPY")
	d := Document{Kind: "invoice", Status: "issued", Number: "X-1", Total: money.NewAmount(-123456789, jpy)}
	text := pdfText(t, render(t, "empty", d))
	assertContains(t, "empty", text, "X-1", "No lines.", "Total JPY -123,456,789")
}
