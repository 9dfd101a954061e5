package invoicepdf

import (
	"math"
	"strings"
	"sync"

	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Text widths are measured here from the same TrueType fonts the PDF
// embeds, the way gofpdf measures them (advance widths in thousandths of
// an em, rounded; no kerning), so that layout decisions (column widths,
// breaking a word too long for its column) match the rendering.

// metrics holds the advance widths of one font in thousandths of an em.
type metrics struct {
	font *sfnt.Font
	upem float64

	mu     sync.Mutex
	widths map[rune]float64
	buf    sfnt.Buffer
}

var fontMetrics = sync.OnceValue(func() map[fontstyle.Type]*metrics {
	out := map[fontstyle.Type]*metrics{}
	for st, ttf := range map[fontstyle.Type][]byte{
		fontstyle.Normal: goregular.TTF,
		fontstyle.Bold:   gobold.TTF,
	} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			panic("invoicepdf: parse embedded Go font: " + err.Error()) // the fonts are compiled in
		}
		out[st] = &metrics{font: f, upem: float64(f.UnitsPerEm()), widths: map[rune]float64{}}
	}
	return out
})

// advance returns the advance width of r in thousandths of an em.
func (m *metrics) advance(r rune) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w, ok := m.widths[r]; ok {
		return w
	}
	w := 0.0
	if idx, err := m.font.GlyphIndex(&m.buf, r); err == nil && idx != 0 {
		ppem := fixed.Int26_6(int64(m.upem) << 6)
		if adv, err := m.font.GlyphAdvance(&m.buf, idx, ppem, font.HintingNone); err == nil {
			w = math.Round(float64(adv) / 64 * 1000 / m.upem)
		}
	}
	m.widths[r] = w
	return w
}

// textWidth returns the printed width of s in mm at size points.
func textWidth(s string, style fontstyle.Type, size float64) float64 {
	m := fontMetrics()[style]
	if m == nil {
		m = fontMetrics()[fontstyle.Normal]
	}
	total := 0.0
	for _, r := range s {
		total += m.advance(r)
	}
	return total / 1000 * size / ptPerMM
}

// wrapLines returns the lines maroto prints s on in a column of width mm:
// its greedy wrapping at ASCII spaces, after breakLongWords.
func wrapLines(s string, style fontstyle.Type, size, width float64) []string {
	s = breakLongWords(s, style, size, width)
	if s == "" {
		return nil
	}
	if textWidth(s, style, size) <= width {
		return []string{s}
	}
	var lines []string
	cur := 0.0
	for _, word := range strings.Split(s, " ") {
		if word == "" {
			continue
		}
		piece, sep := " "+word, " "
		if len(lines) == 0 || lines[len(lines)-1] == "" {
			piece, sep = word, ""
		}
		w := textWidth(piece, style, size)
		if cur+w <= width {
			if len(lines) == 0 {
				lines = append(lines, "")
			}
			lines[len(lines)-1] += sep + word
			cur += w
			continue
		}
		lines = append(lines, word)
		cur = textWidth(word, style, size)
	}
	return lines
}

// maxRowLines is the most text lines a table row holds: maroto never
// splits a row across pages, so a longer cell is continued in further
// rows (chunkCells) rather than running off the page.
const maxRowLines = 10

// chunkCells splits a row's cells, wrapped to widths (mm), into rows of at
// most maxRowLines lines each; most rows come back as they are.
func chunkCells(cells []string, widths []float64, styles []textStyle) [][]string {
	wrapped := make([][]string, len(cells))
	n := 1
	for i, c := range cells {
		// Greedy wrapping fills any two consecutive lines with more than
		// the width, so a text of total width tw takes at most 2·tw/width+1
		// lines: most cells need no wrapping here.
		if tw := textWidth(c, styles[i].style, styles[i].size); widths[i] <= 0 || 2*tw/widths[i]+1 <= maxRowLines {
			wrapped[i] = []string{c}
			continue
		}
		wrapped[i] = wrapLines(c, styles[i].style, styles[i].size, widths[i])
		n = max(n, (len(wrapped[i])+maxRowLines-1)/maxRowLines)
	}
	if n == 1 {
		return [][]string{cells}
	}
	out := make([][]string, n)
	for k := range out {
		out[k] = make([]string, len(cells))
		for i, ls := range wrapped {
			lo, hi := min(k*maxRowLines, len(ls)), min((k+1)*maxRowLines, len(ls))
			out[k][i] = strings.Join(ls[lo:hi], " ")
		}
	}
	return out
}
