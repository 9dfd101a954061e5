package invoicepdf

import (
	"bytes"
	"fmt"
	"time"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/orientation"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// The documents are set in the Go fonts, embedded in the binary and
// registered from bytes: they are Unicode TrueType fonts covering Latin
// (€, £, Ł, ö, ß, …), Greek and Cyrillic. PDF core fonts cannot print € or
// Ł from UTF-8 text. CJK scripts are not covered. Only the regular and
// bold styles are registered (and used): gofpdf spends about 3 ms on each
// font it registers.
const fontFamily = "go"

// ptPerMM converts a font size in points to millimetres (1 in = 72 pt =
// 25.4 mm).
const ptPerMM = 72 / 25.4

// The palette: greys and one accent colour; red only for the DRAFT and
// VOID marks.
var (
	colorInk    = &props.Color{Red: 33, Green: 37, Blue: 41}
	colorMuted  = &props.Color{Red: 105, Green: 112, Blue: 120}
	colorRule   = &props.Color{Red: 208, Green: 213, Blue: 219}
	colorFill   = &props.Color{Red: 241, Green: 243, Blue: 246}
	colorAccent = &props.Color{Red: 24, Green: 76, Blue: 128}
	colorAlert  = &props.Color{Red: 178, Green: 34, Blue: 45}
)

// Text styles (sizes in points).
var (
	stBody  = textStyle{size: 9, color: colorInk}
	stSmall = textStyle{size: 7.5, color: colorMuted}
	stLabel = textStyle{size: 7, color: colorMuted, style: fontstyle.Bold}
	stHead  = textStyle{size: 8, color: colorInk, style: fontstyle.Bold}
)

// Page geometry in millimetres.
const (
	marginSide   = 18
	marginTop    = 16
	marginBottom = 18
	gridSize     = 1000 // column sizes are in thousandths of the width
)

// pc converts a percentage of the page width to grid units.
func pc(percent int) int { return percent * gridSize / 100 }

// contentWidth is the printable width (mm) of a portrait or landscape A4 page.
func contentWidth(landscape bool) float64 {
	if landscape {
		return 297 - 2*marginSide
	}
	return 210 - 2*marginSide
}

// footerGap is the space (mm) kept free between the content and the bottom
// line of every page.
const footerGap = 5

// newDocument returns a maroto document set up with the fonts, margins and
// the bottom line printed on every page ("footer · Page N of M").
func newDocument(landscape bool, footer, title, author string, created time.Time) (core.Maroto, error) {
	// gofpdf writes into the font bytes it is given while subsetting (its
	// table checksums append padding to sub-slices): each document gets its
	// own copy, so that concurrent renders do not race on the shared
	// goregular.TTF and gobold.TTF.
	fonts := []*entity.CustomFont{
		{Family: fontFamily, Style: fontstyle.Normal, Bytes: bytes.Clone(goregular.TTF)},
		{Family: fontFamily, Style: fontstyle.Bold, Bytes: bytes.Clone(gobold.TTF)},
	}
	pattern := "Page {current} of {total}"
	if footer != "" {
		pattern = footer + "   ·   " + pattern
	}
	b := config.NewBuilder().
		WithPageSize(pagesize.A4).
		WithLeftMargin(marginSide).
		WithRightMargin(marginSide).
		WithTopMargin(marginTop).
		WithBottomMargin(marginBottom).
		WithMaxGridSize(gridSize).
		WithCustomFonts(fonts).
		WithDefaultFont(&props.Font{Family: fontFamily, Style: fontstyle.Normal, Size: stBody.size, Color: colorInk}).
		WithPageNumber(props.PageNumber{
			Pattern: pattern,
			Place:   props.Bottom,
			Family:  fontFamily,
			Style:   fontstyle.Normal,
			Size:    7,
			Color:   colorMuted,
		}).
		WithCompression(true).
		WithCreator("Nephele", false)
	if landscape {
		b = b.WithOrientation(orientation.Horizontal)
	}
	if title != "" {
		b = b.WithTitle(title, true)
	}
	if author != "" {
		b = b.WithAuthor(author, true)
	}
	if !created.IsZero() {
		b = b.WithCreationDate(created.UTC())
	}
	m := maroto.New(b.Build())
	// maroto prints the page number in the bottom margin, right under the
	// content area: an empty footer row keeps the content off it.
	if err := m.RegisterFooter(spaceRow(footerGap)); err != nil {
		return nil, fmt.Errorf("invoicepdf: footer: %w", err)
	}
	return m, nil
}
