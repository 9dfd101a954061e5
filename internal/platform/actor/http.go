package actor

import (
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/ids"
)

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// FromHTTP describes an incoming HTTP request: its id (the client's
// X-Request-Id when well formed, so a proxy's id carries through, else a new
// one), the client IP and the user agent. With trustProxy the IP is the last
// X-Forwarded-For entry, the one the single proxy in front appended;
// otherwise it is the connection's address.
func FromHTTP(r *http.Request, trustProxy bool) Request {
	id := r.Header.Get("X-Request-Id")
	if !requestIDRE.MatchString(id) {
		id = ids.New(ids.Request)
	}
	return Request{ID: id, IP: clientIP(r, trustProxy), UserAgent: r.UserAgent()}
}

func clientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
