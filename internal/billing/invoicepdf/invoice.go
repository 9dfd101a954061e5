// Package invoicepdf renders billing documents (invoices, credit notes,
// pro-forma invoices) and tabular reports (balance reports, statements) to
// A4 PDF with maroto and the embedded Go fonts.
//
// The package only lays out what it is given: it computes nothing, so the
// amounts printed are exactly the amounts of the document. Amounts are
// printed as "EUR 1,234.50" (ISO code, ASCII minus sign, comma thousands
// separators), dates as "1 Apr 2026" (UTC). Multi-line fields (addresses,
// payment instructions) are split at "\n" here, since maroto's text
// ignores line breaks; long texts wrap and long tables flow onto further
// pages with their header row repeated.
package invoicepdf

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/page"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Party is an issuer or recipient as printed.
type Party struct {
	Name    string
	Address string // may contain "\n" line breaks: print each line separately
	Country string // ISO 3166-1 alpha-2, e.g. "IT"
	TaxID   string // printed as "VAT/Tax ID: ..." when not empty
	Email   string
}

// Line is one document line.
type Line struct {
	Description            string
	PeriodStart, PeriodEnd *time.Time // service period, printed under the description as "1 Apr 2026 – 1 May 2026" when set
	Quantity               money.Decimal
	UnitPrice              money.Decimal // zero: the unit price column is left blank
	Amount                 money.Amount  // may be negative (discounts, credits)
	TaxRate                money.Decimal // percent, e.g. 22 → "22 %"
	// Ranges explain an amount that quantity × unit price does not (a
	// tiered price, say), one range a line, printed under the description
	// as given: "1-9 × EUR 5.00 = EUR 45.00".
	Ranges []string
}

// TaxLine is one row of the tax breakdown.
type TaxLine struct {
	Name string        // e.g. "VAT IT"
	Rate money.Decimal // percent
	Base money.Amount
	Tax  money.Amount
}

// Document is an invoice, a credit note or a pro-forma invoice.
type Document struct {
	Kind                string // "invoice", "credit_note" or "proforma"
	Number              string // e.g. "INV-2026-000123"; empty for a draft: print "DRAFT"
	Status              string // "draft", "issued", "paid", "void", "uncollectible": a void or draft document carries a visible mark
	IssuedAt            time.Time
	DueAt               *time.Time // nil for credit notes
	Issuer              Party
	Recipient           Party
	Lines               []Line
	Subtotal            money.Amount
	Taxes               []TaxLine
	Tax                 money.Amount
	Total               money.Amount
	Paid                money.Amount // payments received so far
	Credited            money.Amount // credit notes against it so far
	AmountDue           money.Amount
	ReverseCharge       bool     // print "Reverse charge: tax to be accounted for by the recipient" near the totals
	CreditOf            string   // credit notes: the number of the credited invoice ("Credit note for invoice INV-...")
	Reason              string   // credit note or void reason, printed when set
	PaymentInstructions string   // multi-line (bank, IBAN, reference); printed in a box for invoices and pro-formas that have an amount due
	Notes               []string // extra lines printed at the bottom (one paragraph each)
	Footer              string   // e.g. the marketplace name; printed at the page bottom with "page N of M" if maroto makes that easy
}

// Document kinds and statuses.
const (
	kindInvoice    = "invoice"
	kindCreditNote = "credit_note"
	kindProforma   = "proforma"

	statusDraft         = "draft"
	statusIssued        = "issued"
	statusPaid          = "paid"
	statusVoid          = "void"
	statusUncollectible = "uncollectible"
)

var kindTitles = map[string]string{
	kindInvoice:    "Invoice",
	kindCreditNote: "Credit note",
	kindProforma:   "Pro-forma invoice",
}

// reverseChargeText is printed near the totals of a reverse-charge document.
const reverseChargeText = "Reverse charge: tax to be accounted for by the recipient"

// proformaText is the notice at the top of a pro-forma invoice.
const proformaText = "This pro-forma invoice is not a tax invoice and cannot be used to reclaim tax. " +
	"No payment is requested through the platform."

