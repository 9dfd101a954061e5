package invoicepdf

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// Table is a tabular report (a vendor's monthly balance report, a statement).
type Table struct {
	Title    string   // e.g. "Balance report — November 2026"
	Subtitle string   // e.g. the period or the currency
	Party    Party    // whose report it is
	Columns  []string // header row
	Align    []string // per column "left" or "right" (amounts right); may be shorter than Columns (default left)
	Rows     [][]string
	Totals   [][]string // rows printed bold below a rule
	Notes    []string
	Footer   string
}

// landscapeAbove is the number of columns above which a table is printed
// in landscape.
const landscapeAbove = 6

// tableBody is the text style of a table's cells.
var tableBody = textStyle{size: 8.5, color: colorInk}

// maxColumns is the most columns a table can have.
const maxColumns = 20

// RenderTable returns the PDF bytes of t (A4, landscape when there are more than 6 columns).
func RenderTable(t Table) ([]byte, error) {
	aligns, err := checkTable(t)
	if err != nil {
		return nil, err
	}
	landscape := len(t.Columns) > landscapeAbove
	footer := strings.Join(splitLines(t.Footer), " ")
	title := strings.Join(splitLines(t.Title), " ")
	m, err := newDocument(landscape, footer, title, t.Party.Name, time.Time{})
	if err != nil {
		return nil, err
	}
	m.AddRows(tableHeading(t, title))
	m.AddRows(spaceRow(4), ruleRow(colorRule, 0.25), spaceRow(5))

	avail := contentWidth(landscape)
	if err := addTableBody(m, t, aligns, avail); err != nil {
		return nil, err
	}
	if notes := notesRows(t.Notes, avail); len(notes) > 0 {
		m.AddRows(spaceRow(6))
		m.AddRows(notes...)
	}
	out, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("invoicepdf: generate: %w", err)
	}
	return out.GetBytes(), nil
}

// checkTable checks that t fits a page (some columns, no more than
// maxColumns, no row wider than the header) and returns the alignment of
// each column.
func checkTable(t Table) ([]align.Type, error) {
	n := len(t.Columns)
	if n == 0 {
		return nil, errors.New("invoicepdf: table without columns")
	}
	if n > maxColumns {
		return nil, fmt.Errorf("invoicepdf: table has %d columns, at most %d fit on a page", n, maxColumns)
	}
	if len(t.Align) > n {
		return nil, fmt.Errorf("invoicepdf: table has %d alignments for %d columns", len(t.Align), n)
	}
	aligns, err := columnAligns(t.Align, n)
	if err != nil {
		return nil, err
	}
	for i, r := range t.Rows {
		if len(r) > n {
			return nil, fmt.Errorf("invoicepdf: row %d has %d cells for %d columns", i+1, len(r), n)
		}
	}
	for i, r := range t.Totals {
		if len(r) > n {
			return nil, fmt.Errorf("invoicepdf: totals row %d has %d cells for %d columns", i+1, len(r), n)
		}
	}
	return aligns, nil
}

// columnAligns reads the alignments of n columns: left (the default),
// right or centre.
func columnAligns(names []string, n int) ([]align.Type, error) {
	aligns := make([]align.Type, n)
	for i := range aligns {
		aligns[i] = align.Left
		if i >= len(names) {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(names[i])) {
		case "", "left":
		case "right":
			aligns[i] = align.Right
		case "center", "centre":
			aligns[i] = align.Center
		default:
			return nil, fmt.Errorf("invoicepdf: column %d: unknown alignment %q (want left or right)", i+1, names[i])
		}
	}
	return aligns, nil
}

// tableHeading is a table's heading: title and subtitle on the left, the
// party on the right.
func tableHeading(t Table, title string) core.Row {
	left := vstack(newPara(title, stBody.with(16, fontstyle.Bold, colorAccent).pad(0, 1.5)))
	left.add(lines(t.Subtitle, stBody.with(10, fontstyle.Normal, colorMuted))...)
	right := vstack()
	if t.Party.Name != "" || t.Party.Address != "" {
		right.add(newPara(t.Party.Name, stBody.with(10, fontstyle.Bold, colorInk).alignRight()))
		for _, c := range partyDetails(t.Party, stBody.with(8.5, fontstyle.Normal, colorInk).alignRight()) {
			right.add(c)
		}
	}
	return row.New().Add(col.New(pc(60)).Add(left), col.New(pc(40)).Add(right))
}

