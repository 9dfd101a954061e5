// Package ids makes and checks Nephele's prefixed, sortable identifiers.
//
// An id is a kind prefix, an underscore and 26 Crockford base32 characters
// (lower case) encoding a 48-bit millisecond timestamp followed by 80 random
// bits, like ULID: "org_01jd8x3y5k8n4w2q6r7s9t0v1a". Ids sort by creation
// time; within one process ids made in the same millisecond still sort in
// creation order. The prefix tells the kind, so an API can reject an id of
// the wrong kind before it looks anything up.
package ids

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
)

// Kind is an id prefix such as "org" or "usr".
type Kind string

// The kinds of the foundation. Domains declare their own next to their types.
const (
	Organization Kind = "org"
	User         Kind = "usr"
	APIKey       Kind = "key"
	Session      Kind = "ses"
	Event        Kind = "evt"
	AuditEvent   Kind = "aud"
	Request      Kind = "req"
)

const bodyLen = 26

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

var decode = func() (d [256]int8) {
	for i := range d {
		d[i] = -1
	}
	for i, c := range alphabet {
		d[c] = int8(i)
	}
	return d
}()

var gen struct {
	sync.Mutex
	lastMS uint64
	hi     uint16 // high 16 of the 80 random bits
	lo     uint64 // low 64 of the 80 random bits
}

// New returns a fresh id of kind k.
func New(k Kind) string {
	ms := uint64(clock.System{}.Now().UnixMilli())
	gen.Lock()
	if ms <= gen.lastMS {
		// Same (or an earlier, after a clock step back) millisecond: keep the
		// previous timestamp and increment the random part so order holds.
		ms = gen.lastMS
		gen.lo++
		if gen.lo == 0 {
			gen.hi++
		}
	} else {
		var b [10]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("ids: crypto/rand failed: " + err.Error())
		}
		gen.hi = binary.BigEndian.Uint16(b[:2]) & 0x7fff // leave room to increment
		gen.lo = binary.BigEndian.Uint64(b[2:])
		gen.lastMS = ms
	}
	hi, lo := gen.hi, gen.lo
	gen.Unlock()

	// 128 bits: 48 time | 16 hi | 64 lo, written as 26 base32 digits (130 bits,
	// the top two always zero).
	var out [bodyLen]byte
	for i := bodyLen - 1; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | uint64(hi)<<59
		hi = uint16(uint64(hi)>>5) | uint16(ms<<11)
		ms >>= 5
	}
	return string(k) + "_" + string(out[:])
}

// Valid reports whether s is a well-formed id of kind k.
func Valid(k Kind, s string) bool {
	return Check(k, s) == nil
}

// Check returns an error naming the problem when s is not a well-formed id of
// kind k: a wrong prefix (an id of another kind) or a malformed body.
func Check(k Kind, s string) error {
	prefix, body, ok := strings.Cut(s, "_")
	if !ok || prefix == "" {
		return fmt.Errorf("%q is not an id: expected %s_ followed by %d characters", s, k, bodyLen)
	}
	if Kind(prefix) != k {
		return fmt.Errorf("%q is an id of kind %q, expected %q", s, prefix, k)
	}
	if len(body) != bodyLen || body[0] > '7' {
		return fmt.Errorf("%q is not a valid %s id", s, k)
	}
	for i := 0; i < len(body); i++ {
		if decode[body[i]] < 0 {
			return fmt.Errorf("%q is not a valid %s id", s, k)
		}
	}
	return nil
}

// KindOf returns the prefix of s, or "" when s has none.
func KindOf(s string) Kind {
	prefix, _, ok := strings.Cut(s, "_")
	if !ok {
		return ""
	}
	return Kind(prefix)
}