// Cell paddings of the tables (mm).
const (
	cellPadX      = 1.6
	cellPadTop    = 1.6
	cellPadBottom = 0.9
)

// Render returns the PDF bytes of doc (A4).
func Render(doc Document) ([]byte, error) {
	title, ok := kindTitles[doc.Kind]
	if !ok {
		return nil, fmt.Errorf("invoicepdf: unknown document kind %q (want invoice, credit_note or proforma)", doc.Kind)
	}
	switch doc.Status {
	case "", statusDraft, statusIssued, statusPaid, statusVoid, statusUncollectible:
	default:
		return nil, fmt.Errorf("invoicepdf: unknown document status %q", doc.Status)
	}
	r := &invoiceRenderer{doc: doc, title: title, cur: documentCurrency(doc)}
	number := doc.Number
	if number == "" {
		number = "DRAFT"
	}
	footer := strings.TrimSpace(strings.Join(splitLines(doc.Footer), " "))
	pageLine := title + " " + number
	if footer != "" {
		pageLine = footer + "   ·   " + pageLine
	}
	m, err := newDocument(false, pageLine, title+" "+number, doc.Issuer.Name, doc.IssuedAt)
	if err != nil {
		return nil, err
	}
	r.m = m
	if err := r.build(); err != nil {
		return nil, err
	}
	out, err := r.m.Generate()
	if err != nil {
		return nil, fmt.Errorf("invoicepdf: generate: %w", err)
	}
	return out.GetBytes(), nil
}

// documentCurrency is the currency amounts without one are printed in.
func documentCurrency(doc Document) money.Currency {
	for _, a := range []money.Amount{doc.Total, doc.Subtotal, doc.AmountDue, doc.Tax} {
		if !a.Currency().IsZero() {
			return a.Currency()
		}
	}
	for _, l := range doc.Lines {
		if !l.Amount.Currency().IsZero() {
			return l.Amount.Currency()
		}
	}
	return money.Currency{}
}

type invoiceRenderer struct {
	doc   Document
	title string
	cur   money.Currency
	m     core.Maroto
}

func (r *invoiceRenderer) money(a money.Amount) string { return formatAmount(a, r.cur) }

func (r *invoiceRenderer) isDraft() bool {
	return r.doc.Status == statusDraft || (r.doc.Number == "" && r.doc.Status != statusVoid)
}

func (r *invoiceRenderer) build() error {
	r.m.AddRows(r.headerRow())
	r.m.AddRows(spaceRow(4), ruleRow(colorRule, 0.25), spaceRow(3))
	r.m.AddRows(r.partiesRow())
	if r.doc.Kind == kindProforma {
		r.m.AddRows(spaceRow(4), fullRow(&frame{
			inner:   newPara(proformaText, stBody.bold().pad(0, 0)),
			pad:     2.5,
			color:   colorAccent,
			leftBar: 1.2,
		}))
	}
	r.m.AddRows(spaceRow(6))
	if err := r.linesTable(); err != nil {
		return err
	}
	r.m.AddRows(spaceRow(3))
	r.m.AddRows(r.totalsRow())
	if rc := r.reverseChargeRow(); rc != nil {
		r.m.AddRows(spaceRow(3), rc)
	}
	if box := r.paymentBox(); box != nil {
		r.m.AddRows(spaceRow(6), box)
	}
	if notes := notesRows(r.doc.Notes, contentWidth(false)); len(notes) > 0 {
		r.m.AddRows(spaceRow(6))
		r.m.AddRows(notes...)
	}
	return nil
}

