package invoicepdf

import (
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

func TestFormatAmount(t *testing.T) {
	t.Parallel()
	jpy, bhd := money.MustCurrency("JPY"), money.MustCurrency("BHD")
	for _, c := range []struct {
		a    money.Amount
		want string
	}{
		{amt("0"), "EUR 0.00"},
		{amt("0.05"), "EUR 0.05"},
		{amt("-0.05"), "EUR -0.05"},
		{amt("999.99"), "EUR 999.99"},
		{amt("1234.5"), "EUR 1,234.50"},
		{amt("-1234567.89"), "EUR -1,234,567.89"},
		{amt("100000"), "EUR 100,000.00"},
		{money.NewAmount(123456789, jpy), "JPY 123,456,789"},
		{money.NewAmount(-1234, bhd), "BHD -1.234"},
		{money.Amount{}, "EUR 0.00"}, // no currency: the document's
	} {
		if got := formatAmount(c.a, eur); got != c.want {
			t.Errorf("formatAmount(%v) = %q, want %q", c.a, got, c.want)
		}
	}
	if got := formatNumber(amt("1125"), eur); got != "1,125.00" {
		t.Errorf("formatNumber = %q", got)
	}
}

func TestFormatDecimals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ got, want string }{
		{money.FormatPrice(dec("12.5"), eur), "EUR 12.50"},
		{money.FormatPrice(dec("0.0125"), eur), "EUR 0.0125"},
		{money.FormatPrice(dec("1250"), eur), "EUR 1,250.00"},
		{money.FormatPrice(dec("1500"), money.MustCurrency("JPY")), "JPY 1,500"},
		{money.FormatDecimal(dec("1234.5")), "1,234.5"},
		{money.FormatDecimal(dec("-1000")), "-1,000"},
		{money.FormatDecimal(dec("0.25")), "0.25"},
		{money.FormatRate(dec("22")), "22 %"},
		{money.FormatRate(dec("5.5")), "5.5 %"},
		{formatDate(time.Date(2026, 4, 1, 23, 30, 0, 0, time.FixedZone("x", -3600))), "2 Apr 2026"},
		{formatPeriod(ptr(day(2026, 4, 1)), ptr(day(2026, 5, 1))), "1 Apr 2026 – 1 May 2026"},
		{formatPeriod(ptr(day(2026, 4, 1)), nil), "from 1 Apr 2026"},
		{formatPeriod(nil, ptr(day(2026, 5, 1))), "until 1 May 2026"},
		{formatPeriod(nil, nil), ""},
		{strings.Join(splitLines("\r\n a \r\n\n b\n\n"), "|"), "a||b"},
		{countryName("de"), "Germany"},
		{countryName("ZZ"), "ZZ"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestCountries(t *testing.T) {
	t.Parallel()
	if len(countries) < 249 {
		t.Errorf("%d countries, ISO 3166-1 has 249", len(countries))
	}
	for code, name := range countries {
		if len(code) != 2 || strings.ToUpper(code) != code || name == "" {
			t.Errorf("bad entry %q: %q", code, name)
		}
	}
}

func TestLayoutColumns(t *testing.T) {
	t.Parallel()
	for _, specs := range [][]colSpec{
		{{min: 10, pref: 20, flex: true}, {min: 15, pref: 15}},            // fits
		{{min: 30, pref: 400, flex: true}, {min: 20, pref: 20}},           // wraps
		{{min: 300, pref: 400}, {min: 200, pref: 200}, {min: 1, pref: 1}}, // words broken
	} {
		sizes := layoutColumns(specs, 174)
		sum := 0
		for _, s := range sizes {
			if s < 1 {
				t.Errorf("%v: empty column", sizes)
			}
			sum += s
		}
		if sum != gridSize {
			t.Errorf("%v sums to %d", sizes, sum)
		}
	}
	// a column that fits keeps at least its preferred width
	sizes := layoutColumns([]colSpec{{min: 30, pref: 400, flex: true}, {min: 20, pref: 20}}, 174)
	if w := float64(sizes[1]) / gridSize * 174; w < 20-0.2 {
		t.Errorf("number column %.1f mm, want 20", w)
	}
}

func TestWrapAndBreak(t *testing.T) {
	t.Parallel()
	long := "https://console.example.com/projects/very-long-project-identifier-0123456789/instances/abcdefghijklmnopqrstuvwxyz"
	for _, l := range wrapLines(long, stBody.style, stBody.size, 40) {
		if w := textWidth(l, stBody.style, stBody.size); w > 40 {
			t.Errorf("line %q is %.1f mm wide in 40 mm", l, w)
		}
	}
	if got := strings.ReplaceAll(breakLongWords(long, stBody.style, stBody.size, 40), " ", ""); got != long {
		t.Errorf("breaking lost text: %q", got)
	}
	text := strings.Repeat("word ", 500)
	chunks := chunkCells([]string{text, "1"}, []float64{80, 20}, []textStyle{stBody, stBody})
	if len(chunks) < 2 {
		t.Fatalf("%d chunks", len(chunks))
	}
	words := 0
	for i, ch := range chunks {
		words += len(strings.Fields(ch[0]))
		if n := len(wrapLines(ch[0], stBody.style, stBody.size, 80)); n > maxRowLines {
			t.Errorf("chunk %d has %d lines", i, n)
		}
		if (ch[1] == "1") != (i == 0) {
			t.Errorf("chunk %d number cell %q", i, ch[1])
		}
	}
	if words != 500 {
		t.Errorf("%d words after chunking, want 500", words)
	}
}