// addTableBody adds the rows of t under a header row repeated on every
// page they continue on, then its totals below a rule.
func addTableBody(m core.Maroto, t Table, aligns []align.Type, avail float64) error {
	sizes := columnSizes(t, aligns, avail)
	l := tableLayout{sizes: sizes, widths: textWidths(sizes, avail), aligns: aligns}
	right := make([]bool, len(aligns))
	for i, a := range aligns {
		right[i] = a == align.Right
	}
	head := tableHeaderRow(t.Columns, sizes, right)
	if err := startRepeatedHeader(m, head, 12); err != nil {
		return err
	}
	body := tableBody
	if len(t.Rows) == 0 {
		m.AddRows(lineRow(col.New(gridSize).Add(newPara("No entries.", cellStyle(body.colored(colorMuted)).pad(cellPadTop, cellPadBottom)))))
	}
	for _, r := range t.Rows {
		chunks := l.rows(r, body)
		for k, cols := range chunks {
			if k == len(chunks)-1 {
				m.AddRows(lineRow(cols...))
			} else {
				m.AddRows(row.New().Add(cols...))
			}
		}
	}
	if err := stopRepeatedHeader(m); err != nil {
		return err
	}
	for i, r := range t.Totals {
		for k, cols := range l.rows(r, body.bold()) {
			rw := row.New().Add(cols...)
			if i == 0 && k == 0 {
				rw.WithStyle(&props.Cell{BorderType: border.Top, BorderColor: colorAccent, BorderThickness: 0.4})
			}
			m.AddRows(rw)
		}
	}
	return nil
}

// tableLayout is where a table's cells go: each column's grid size, text
// width (mm) and alignment.
type tableLayout struct {
	sizes  []int
	widths []float64
	aligns []align.Type
}

// rows returns the table rows of the cells r: one, or more when a cell is
// too long for one page.
func (l tableLayout) rows(r []string, ts textStyle) [][]core.Col {
	n := len(l.sizes)
	vals := make([]string, n)
	styles := make([]textStyle, n)
	for i := range vals {
		if i < len(r) {
			vals[i] = strings.Join(splitLines(r[i]), " ")
		}
		styles[i] = ts
	}
	var out [][]core.Col
	for k, ch := range chunkCells(vals, l.widths, styles) {
		cols := make([]core.Col, n)
		for i, v := range ch {
			st := cellStyle(ts).pad(cellPadTop-0.2, cellPadBottom)
			if k > 0 {
				st.top = 0
			}
			st.align = l.aligns[i]
			cols[i] = col.New(l.sizes[i]).Add(newPara(v, st))
		}
		out = append(out, cols)
	}
	return out
}

// columnSizes lays out the columns of t on a page of width avail (mm):
// amounts and other right-aligned columns keep their one-line width, text
// columns share the rest and wrap.
func columnSizes(t Table, aligns []align.Type, avail float64) []int {
	n := len(t.Columns)
	specs := make([]colSpec, n)
	anyFlex := false
	for i, c := range t.Columns {
		specs[i].fit(c, stHead.style, stHead.size)
		specs[i].flex = aligns[i] != align.Right
		anyFlex = anyFlex || specs[i].flex
	}
	cell := func(i int, v string, style fontstyle.Type) {
		v = strings.Join(splitLines(v), " ")
		if aligns[i] == align.Right {
			v = strings.ReplaceAll(v, " ", "\u00a0") // keep amounts on one line
		}
		specs[i].fit(v, style, tableBody.size)
	}
	for _, r := range t.Rows {
		for i, v := range r {
			cell(i, v, tableBody.style)
		}
	}
	for _, r := range t.Totals {
		for i, v := range r {
			cell(i, v, fontstyle.Bold)
		}
	}
	// a very long word is broken rather than crowding out the other columns
	for i := range specs {
		specs[i].min = min(specs[i].min, avail/3)
	}
	return layoutColumns(specs, avail)
}