// headerRow: the issuer on the left; the title, number, dates and any
// DRAFT/VOID mark on the right.
func (r *invoiceRenderer) headerRow() core.Row {
	left := vstack(newPara(r.doc.Issuer.Name, stBody.with(13, fontstyle.Bold, colorInk).pad(0, 0.6)))
	left.add(partyDetails(r.doc.Issuer, stBody.with(8.5, fontstyle.Normal, colorInk))...)

	number := r.doc.Number
	if number == "" {
		number = "DRAFT"
	}
	meta := [][2]string{{numberLabel(r.doc.Kind), number}}
	if !r.doc.IssuedAt.IsZero() {
		meta = append(meta, [2]string{"Issue date", formatDate(r.doc.IssuedAt)})
	}
	if r.doc.DueAt != nil && r.doc.Kind != kindCreditNote {
		meta = append(meta, [2]string{"Due date", formatDate(*r.doc.DueAt)})
	}
	switch r.doc.Status {
	case statusPaid:
		meta = append(meta, [2]string{"Status", "Paid"})
	case statusUncollectible:
		meta = append(meta, [2]string{"Status", "Uncollectible"})
	}
	right := vstack(newPara(r.title, stBody.with(22, fontstyle.Bold, colorAccent).alignRight().pad(0, 2.5)))
	for _, kv := range meta {
		right.add(hsplit(2, []float64{45, 55},
			newPara(kv[0], stBody.with(8.5, fontstyle.Normal, colorMuted).alignRight()),
			newPara(kv[1], stBody.with(8.5, fontstyle.Bold, colorInk).alignRight()),
		))
	}
	if mark := r.mark(); mark != nil {
		right.add(space(3), hsplit(0, []float64{20, 80}, nil, mark))
	}
	return row.New().Add(
		col.New(pc(55)).Add(left),
		col.New(pc(45)).Add(right),
	)
}

func numberLabel(kind string) string {
	switch kind {
	case kindCreditNote:
		return "Credit note number"
	case kindProforma:
		return "Pro-forma number"
	}
	return "Invoice number"
}

// mark is the visible DRAFT or VOID stamp, or nil.
func (r *invoiceRenderer) mark() core.Component {
	var big, small string
	what := strings.ToLower(r.title)
	switch {
	case r.doc.Status == statusVoid:
		big, small = "VOID", "This "+what+" is void and not payable."
	case r.isDraft():
		big, small = "DRAFT", "Preview only: not a valid "+what+"."
	default:
		return nil
	}
	return &frame{
		inner: vstack(
			newPara(big, stBody.with(15, fontstyle.Bold, colorAlert).alignRight()),
			newPara(small, stBody.with(7.5, fontstyle.Normal, colorAlert).alignRight()),
		),
		pad:       2,
		color:     colorAlert,
		thickness: 0.6,
	}
}

// partyDetails are the lines under a party's name.
func partyDetails(p Party, ts textStyle) []core.Component {
	var out []core.Component
	addr := splitLines(p.Address)
	for _, l := range addr {
		if l != "" {
			out = append(out, newPara(l, ts))
		}
	}
	if p.Country != "" {
		name := countryName(p.Country)
		if len(addr) == 0 || !strings.EqualFold(addr[len(addr)-1], name) {
			out = append(out, newPara(name, ts))
		}
	}
	if p.TaxID != "" {
		out = append(out, newPara("VAT/Tax ID: "+p.TaxID, ts))
	}
	if p.Email != "" {
		out = append(out, newPara(p.Email, ts.colored(colorMuted)))
	}
	return out
}

// partiesRow: "Bill to" on the left; the credited invoice and the reason
// on the right.
func (r *invoiceRenderer) partiesRow() core.Row {
	left := vstack(
		newPara("BILL TO", stLabel.pad(0, 0.8)),
		newPara(r.doc.Recipient.Name, stBody.with(10, fontstyle.Bold, colorInk)),
	)
	left.add(partyDetails(r.doc.Recipient, stBody)...)

	right := vstack()
	reason := strings.Join(splitLines(r.doc.Reason), " ")
	switch {
	case r.doc.CreditOf != "":
		right.add(
			newPara("REFERENCE", stLabel.pad(0, 0.8)),
			newPara("Credit note for invoice "+r.doc.CreditOf, stBody.bold()),
		)
		if reason != "" {
			right.add(newPara("Reason: "+reason, stBody.pad(1.2, 0)))
		}
	case reason != "":
		right.add(newPara("REASON", stLabel.pad(0, 0.8)), newPara(reason, stBody))
	}
	return row.New().Add(
		col.New(pc(55)).Add(left),
		col.New(pc(45)).Add(right),
	)
}

