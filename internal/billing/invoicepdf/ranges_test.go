package invoicepdf

import (
	"strings"
	"testing"
	"time"
)

// A line whose amount its ranges explain prints them under its
// description, each with its amount, and leaves the unit price blank
// (no "EUR 0.00" beside 63.00).
func TestRangesPrintedUnderTheDescription(t *testing.T) {
	t.Parallel()
	doc := sampleInvoice()
	doc.Lines = []Line{{
		Description: "Team Seed: Users (tiered), 1 month",
		PeriodStart: ptr(day(2026, time.April, 1)),
		PeriodEnd:   ptr(day(2026, time.May, 1)),
		Quantity:    dec("15"),
		Amount:      amt("63.00"),
		TaxRate:     dec("22"),
		Ranges:      []string{"1-9 × EUR 5.00 = EUR 45.00", "10-15 × EUR 3.00 = EUR 18.00"},
	}}
	pdf, err := Render(doc)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	assertContains(t, "tiered line", text, "1-9 × EUR 5.00 = EUR 45.00", "10-15 × EUR 3.00 = EUR 18.00", "15 22 % EUR 63.00")
	assertNotContains(t, text, "EUR 0.00 22 %")
}

func assertNotContains(t *testing.T, text, bad string) {
	t.Helper()
	if strings.Contains(text, bad) {
		t.Errorf("text contains %q:\n%s", bad, text)
	}
}
