package invoicepdf

import (
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Amounts are printed as money.Format prints them ("EUR 1,234.50").

// formatAmount formats a; an amount without a currency (the zero Amount,
// used for "not set") is printed in cur.
func formatAmount(a money.Amount, cur money.Currency) string {
	if a.Currency().IsZero() {
		a = money.NewAmount(a.Minor(), cur)
	}
	return money.Format(a)
}

// formatNumber formats an amount without its currency code ("1,234.50"),
// for the base of a tax line.
func formatNumber(a money.Amount, cur money.Currency) string {
	if a.Currency().IsZero() {
		a = money.NewAmount(a.Minor(), cur)
	}
	return money.FormatNumber(a)
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