// lineCells are the printed texts of one document line.
type lineCells struct {
	desc, period, qty, price, tax, amount string
	ranges                                []string
}

// linesTable adds the lines table; its header row is repeated on every
// page the table continues on.
func (r *invoiceRenderer) linesTable() error {
	names := []string{"Description", "Qty", "Unit price", "Tax", "Amount"}
	rows := r.formatLines()
	avail := contentWidth(false)
	sizes := lineColumnSizes(names, rows, avail)

	head := tableHeaderRow(names, sizes, []bool{false, true, true, true, true})
	if err := startRepeatedHeader(r.m, head, 20); err != nil {
		return err
	}
	if len(rows) == 0 {
		r.m.AddRows(lineRow(col.New(gridSize).Add(newPara("No lines.", cellStyle(stBody.colored(colorMuted)).pad(cellPadTop, cellPadBottom)))))
	}
	widths := textWidths(sizes, avail)
	for _, c := range rows {
		r.addLine(c, sizes, widths)
	}
	return stopRepeatedHeader(r.m)
}

// formatLines formats the document's lines: a blank quantity or unit price
// when zero, a unit price in the line's currency (else the document's).
func (r *invoiceRenderer) formatLines() []lineCells {
	rows := make([]lineCells, len(r.doc.Lines))
	for i, l := range r.doc.Lines {
		c := lineCells{desc: l.Description, period: formatPeriod(l.PeriodStart, l.PeriodEnd), tax: money.FormatRate(l.TaxRate), amount: r.money(l.Amount),
			ranges: l.Ranges}
		if !l.Quantity.IsZero() {
			c.qty = money.FormatDecimal(l.Quantity)
		}
		if !l.UnitPrice.IsZero() {
			cur := l.Amount.Currency()
			if cur.IsZero() {
				cur = r.cur
			}
			c.price = money.FormatPrice(l.UnitPrice, cur)
		}
		rows[i] = c
	}
	return rows
}

// lineColumnSizes lays out the lines table on a page of width avail (mm):
// the numbers keep their one-line width, the description takes the rest.
func lineColumnSizes(names []string, rows []lineCells, avail float64) []int {
	specs := make([]colSpec, len(names))
	for i, n := range names {
		specs[i].fit(n, fontstyle.Bold, stHead.size)
	}
	specs[0].flex = true
	for _, c := range rows {
		specs[0].fit(c.desc, stBody.style, stBody.size)
		specs[0].fit(c.period, stSmall.style, stSmall.size)
		for _, t := range c.ranges {
			specs[0].fit(t, stSmall.style, stSmall.size)
		}
		for j, v := range []string{c.qty, c.price, c.tax, c.amount} {
			// numbers do not wrap: their one-line width is their minimum
			specs[j+1].fit(strings.ReplaceAll(v, " ", "\u00a0"), stBody.style, stBody.size)
		}
	}
	// long descriptions wrap rather than squeeze the numbers
	specs[0].min = min(max(specs[0].min, avail*0.3), avail*0.45)
	return layoutColumns(specs, avail)
}

// addLine adds the rows of one line: one, or more when its description is
// too long for one page; the period and ranges go under the description's
// end.
func (r *invoiceRenderer) addLine(c lineCells, sizes []int, widths []float64) {
	num := cellStyle(stBody).alignRight().pad(cellPadTop, cellPadBottom)
	styles := []textStyle{stBody, stBody, stBody, stBody, stBody}
	chunks := chunkCells([]string{c.desc, c.qty, c.price, c.tax, c.amount}, widths, styles)
	for k, ch := range chunks {
		last := k == len(chunks)-1
		top := cellPadTop
		if k > 0 {
			top = 0
		}
		desc := vstack(newPara(ch[0], cellStyle(stBody).pad(top, 0)))
		if last && c.period != "" {
			desc.add(newPara(c.period, cellStyle(stSmall).pad(0.3, 0)))
		}
		if last {
			for _, t := range c.ranges {
				desc.add(newPara(t, cellStyle(stSmall).pad(0.3, 0)))
			}
		}
		if last {
			desc.add(space(cellPadBottom))
		}
		cols := []core.Col{col.New(sizes[0]).Add(desc)}
		for j := 1; j < 5; j++ {
			cols = append(cols, col.New(sizes[j]).Add(newPara(ch[j], num)))
		}
		if last {
			r.m.AddRows(lineRow(cols...))
		} else {
			r.m.AddRows(row.New().Add(cols...))
		}
	}
}

