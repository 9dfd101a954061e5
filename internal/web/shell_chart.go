package web

import (
	"strconv"
)

// panelChart is a bar chart drawn as SVG by the template: geometry in
// viewBox units, computed here; values stay exact (formatted labels).
type panelChart struct {
	ID     string
	Title  string
	Desc   string
	Width  int
	Height int
	// Plot area.
	Left, Top, Right, Bottom int
	Bars                     []panelBar
	Grid                     []panelGridLine
}

// panelBar is one bar with its axis label and value label.
type panelBar struct {
	X, Y, W, H int
	// LabelX is the centre of the bar, for the axis label.
	LabelX int
	Label  string
	// Sub is a second axis line (the year, under January and the first
	// bar).
	Sub   string
	Value string
}

// panelGridLine is a horizontal line of the value axis.
type panelGridLine struct {
	Y     int
	Label string
}

// panelNiceStep rounds a step up to 1, 2 or 5 times a power of ten.
func panelNiceStep(raw int64) int64 {
	if raw < 1 {
		return 1
	}
	p := int64(1)
	for p*10 <= raw {
		p *= 10
	}
	for _, m := range []int64{1, 2, 5, 10} { // 1, 2, 5 × 10ⁿ
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// panelBarChart lays out one bar per value (integers: minor units or
// counts) under at most four grid lines labelled by gridLabel; labels and
// subs name the bars on the axis, full the bars' tooltips.
func panelBarChart(id, title, desc string, labels, subs, full []string, values []int64, valueLabel, gridLabel func(int64) string) panelChart {
	c := panelChart{ID: id, Title: title, Desc: desc, Width: 960, Height: 300, Left: 110, Top: 16, Right: 944, Bottom: 248}
	var max int64
	for _, v := range values {
		if v > max {
			max = v
		}
	}
	step := panelNiceStep((max + 3) / 4)
	lines := int((max + step - 1) / step)
	if lines < 1 {
		lines = 1
	}
	top := step * int64(lines)
	plotH := c.Bottom - c.Top
	for i := 0; i <= lines; i++ { // i ≤ 4
		v := step * int64(i)
		c.Grid = append(c.Grid, panelGridLine{Y: c.Bottom - int(v*int64(plotH)/top), Label: gridLabel(v)})
	}
	n := len(values)
	if n == 0 {
		return c
	}
	slot := (c.Right - c.Left) / n
	w := slot * 3 / 5
	for i, v := range values {
		h := int(v * int64(plotH) / top)
		if v > 0 && h < 1 {
			h = 1
		}
		x := c.Left + i*slot + (slot-w)/2
		c.Bars = append(c.Bars, panelBar{X: x, Y: c.Bottom - h, W: w, H: h, LabelX: x + w/2, Label: labels[i], Sub: subs[i],
			Value: full[i] + ": " + valueLabel(v)})
	}
	return c
}

// panelCount formats a count for a chart.
func panelCount(n int64) string { return strconv.FormatInt(n, 10) }
