package billing

import (
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Range is one price range's part of a line whose amount is not
// Quantity × UnitPrice (a tiered, stairstep or package price, a volume
// price with a flat price, usage rated by such a scheme). The amounts of a
// line's ranges add up to the line's amount exactly.
type Range struct {
	From money.Decimal  `json:"from" doc:"The first unit of the range as the price states it (0 for a price without ranges)."`
	To   *money.Decimal `json:"to" nullable:"true" doc:"The last unit of the range; null: and up."`
	// Quantity is the units charged in the range: the units that fall in
	// it for a tiered price, the whole quantity otherwise, the started
	// packages for a package price.
	Quantity    money.Decimal `json:"quantity" doc:"The units charged in this range: the units falling in it (tiered), the whole quantity (volume, stairstep), or the packages started (package)."`
	UnitPrice   money.Decimal `json:"unit_price" doc:"The price per unit, or per package; 0 for a stairstep."`
	FlatPrice   money.Decimal `json:"flat_price" doc:"The flat price charged when the range applies."`
	PackageSize int64         `json:"package_size,omitempty" doc:"The units in a package, for a package price."`
	// Amount is the range's share of the line's amount: see explain.
	Amount money.Amount `json:"amount" doc:"Quantity × unit price + flat price; the ranges' running total is rounded once per range with the invoice's rounding rule, so the ranges add up to the line's amount exactly."`

	plain, coded string // the range as the summary and as pages print it
}

// ranged reports whether a quote line's amount is explained by its ranges
// rather than by Quantity × UnitPrice.
func ranged(ql pricing.QuoteLine) bool {
	return len(ql.Breakdown) > 0 && ql.UnitPrice.IsZero() && !ql.Amount.IsZero()
}

// price sets l's unit price, or its ranges, from the quote line it bills.
// The unit price is stated only when it explains the amount: a zero unit
// price beside a non-zero amount (a line of a charge stored before ranges
// were kept) states nothing. prices backs the unit prices of one document
// (one allocation for all its lines; its values are never changed).
func (l *Line) price(ql pricing.QuoteLine, prices *[]money.Decimal) {
	if ranged(ql) {
		l.breakdown = ql.Breakdown
		return
	}
	if ql.UnitPrice.IsZero() && !ql.Amount.IsZero() {
		return
	}
	*prices = append(*prices, ql.UnitPrice)
	l.UnitPrice = &(*prices)[len(*prices)-1]
}

// explain fills l.Ranges and l.RangesSummary from its breakdown. Each
// range's amount is the rounded running total (money.Round) less the
// previous one, so the amounts add up to the rounded whole: the line's
// amount. Should they not (a breakdown that does not price the line),
// the line shows no ranges rather than a sum that differs from its
// amount.
func (l *Line) explain() {
	l.Ranges, l.RangesSummary = nil, ""
	if len(l.breakdown) == 0 {
		return
	}
	cur := l.Amount.Currency()
	out := make([]Range, len(l.breakdown))
	var sum money.Decimal
	var prev int64
	for i, b := range l.breakdown {
		sum = sum.Add(b.Quantity.Mul(b.UnitPrice)).Add(b.FlatPrice)
		total, err := money.Round(sum, cur)
		if err != nil {
			return
		}
		out[i] = Range{From: b.From, To: b.To, Quantity: b.Quantity, UnitPrice: b.UnitPrice, FlatPrice: b.FlatPrice,
			PackageSize: b.PackageSize, Amount: money.NewAmount(total.Minor()-prev, cur)}
		prev = total.Minor()
	}
	if prev != l.Amount.Minor() {
		return
	}
	parts := make([]string, len(out))
	for i := range out {
		r := &out[i]
		r.plain = r.text(len(out) > 1, func(d money.Decimal) string { return number(d, cur) })
		r.coded = r.text(len(out) > 1, func(d money.Decimal) string { return money.FormatPrice(d, cur) })
		parts[i] = r.plain
	}
	l.Ranges = out
	l.RangesSummary = strings.Join(parts, " + ") + " = " + money.FormatNumber(l.Amount)
}

// number is a price without its currency code: "5.00", "0.0125".
func number(d money.Decimal, cur money.Currency) string {
	return strings.TrimPrefix(money.FormatPrice(d, cur), cur.Code()+" ")
}

// text is the range as a reader recomputes it, prices written by p: the
// units of a tiered range ("1-9 × 5.00", "10-15 × 3.00"), the range a
// whole quantity falls in ("10+ flat 100.00", "10+: 15 × 3.00 + flat
// 20.00"), packages ("2 packages of 10 × 40.00"). slice is set for the
// ranges of a tiered price, each charging its part of the quantity.
func (r Range) text(slice bool, p func(money.Decimal) string) string {
	flatOnly := r.UnitPrice.IsZero() && !r.FlatPrice.IsZero()
	var s string
	switch {
	case r.PackageSize > 0:
		s = r.Quantity.String() + " packages of " + strconv.FormatInt(r.PackageSize, 10) + " × " + p(r.UnitPrice)
	case slice && flatOnly:
		return r.units() + " flat " + p(r.FlatPrice)
	case slice:
		s = r.units() + " × " + p(r.UnitPrice)
	case flatOnly:
		return strings.TrimSpace(r.label() + " flat " + p(r.FlatPrice))
	default:
		s = r.Quantity.String() + " × " + p(r.UnitPrice)
		if label := r.label(); label != "" {
			s = label + ": " + s
		}
	}
	if !r.FlatPrice.IsZero() {
		s += " + flat " + p(r.FlatPrice)
	}
	return s
}

// label names the range: "1-9", "10+"; empty for a price without ranges.
func (r Range) label() string {
	switch {
	case r.To != nil:
		return r.From.String() + "-" + r.To.String()
	case r.From.IsZero():
		return ""
	default:
		return r.From.String() + "+"
	}
}

// units names the units of a tiered range that a quantity reaches:
// "10-15" for 6 units from 10, "1" for one; a quantity that is not whole
// is written as it is ("0.5").
func (r Range) units() string {
	one := money.DecimalFromInt(1)
	if !r.Quantity.IsPositive() || strings.Contains(r.Quantity.String(), ".") || r.From.IsZero() {
		return r.Quantity.String()
	}
	last := r.From.Add(r.Quantity).Sub(one)
	if last.Equal(r.From) {
		return r.From.String()
	}
	return r.From.String() + "-" + last.String()
}

// RangeTexts are the line's ranges as pages and PDFs print them, each
// with its amount: "1-9 × EUR 5.00 = EUR 45.00". Empty for a line whose
// quantity and unit price explain its amount.
func (l Line) RangeTexts() []string {
	out := make([]string, len(l.Ranges))
	for i, r := range l.Ranges {
		out[i] = r.coded + " = " + money.Format(r.Amount)
	}
	return out
}

// explainLines fills the ranges of every line of inv.
func (inv *Invoice) explainLines() {
	for i := range inv.Lines {
		inv.Lines[i].explain()
	}
}
