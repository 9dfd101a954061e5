package invoicepdf

import (
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Amounts are printed as "EUR 1,234.50": the ISO code, a space, an ASCII
// minus sign when negative, comma thousands separators and exactly as many
// decimals as the currency has minor units.

// formatAmount formats a; an amount without a currency (the zero Amount,
// used for "not set") is printed in cur.
func formatAmount(a money.Amount, cur money.Currency) string {
	if a.Currency().IsZero() {
		a = money.NewAmount(a.Minor(), cur)
	}
	num := groupNumber(a.String())
	if code := a.Currency().Code(); code != "" {
		return code + " " + num
	}
	return num
}

// formatNumber formats an amount without its currency code ("1,234.50"),
// for the base of a tax line.
func formatNumber(a money.Amount, cur money.Currency) string {
	if a.Currency().IsZero() {
		a = money.NewAmount(a.Minor(), cur)
	}
	return groupNumber(a.String())
}

// formatPrice formats a unit price of cur: at least the currency's minor
// units, more when the price has them ("EUR 0.0125", "EUR 12.50").
func formatPrice(d money.Decimal, cur money.Currency) string {
	s := padDecimals(d.String(), cur.MinorUnits())
	if code := cur.Code(); code != "" {
		return code + " " + groupNumber(s)
	}
	return groupNumber(s)
}

// formatDecimal formats a quantity or a rate: canonical, with thousands
// separators ("1,000", "2.5").
func formatDecimal(d money.Decimal) string { return groupNumber(d.String()) }

// formatRate formats a tax rate in percent: "22 %", "5.5 %".
func formatRate(d money.Decimal) string { return formatDecimal(d) + " %" }

// padDecimals pads the fractional part of the canonical decimal s with
// zeros to at least places digits.
func padDecimals(s string, places int) string {
	if places <= 0 {
		return s
	}
	dot := strings.IndexByte(s, '.')
	if dot < 0 {
		return s + "." + strings.Repeat("0", places)
	}
	if have := len(s) - dot - 1; have < places {
		return s + strings.Repeat("0", places-have)
	}
	return s
}

// groupNumber inserts comma thousands separators into the integer part of
// a plain decimal string ("-1234567.5" → "-1,234,567.5").
func groupNumber(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac := s, ""
	if dot := strings.IndexByte(s, '.'); dot >= 0 {
		intPart, frac = s[:dot], s[dot:]
	}
	if len(intPart) <= 3 {
		return sign + intPart + frac
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/3 + 1)
	b.WriteString(sign)
	first := len(intPart) % 3
	if first > 0 {
		b.WriteString(intPart[:first])
	}
	for i := first; i < len(intPart); i += 3 {
		if b.Len() > len(sign) {
			b.WriteByte(',')
		}
		b.WriteString(intPart[i : i+3])
	}
	b.WriteString(frac)
	return b.String()
}

// formatDate formats t as "1 Apr 2026" (in UTC).
func formatDate(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

// formatPeriod formats a service period: "1 Apr 2026 – 1 May 2026",
// "from 1 Apr 2026", "until 1 May 2026", or "" when neither is set.
func formatPeriod(start, end *time.Time) string {
	switch {
	case start != nil && end != nil:
		return formatDate(*start) + " – " + formatDate(*end)
	case start != nil:
		return "from " + formatDate(*start)
	case end != nil:
		return "until " + formatDate(*end)
	}
	return ""
}

// splitLines splits s at line breaks and drops blank lines at both ends.
func splitLines(s string) []string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, strings.TrimSpace(l))
	}
	for len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}
