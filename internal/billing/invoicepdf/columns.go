package invoicepdf

import (
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
)

// colSpec describes what a table column needs: min is the width (mm) of its
// longest word, pref the width of its longest cell on one line. Flexible
// columns take the space left over once every column has its preferred
// width.
type colSpec struct {
	min, pref float64
	flex      bool
}

// fit widens the spec to hold text (one cell) at the given font.
func (c *colSpec) fit(text string, style fontstyle.Type, size float64) {
	const extra = cellPadX*2 + fitSlack + gridSlack
	for _, line := range splitLines(text) {
		c.pref = max(c.pref, textWidth(line, style, size)+extra)
		for _, w := range strings.Split(line, " ") { // maroto wraps at ASCII spaces only
			c.min = max(c.min, textWidth(w, style, size)+extra)
		}
	}
}

// gridSlack covers the rounding of a column width to whole grid units
// (at most one unit, 0.26 mm on a landscape page).
const gridSlack = 0.3

// layoutColumns shares avail mm among the columns, the way a browser lays
// out an automatic table, and returns their sizes in grid units (summing to
// gridSize):
//   - everything fits on one line: each column gets its preferred width and
//     the widest flexible column (of all columns if none is flexible) the
//     rest;
//   - the longest words fit: each column gets its minimum and the rest is
//     shared in proportion to how much more each would like;
//   - not even that: in proportion to the minimums (words will be broken).
func layoutColumns(specs []colSpec, avail float64) []int {
	n := len(specs)
	w := make([]float64, n)
	sumMin, sumPref := 0.0, 0.0
	for _, s := range specs {
		sumMin += s.min
		sumPref += max(s.pref, s.min)
	}
	switch {
	case sumPref <= avail:
		// the widest flexible column (the widest of all if none is
		// flexible) takes the rest: typically the description
		widest := -1
		for i, s := range specs {
			w[i] = max(s.pref, s.min)
			if s.flex && (widest < 0 || w[i] > w[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			widest = 0
			for i := range w {
				if w[i] > w[widest] {
					widest = i
				}
			}
		}
		w[widest] += avail - sumPref
	case sumMin <= avail:
		want := sumPref - sumMin
		for i, s := range specs {
			w[i] = s.min + (avail-sumMin)*(max(s.pref, s.min)-s.min)/want
		}
	default:
		for i, s := range specs {
			w[i] = avail * s.min / sumMin
		}
	}
	return gridUnits(w)
}

// gridUnits turns widths into integer grid units summing to gridSize
// (largest remainder), each at least 1.
func gridUnits(w []float64) []int {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	units := make([]int, len(w))
	rem := make([]float64, len(w))
	used := 0
	for i, x := range w {
		exact := x / sum * gridSize
		units[i] = max(int(exact), 1)
		rem[i] = exact - float64(units[i])
		used += units[i]
	}
	for used < gridSize {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		units[best]++
		rem[best]--
		used++
	}
	for used > gridSize { // only when the minimum of 1 unit pushed it over
		best := 0
		for i := range units {
			if units[i] > units[best] {
				best = i
			}
		}
		units[best]--
		used--
	}
	return units
}
