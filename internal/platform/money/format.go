package money

import "strings"

// Amounts are printed as "EUR 1,234.50": the ISO code, a space, an ASCII
// minus sign when negative, comma thousands separators and exactly as many
// decimals as the currency has minor units. Invoices (PDF) and pages print
// money the same way.

// Format formats a as "EUR 1,234.50".
func Format(a Amount) string {
	num := groupNumber(a.String())
	if code := a.Currency().Code(); code != "" {
		return code + " " + num
	}
	return num
}

// FormatNumber formats a without its currency code ("1,234.50").
func FormatNumber(a Amount) string { return groupNumber(a.String()) }

// FormatPrice formats a unit price of cur: at least the currency's minor
// units, more when the price has them ("EUR 0.0125", "EUR 12.50").
func FormatPrice(d Decimal, cur Currency) string {
	s := padDecimals(d.String(), cur.MinorUnits())
	if code := cur.Code(); code != "" {
		return code + " " + groupNumber(s)
	}
	return groupNumber(s)
}

// FormatDecimal formats a quantity or a rate: canonical, with thousands
// separators ("1,000", "2.5").
func FormatDecimal(d Decimal) string { return groupNumber(d.String()) }

// FormatRate formats a tax rate in percent: "22 %", "5.5 %".
func FormatRate(d Decimal) string { return FormatDecimal(d) + " %" }

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
