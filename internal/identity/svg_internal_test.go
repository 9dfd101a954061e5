package identity

import (
	"strings"
	"testing"
)

// An SVG logo is accepted only when every element and attribute is on the
// allow-list: nothing that runs script, loads from elsewhere or embeds
// HTML. Each payload below ran (or fetched) in a browser that opened the
// logo directly.
func TestSVGLogoAllowList(t *testing.T) {
	t.Parallel()
	const ns = `xmlns="http://www.w3.org/2000/svg"`
	bad := map[string]string{
		"script":            `<svg ` + ns + `><script>alert(1)</script></svg>`,
		"onload":            `<svg ` + ns + ` onload="alert(1)"><rect width="1" height="1"/></svg>`,
		"onload upper":      `<svg ` + ns + ` ONLOAD="alert(1)"/>`,
		"onclick child":     `<svg ` + ns + `><rect width="1" height="1" onclick="alert(1)"/></svg>`,
		"foreignObject":     `<svg ` + ns + `><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="javascript:alert(1)"/></body></foreignObject></svg>`,
		"style element":     `<svg ` + ns + `><style>@import url(https://evil.example/x.css);</style></svg>`,
		"javascript href":   `<svg ` + ns + ` xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="javascript:alert(1)"><rect width="1" height="1"/></a></svg>`,
		"use external":      `<svg ` + ns + `><use href="https://evil.example/x.svg#a"/></svg>`,
		"use javascript":    `<svg ` + ns + ` xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="javascript:alert(1)"/></svg>`,
		"image":             `<svg ` + ns + `><image href="https://evil.example/track.png"/></svg>`,
		"set href":          `<svg ` + ns + `><a><set attributeName="href" to="javascript:alert(1)"/><rect width="1" height="1"/></a></svg>`,
		"animate":           `<svg ` + ns + `><animate attributeName="onload" to="alert(1)"/></svg>`,
		"external fill":     `<svg ` + ns + `><rect width="1" height="1" fill="url(https://evil.example/p.svg#g)"/></svg>`,
		"style url":         `<svg ` + ns + `><rect width="1" height="1" style="fill:url(https://evil.example/x)"/></svg>`,
		"doctype entity":    `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "alert(1)">]><svg ` + ns + `><text>&x;</text></svg>`,
		"processing":        `<?xml-stylesheet href="https://evil.example/x.css"?><svg ` + ns + `/>`,
		"html root":         `<html><body><svg ` + ns + `/></body></html>`,
		"no namespace":      `<svg onload="alert(1)"></svg>`,
		"script namespaced": `<svg ` + ns + ` xmlns:h="http://www.w3.org/1999/xhtml"><h:script>alert(1)</h:script></svg>`,
		"not xml":           `<svg ` + ns + `><rect></svg>`,
		"trailing html":     `<svg ` + ns + `/><script>alert(1)</script>`,
	}
	for name, svg := range bad {
		if got := logoType([]byte(svg)); got != "" {
			t.Errorf("%s: accepted as %q", name, got)
		}
	}
	good := []string{
		`<svg ` + ns + ` width="10" height="10"><rect width="10" height="10" fill="#7a1f5c"/></svg>`,
		`<?xml version="1.0" encoding="UTF-8"?>
<!-- a logo -->
<svg ` + ns + ` xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 40" version="1.1">
  <title>Acme</title>
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#123"/><stop offset="1" stop-color="#456"/></linearGradient>
  <path id="p" d="M0 0h10v10z"/></defs>
  <g transform="translate(2 2)" style="fill:url(#g);stroke:#000;stroke-width:2">
    <use xlink:href="#p"/><circle cx="5" cy="5" r="4" fill="url(#g)"/>
    <text x="20" y="20" font-family="sans-serif" font-size="12">Acme &amp; Co</text>
  </g>
</svg>`,
	}
	for _, svg := range good {
		if got := logoType([]byte(svg)); got != "image/svg+xml" {
			t.Errorf("refused a plain logo: %.80s", strings.ReplaceAll(svg, "\n", " "))
		}
	}
}
