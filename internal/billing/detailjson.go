package billing

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// readDetailFast decodes into sd a charge detail as encodeDetail writes
// it, without reflection, in half the general decoder's time (a billing
// run decodes one detail per charge). It reads only that shape (the known members, once each; strings
// without escapes; integers; true and false; times in UTC) and reports
// false for anything else, sd then partly filled: the caller decodes
// such a detail with the general decoder, so both read every input alike
// (a test holds them to it). The usage terms are kept as raw JSON,
// sub-slices of raw.
func readDetailFast(raw []byte, sd *readDetail) bool {
	r := jsonReader{b: raw}
	return r.object(func(key string) (ok bool) {
		switch key {
		case "label":
			sd.Label, ok = r.str()
		case "tax_category":
			sd.TaxCategory, ok = r.str()
		case "issuer_vendor":
			sd.IssuerVendor, ok = r.boolean()
		case "lines":
			ok = r.array(func() bool {
				var l compactLine
				if !r.compactLine(&l) {
					return false
				}
				sd.Lines = append(sd.Lines, l)
				return true
			})
			sd.Lines = page.NonNil(sd.Lines)
		case "postpaid":
			sd.Postpaid, ok = r.value()
		case "claims":
			ok = r.array(func() bool {
				var c claim
				if !r.claim(&c) {
					return false
				}
				sd.Claims = append(sd.Claims, c)
				return true
			})
			sd.Claims = page.NonNil(sd.Claims)
		case "levels":
			sd.Levels, ok = r.value()
		case "parties":
			ok = r.array(func() bool {
				p, ok := r.str()
				sd.Parties = append(sd.Parties, p)
				return ok
			})
			sd.Parties = page.NonNil(sd.Parties)
		case "carried":
			sd.Carried = &readCarried{}
			ok = r.carried(sd.Carried)
		}
		return ok
	}, detailKeys) && r.end()
}

var (
	detailKeys  = []string{"label", "tax_category", "issuer_vendor", "lines", "postpaid", "claims", "levels", "parties", "carried"}
	lineKeys    = []string{"k", "d", "q", "u", "a", "c", "x", "s", "e", "r"}
	rangeKeys   = []string{"f", "t", "q", "u", "p", "n"}
	claimKeys   = []string{"debtor", "creditor", "vendor", "kind", "amount_minor"}
	carriedKeys = []string{"charge_id", "start", "end", "postpaid", "levels"}
)

func (r *jsonReader) compactLine(l *compactLine) bool {
	return r.object(func(key string) (ok bool) {
		switch key {
		case "k":
			l.Kind, ok = r.str()
		case "d":
			l.Description, ok = r.str()
		case "q":
			l.Quantity, ok = r.str()
		case "u":
			l.UnitPrice, ok = r.str()
		case "a":
			l.Amount, ok = r.integer()
		case "c":
			l.Component, ok = r.str()
		case "x":
			l.Extra, ok = r.str()
		case "s":
			l.Start, ok = r.integer()
		case "e":
			l.End, ok = r.integer()
		case "r":
			ok = r.array(func() bool {
				var c compactRange
				if !r.compactRange(&c) {
					return false
				}
				l.Ranges = append(l.Ranges, c)
				return true
			})
			l.Ranges = page.NonNil(l.Ranges)
		}
		return ok
	}, lineKeys)
}

func (r *jsonReader) compactRange(c *compactRange) bool {
	return r.object(func(key string) (ok bool) {
		switch key {
		case "f":
			c.From, ok = r.str()
		case "t":
			c.To, ok = r.str()
		case "q":
			c.Quantity, ok = r.str()
		case "u":
			c.UnitPrice, ok = r.str()
		case "p":
			c.FlatPrice, ok = r.str()
		case "n":
			c.PackageSize, ok = r.integer()
		}
		return ok
	}, rangeKeys)
}

func (r *jsonReader) claim(c *claim) bool {
	return r.object(func(key string) (ok bool) {
		switch key {
		case "debtor":
			c.Debtor, ok = r.str()
		case "creditor":
			c.Creditor, ok = r.str()
		case "vendor":
			c.Vendor, ok = r.boolean()
		case "kind":
			c.Kind, ok = r.str()
		case "amount_minor":
			c.Amount, ok = r.integer()
		}
		return ok
	}, claimKeys)
}

func (r *jsonReader) carried(c *readCarried) bool {
	return r.object(func(key string) (ok bool) {
		switch key {
		case "charge_id":
			c.ChargeID, ok = r.str()
		case "start":
			c.Start, ok = r.utc()
		case "end":
			c.End, ok = r.utc()
		case "postpaid":
			c.Postpaid, ok = r.value()
		case "levels":
			c.Levels, ok = r.value()
		}
		return ok
	}, carriedKeys)
}

// jsonReader reads JSON from b at i; every method reports false for what
// it does not read (the caller then gives up).
type jsonReader struct {
	b []byte
	i int
}

