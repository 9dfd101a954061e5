package invoicepdf

import (
	"strings"

	"github.com/johnfercher/go-tree/node"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/breakline"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/linestyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/orientation"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// This file holds a few small maroto components that maroto itself lacks:
// components in a maroto column are drawn on top of each other, so a
// description with its service period under it, a block of address lines
// or a label/value pair needs a vertical stack and a horizontal split that
// measure their children with the provider. Maroto's text component also
// lets a word longer than its column run over the next column; para breaks
// such words.

// textStyle is the look of a paragraph.
type textStyle struct {
	size  float64 // points
	style fontstyle.Type
	color *props.Color
	align align.Type
	// top and bottom are extra space (mm) above and below the paragraph;
	// left and right are the horizontal padding inside the cell.
	top, bottom, left, right float64
}

func (s textStyle) alignRight() textStyle { s.align = align.Right; return s }

func (s textStyle) bold() textStyle { s.style = fontstyle.Bold; return s }

func (s textStyle) colored(c *props.Color) textStyle { s.color = c; return s }

func (s textStyle) pad(top, bottom float64) textStyle { s.top, s.bottom = top, bottom; return s }

func (s textStyle) hpad(left, right float64) textStyle { s.left, s.right = left, right; return s }

// leading is the extra space between two lines of a paragraph, as a
// fraction of the font size.
const leading = 0.28

// descent is the space under the last baseline kept free for descenders,
// as a fraction of the font size.
const descent = 0.3

// para is a paragraph of one logical line (no "\n": use lines), wrapped at
// spaces to the width of its cell. Words wider than the cell are broken.
type para struct {
	value string
	ts    textStyle

	// cached broken value for a given width
	width  float64
	broken string
}

func newPara(value string, ts textStyle) *para {
	value = strings.Join(strings.Fields(value), " ")
	return &para{value: value, ts: ts, width: -1}
}

func (p *para) prop() *props.Text {
	al := p.ts.align
	if al == "" {
		al = align.Left // maroto centres a text without an alignment
	}
	return &props.Text{
		Family:            fontFamily,
		Style:             p.ts.style,
		Size:              p.ts.size,
		Color:             p.ts.color,
		Align:             al,
		Left:              p.ts.left,
		Right:             p.ts.right,
		VerticalPadding:   p.ts.size / ptPerMM * leading,
		BreakLineStrategy: breakline.EmptySpaceStrategy,
	}
}

func (p *para) SetConfig(*entity.Config) {}

func (p *para) GetStructure() *node.Node[core.Structure] {
	return node.New(core.Structure{Type: "para", Value: p.value})
}

// text returns the value with its over-long words broken for width.
func (p *para) text(width float64) string {
	if width != p.width {
		p.width = width
		p.broken = breakLongWords(p.value, p.ts.style, p.ts.size, width)
	}
	return p.broken
}

func (p *para) lines(provider core.Provider, width float64) int {
	if p.value == "" {
		return 0
	}
	pr := p.prop()
	inner := width - pr.Left - pr.Right
	return provider.GetLinesQuantity(p.text(inner), pr, inner)
}

func (p *para) GetHeight(provider core.Provider, cell *entity.Cell) float64 {
	n := p.lines(provider, cell.Width)
	fh := p.ts.size / ptPerMM
	if n == 0 {
		return p.ts.top + p.ts.bottom
	}
	return p.ts.top + float64(n)*fh + float64(n-1)*fh*leading + fh*descent + p.ts.bottom
}

func (p *para) Render(provider core.Provider, cell *entity.Cell) {
	if p.value == "" {
		return
	}
	pr := p.prop()
	c := *cell
	c.Y += p.ts.top
	c.Height = max(c.Height-p.ts.top, 0)
	provider.AddText(p.text(c.Width-pr.Left-pr.Right), &c, pr)
}

// breakLongWords splits every word of s wider than width (mm) into pieces
// that fit, so that maroto, which wraps at spaces only, never lets a word
// run over the next column.
func breakLongWords(s string, style fontstyle.Type, size, width float64) string {
	width -= fitSlack
	if width <= 0 {
		return s
	}
	fits := func(w string) bool { return textWidth(w, style, size) <= width }
	words := strings.Split(s, " ")
	changed := false
	for i, w := range words {
		if fits(w) {
			continue
		}
		changed = true
		var pieces []string
		rest := []rune(w)
		for len(rest) > 0 {
			n := 1 // the longest prefix that fits, at least one rune
			for n < len(rest) && fits(string(rest[:n+1])) {
				n++
			}
			pieces = append(pieces, string(rest[:n]))
			rest = rest[n:]
		}
		words[i] = strings.Join(pieces, " ")
	}
	if !changed {
		return s
	}
	return strings.Join(words, " ")
}

// fitSlack is kept free (mm) when deciding whether a text fits a width, for
// rounding differences between measuring and rendering.
const fitSlack = 0.2

// lines returns one paragraph per line of s ("\n" separated); an empty line
// becomes a blank line of the same height.
func lines(s string, ts textStyle) []core.Component {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	s = strings.Trim(s, "\n")
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []core.Component
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == "" {
			out = append(out, space(ts.size/ptPerMM*(1+leading)))
			continue
		}
		out = append(out, newPara(l, ts))
	}
	return out
}

// stack draws its items one under the other.
type stack struct{ items []core.Component }

func vstack(items ...core.Component) *stack {
	s := &stack{}
	for _, it := range items {
		if it != nil {
			s.items = append(s.items, it)
		}
	}
	return s
}

func (s *stack) add(items ...core.Component) *stack {
	for _, it := range items {
		if it != nil {
			s.items = append(s.items, it)
		}
	}
	return s
}