// totalsRow: the totals on the right half. It is one row so that it never
// splits across pages.
func (r *invoiceRenderer) totalsRow() core.Row {
	d := r.doc
	labelSt := stBody.with(9, fontstyle.Normal, colorInk).hpad(0, 0).pad(0.6, 0.6)
	valueSt := labelSt.alignRight().hpad(0, cellPadX)
	strongL := stBody.with(10.5, fontstyle.Bold, colorInk).pad(1, 0.8)
	strongV := strongL.alignRight().hpad(0, cellPadX)

	pair := func(l, v string, ls, vs textStyle) core.Component {
		return hsplit(3, []float64{58, 42}, newPara(l, ls), newPara(v, vs))
	}
	t := vstack(pair("Subtotal", r.money(d.Subtotal), labelSt, valueSt))
	for _, tl := range d.Taxes {
		label := strings.TrimSpace(tl.Name + " " + money.FormatRate(tl.Rate) + " on " + formatNumber(tl.Base, r.cur))
		t.add(pair(label, r.money(tl.Tax), labelSt, valueSt))
	}
	if len(d.Taxes) == 0 || (!d.Tax.IsZero() && len(d.Taxes) > 1) {
		t.add(pair("Total tax", r.money(d.Tax), labelSt, valueSt))
	}
	t.add(rule{height: 2, thickness: 0.4, color: colorAccent})
	t.add(pair("Total", r.money(d.Total), strongL, strongV.colored(colorAccent)))
	if d.Kind == kindInvoice && (!d.Paid.IsZero() || !d.Credited.IsZero() || !d.AmountDue.IsZero()) {
		t.add(space(1))
		if !d.Paid.IsZero() {
			t.add(pair("Paid", r.money(d.Paid), labelSt, valueSt))
		}
		if !d.Credited.IsZero() {
			t.add(pair("Credited", r.money(d.Credited), labelSt, valueSt))
		}
		t.add(rule{height: 1.6, thickness: 0.25, color: colorRule})
		t.add(pair("Amount due", r.money(d.AmountDue), strongL, strongV))
	}

	return row.New().Add(col.New(pc(50)), col.New(pc(50)).Add(t))
}

// reverseChargeRow is the reverse-charge notice under the totals, or nil.
func (r *invoiceRenderer) reverseChargeRow() core.Row {
	if !r.doc.ReverseCharge {
		return nil
	}
	return row.New().Add(col.New(pc(50)), col.New(pc(50)).Add(&frame{
		inner:   newPara(reverseChargeText, stBody.with(8.5, fontstyle.Bold, colorInk)),
		pad:     2,
		color:   colorAccent,
		leftBar: 1,
	}))
}

// paymentBox returns the payment instructions box of an invoice or a
// pro-forma with an amount due, or nil.
func (r *invoiceRenderer) paymentBox() core.Row {
	d := r.doc
	instr := splitLines(d.PaymentInstructions)
	if d.Kind == kindCreditNote || d.Status == statusVoid || len(instr) == 0 {
		return nil
	}
	due := d.AmountDue
	if d.Kind == kindProforma && due.IsZero() {
		due = d.Total
	}
	if due.IsZero() || due.IsNegative() {
		return nil
	}
	body := vstack(newPara("Payment instructions", stBody.with(9.5, fontstyle.Bold, colorAccent).pad(0, 1)))
	ask := "Please pay "
	if d.Kind == kindProforma {
		ask = "Amount to pay: "
	}
	body.add(newPara(ask+r.money(due)+dueBy(d.DueAt)+".", stBody.pad(0, 1)))
	body.add(lines(strings.Join(instr, "\n"), stBody)...)
	return row.New().Add(col.New(pc(62)).Add(&frame{
		inner:     body,
		pad:       3,
		color:     colorRule,
		thickness: 0.3,
		leftBar:   1.2,
	}))
}