func (r *jsonReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// end reports whether nothing but space follows.
func (r *jsonReader) end() bool {
	r.space()
	return r.i == len(r.b)
}

func (r *jsonReader) next(c byte) bool {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// object reads an object whose members are among keys (at most once
// each, at most 64 keys), each value read by member.
func (r *jsonReader) object(member func(key string) bool, keys []string) bool {
	if !r.next('{') {
		return false
	}
	if r.next('}') {
		return true
	}
	var seen uint64
	for {
		key, ok := r.rawStr()
		if !ok || !r.next(':') {
			return false
		}
		k := -1
		for j, name := range keys {
			if string(key) == name {
				k = j
				break
			}
		}
		if k < 0 || seen&(1<<k) != 0 {
			return false // unknown or repeated: the general decoder says what it is
		}
		seen |= 1 << k
		r.space()
		if !member(keys[k]) {
			return false
		}
		if r.next(',') {
			continue
		}
		return r.next('}')
	}
}

// array reads an array, each element read by elem.
func (r *jsonReader) array(elem func() bool) bool {
	if !r.next('[') {
		return false
	}
	if r.next(']') {
		return true
	}
	for {
		r.space()
		if !elem() {
			return false
		}
		if r.next(',') {
			continue
		}
		return r.next(']')
	}
}

// rawStr reads a string without escapes, control characters or invalid
// UTF-8, returning its bytes in b.
func (r *jsonReader) rawStr() ([]byte, bool) {
	if !r.next('"') {
		return nil, false
	}
	start, ascii := r.i, true
	for ; r.i < len(r.b); r.i++ {
		switch c := r.b[r.i]; {
		case c == '"':
			s := r.b[start:r.i]
			r.i++
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

func (r *jsonReader) str() (string, bool) {
	s, ok := r.rawStr()
	return string(s), ok
}

// integer reads an integer that fits an int64 (no fraction, exponent or
// leading zero).
func (r *jsonReader) integer() (int64, bool) {
	r.space()
	start := r.i
	if r.i < len(r.b) && r.b[r.i] == '-' {
		r.i++
	}
	digits := r.i
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		r.i++
	}
	if r.i == digits || (r.b[digits] == '0' && r.i > digits+1) {
		return 0, false
	}
	if r.i < len(r.b) && (r.b[r.i] == '.' || r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(r.b[start:r.i]), 10, 64)
	return n, err == nil
}

func (r *jsonReader) boolean() (bool, bool) {
	r.space()
	for _, lit := range []string{"true", "false"} {
		if len(r.b)-r.i >= len(lit) && string(r.b[r.i:r.i+len(lit)]) == lit {
			r.i += len(lit)
			return lit == "true", true
		}
	}
	return false, false
}

// utc reads a time written in RFC 3339 in UTC, as time.Time writes it:
// "2006-01-02T15:04:05Z", with up to nine digits of a second's fraction
// before the Z. (time.Parse alone accepts more, a one-digit hour say, that
// the general decoder refuses.)
func (r *jsonReader) utc() (time.Time, bool) {
	s, ok := r.rawStr()
	const layout = "dddd-dd-ddTdd:dd:dd"
	if !ok || len(s) < len(layout)+1 || s[len(s)-1] != 'Z' {
		return time.Time{}, false
	}
	for i := range len(layout) {
		if c := s[i]; (layout[i] == 'd') != (c >= '0' && c <= '9') || (layout[i] != 'd' && c != layout[i]) {
			return time.Time{}, false
		}
	}
	if frac := s[len(layout) : len(s)-1]; len(frac) > 0 {
		if len(frac) < 2 || len(frac) > 10 || frac[0] != '.' {
			return time.Time{}, false
		}
		for _, c := range frac[1:] {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
		}
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	return t, err == nil
}

// value reads any JSON value and returns its bytes, unchecked but for
// UTF-8: the usage terms it reads are decoded, and checked, by the general
// decoder. It finds the value's end by its brackets, outside strings.
func (r *jsonReader) value() ([]byte, bool) {
	r.space()
	start, depth := r.i, 0
	done := func(end int) ([]byte, bool) {
		v := r.b[start:end]
		return v, end > start && utf8.Valid(v)
	}
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch c {
		case '"':
			for r.i++; r.i < len(r.b) && r.b[r.i] != '"'; r.i++ {
				if r.b[r.i] == '\\' {
					r.i++
				}
			}
			if r.i >= len(r.b) {
				return nil, false
			}
		case '{', '[':
			depth++
		case '}', ']', ',':
			if depth == 0 { // the end of a scalar: the container's next byte
				return done(r.i)
			}
			if c != ',' {
				depth--
			}
		}
		r.i++
		if depth == 0 && (c == '"' || c == '}' || c == ']') {
			return done(r.i)
		}
	}
	return nil, false
}