func (s *stack) SetConfig(cfg *entity.Config) {
	for _, it := range s.items {
		it.SetConfig(cfg)
	}
}

func (s *stack) GetStructure() *node.Node[core.Structure] {
	n := node.New(core.Structure{Type: "stack"})
	for _, it := range s.items {
		n.AddNext(it.GetStructure())
	}
	return n
}

func (s *stack) GetHeight(provider core.Provider, cell *entity.Cell) float64 {
	h := 0.0
	for _, it := range s.items {
		h += it.GetHeight(provider, cell)
	}
	return h
}

func (s *stack) Render(provider core.Provider, cell *entity.Cell) {
	c := *cell
	for _, it := range s.items {
		h := it.GetHeight(provider, &c)
		c.Height = h
		it.Render(provider, &c)
		c.Y += h
	}
}

// split draws its items side by side, item i getting weights[i] of the
// width (after the gaps).
type split struct {
	weights []float64
	items   []core.Component
	gap     float64
}

func hsplit(gap float64, weights []float64, items ...core.Component) *split {
	return &split{weights: weights, items: items, gap: gap}
}

func (s *split) widths(total float64) []float64 {
	sum := 0.0
	for _, w := range s.weights {
		sum += w
	}
	avail := total - s.gap*float64(len(s.items)-1)
	out := make([]float64, len(s.items))
	for i := range s.items {
		out[i] = avail * s.weights[i] / sum
	}
	return out
}

func (s *split) SetConfig(cfg *entity.Config) {
	for _, it := range s.items {
		if it != nil {
			it.SetConfig(cfg)
		}
	}
}

func (s *split) GetStructure() *node.Node[core.Structure] {
	n := node.New(core.Structure{Type: "split"})
	for _, it := range s.items {
		if it != nil {
			n.AddNext(it.GetStructure())
		}
	}
	return n
}

func (s *split) GetHeight(provider core.Provider, cell *entity.Cell) float64 {
	h := 0.0
	for i, w := range s.widths(cell.Width) {
		if s.items[i] == nil {
			continue
		}
		c := *cell
		c.Width = w
		h = max(h, s.items[i].GetHeight(provider, &c))
	}
	return h
}

func (s *split) Render(provider core.Provider, cell *entity.Cell) {
	c := *cell
	for i, w := range s.widths(cell.Width) {
		c.Width = w
		if s.items[i] != nil {
			s.items[i].Render(provider, &c)
		}
		c.X += w + s.gap
	}
}

// spacer is empty vertical space.
type spacer float64

func space(mm float64) spacer { return spacer(mm) }

func (s spacer) SetConfig(*entity.Config) {}

func (s spacer) GetStructure() *node.Node[core.Structure] {
	return node.New(core.Structure{Type: "spacer", Value: float64(s)})
}

func (s spacer) GetHeight(core.Provider, *entity.Cell) float64 { return float64(s) }

func (s spacer) Render(core.Provider, *entity.Cell) {}

// rule is a horizontal line in the middle of height mm.
type rule struct {
	height, thickness float64
	color             *props.Color
}

func (r rule) SetConfig(*entity.Config) {}

func (r rule) GetStructure() *node.Node[core.Structure] {
	return node.New(core.Structure{Type: "rule"})
}

func (r rule) GetHeight(core.Provider, *entity.Cell) float64 { return r.height }

func (r rule) Render(provider core.Provider, cell *entity.Cell) {
	c := *cell
	c.Height = r.height
	provider.AddLine(&c, &props.Line{
		Color: r.color, Style: linestyle.Solid, Thickness: r.thickness,
		Orientation: orientation.Horizontal, OffsetPercent: 50, SizePercent: 100,
	})
}

// frame draws its inner component with padding and a border around it; a
// thick left border makes an accent bar.
type frame struct {
	inner              core.Component
	pad                float64
	color              *props.Color
	thickness, leftBar float64
}

func (f *frame) SetConfig(cfg *entity.Config) { f.inner.SetConfig(cfg) }

func (f *frame) GetStructure() *node.Node[core.Structure] {
	n := node.New(core.Structure{Type: "frame"})
	n.AddNext(f.inner.GetStructure())
	return n
}

func (f *frame) innerCell(cell *entity.Cell) entity.Cell {
	left := f.pad + f.leftBar
	return entity.Cell{X: cell.X + left, Y: cell.Y + f.pad, Width: max(cell.Width-left-f.pad, 0), Height: max(cell.Height-2*f.pad, 0)}
}

func (f *frame) GetHeight(provider core.Provider, cell *entity.Cell) float64 {
	c := f.innerCell(cell)
	return f.inner.GetHeight(provider, &c) + 2*f.pad
}

func (f *frame) Render(provider core.Provider, cell *entity.Cell) {
	h := f.GetHeight(provider, cell)
	line := func(c entity.Cell, o orientation.Type, offset, thickness float64) {
		provider.AddLine(&c, &props.Line{
			Color: f.color, Style: linestyle.Solid, Thickness: thickness,
			Orientation: o, OffsetPercent: offset, SizePercent: 100,
		})
	}
	box := entity.Cell{X: cell.X, Y: cell.Y, Width: cell.Width, Height: h}
	if f.thickness > 0 {
		line(box, orientation.Horizontal, 0, f.thickness)
		line(box, orientation.Horizontal, 100, f.thickness)
		line(box, orientation.Vertical, 100, f.thickness)
		line(box, orientation.Vertical, 0, f.thickness)
	}
	if f.leftBar > 0 {
		// a vertical line of width leftBar, drawn along its centre
		bar := box
		bar.X += f.leftBar / 2
		line(bar, orientation.Vertical, 0, f.leftBar)
	}
	c := f.innerCell(&box)
	f.inner.Render(provider, &c)
}