func dueBy(t *time.Time) string {
	if t == nil {
		return ""
	}
	return " by " + formatDate(*t)
}

// notesRows prints the notes, one paragraph (or more, at "\n") each. A
// paragraph too long for one page is continued in further rows.
func notesRows(notes []string, width float64) []core.Row {
	st := stBody.with(8.5, fontstyle.Normal, colorMuted)
	var out []core.Row
	for _, n := range notes {
		ls := splitLines(n)
		if len(ls) == 0 {
			continue
		}
		if len(out) == 0 {
			out = append(out, fullRow(newPara("NOTES", stLabel.pad(0, 1))))
		}
		for i, l := range ls {
			if l == "" {
				out = append(out, spaceRow(st.size/ptPerMM*(1+leading)))
				continue
			}
			for _, ch := range chunkCells([]string{l}, []float64{width}, []textStyle{st}) {
				out = append(out, fullRow(newPara(ch[0], st)))
			}
			if i == len(ls)-1 {
				out = append(out, spaceRow(1.2))
			}
		}
	}
	return out
}

// textWidths converts column sizes in grid units to the width (mm) of the
// text in them.
func textWidths(sizes []int, avail float64) []float64 {
	out := make([]float64, len(sizes))
	for i, s := range sizes {
		out[i] = float64(s)/gridSize*avail - 2*cellPadX
	}
	return out
}

// Shared row helpers.

func (s textStyle) with(size float64, style fontstyle.Type, c *props.Color) textStyle {
	s.size, s.style, s.color = size, style, c
	return s
}

func cellStyle(ts textStyle) textStyle { return ts.hpad(cellPadX, cellPadX) }

func fullRow(c core.Component) core.Row { return row.New().Add(col.New(gridSize).Add(c)) }

func spaceRow(mm float64) core.Row { return row.New(mm).Add(col.New(gridSize)) }

func ruleRow(c *props.Color, thickness float64) core.Row {
	return fullRow(rule{height: 1, thickness: thickness, color: c})
}

// lineRow is a table body row with a hairline under it.
func lineRow(cols ...core.Col) core.Row {
	return row.New().Add(cols...).WithStyle(&props.Cell{
		BorderType:      border.Bottom,
		BorderColor:     colorRule,
		BorderThickness: 0.2,
	})
}

// tableHeaderRow is the grey header row of a table.
func tableHeaderRow(names []string, sizes []int, right []bool) core.Row {
	cols := make([]core.Col, len(names))
	for i, n := range names {
		st := cellStyle(stHead).pad(1.8, 1.0)
		if right[i] {
			st = st.alignRight()
		}
		cols[i] = col.New(sizes[i]).Add(newPara(n, st))
	}
	return row.New().Add(cols...).WithStyle(&props.Cell{
		BackgroundColor: colorFill,
		BorderType:      border.Bottom,
		BorderColor:     colorAccent,
		BorderThickness: 0.4,
	})
}

// startRepeatedHeader adds head and registers it as maroto's page header,
// so that it is repeated at the top of every further page until
// stopRepeatedHeader. minBody is the room (mm) wanted under the header on
// this page for at least one row; when there is not that much room, the
// table starts on a new page.
func startRepeatedHeader(m core.Maroto, head core.Row, minBody float64) error {
	if !m.FitlnCurrentPage(minBody + 10) {
		m.AddPages(page.New())
	}
	if err := m.RegisterHeader(head); err != nil {
		return fmt.Errorf("invoicepdf: table header: %w", err)
	}
	return nil
}

func stopRepeatedHeader(m core.Maroto) error {
	if err := m.RegisterHeader(); err != nil {
		return errors.Join(errors.New("invoicepdf: table header"), err)
	}
	return nil
}
