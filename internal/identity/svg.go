package identity

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// An SVG logo is served to every visitor's browser, which runs whatever
// script the file carries when the logo is opened directly. So an SVG is
// accepted only when it is plain drawing: every element and attribute on
// an allow-list, no script, event handler, embedded HTML, animation,
// stylesheet, external reference or DTD. It is refused, not rewritten: the
// stored logo is byte for byte what was checked.

const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
)

// svgElements are the drawing elements a logo may use.
var svgElements = setOf("svg", "g", "defs", "title", "desc", "symbol", "use", "path", "rect", "circle", "ellipse", "line",
	"polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop", "clipPath", "mask")

// svgAttributes are the geometry and presentation attributes they may
// carry (no event handlers: none starts with "on").
var svgAttributes = setOf("id", "class", "version", "width", "height", "viewBox", "preserveAspectRatio", "x", "y", "x1", "y1",
	"x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "d", "points", "pathLength", "transform", "style",
	"fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
	"stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "color", "display", "visibility",
	"clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits", "maskContentUnits",
	"offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod",
	"font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline", "letter-spacing",
	"word-spacing", "dx", "dy", "rotate", "textLength", "lengthAdjust", "href")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

var errUnsafeSVG = errors.New("the SVG is not plain drawing")

// safeSVG reports whether b is one well-formed SVG document made only of
// allow-listed elements and attributes.
func safeSVG(b []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.Entity = nil // the five predefined entities only
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return depth == 0 && roots == 1
		}
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 && (roots > 0 || t.Name.Local != "svg") {
				return false // one svg root
			}
			if depth == 0 {
				roots++
			}
			depth++
			if checkSVGElement(t) != nil {
				return false
			}
		case xml.EndElement:
			depth--
		case xml.ProcInst:
			if t.Target != "xml" || depth > 0 || roots > 0 {
				return false // no stylesheets or other instructions
			}
		case xml.Directive:
			return false // no DOCTYPE: no entities, no external DTD
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return false
			}
		}
	}
}

// checkSVGElement checks one element and its attributes.
func checkSVGElement(t xml.StartElement) error {
	if t.Name.Space != svgNS || !svgElements[t.Name.Local] {
		return errUnsafeSVG
	}
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns"):
			continue // namespace declarations; elements are checked by namespace
		case a.Name.Space == xmlNS && (a.Name.Local == "space" || a.Name.Local == "lang"):
			continue
		case a.Name.Space == xlinkNS && a.Name.Local == "href", a.Name.Space == "" && a.Name.Local == "href":
			// A reference within the document only (a gradient, a symbol).
			if !strings.HasPrefix(a.Value, "#") || !plainValue(a.Value[1:]) {
				return errUnsafeSVG
			}
		case a.Name.Space != "" || !svgAttributes[a.Name.Local]:
			return errUnsafeSVG
		case !plainValue(a.Value):
			return errUnsafeSVG
		}
	}
	return nil
}

// plainValue reports whether an attribute value (or a style declaration
// list) refers to nothing outside the document: url() only as url(#id),
// no schemes, escapes or legacy script hooks.
func plainValue(v string) bool {
	l := strings.ToLower(v)
	if strings.ContainsAny(l, `\<>`) || strings.Contains(l, "javascript:") || strings.Contains(l, "data:") ||
		strings.Contains(l, "expression") || strings.Contains(l, "@import") || strings.Contains(l, "behavior") {
		return false
	}
	for rest := l; ; {
		i := strings.Index(rest, "url(")
		if i < 0 {
			return true
		}
		rest = strings.TrimLeft(rest[i+4:], " \t\n\r'\"")
		if !strings.HasPrefix(rest, "#") {
			return false
		}
	}
}
