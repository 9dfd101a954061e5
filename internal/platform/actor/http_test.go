package actor

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFromHTTP(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.1:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.9, 198.51.100.3")
	r.Header.Set("X-Request-Id", "abc-123")
	r.Header.Set("User-Agent", "test/1")
	if got := FromHTTP(r, false); got.IP != "192.0.2.1" || got.ID != "abc-123" || got.UserAgent != "test/1" {
		t.Fatalf("without proxy: %+v", got)
	}
	if got := FromHTTP(r, true); got.IP != "198.51.100.3" {
		t.Fatalf("behind a proxy: %+v", got)
	}
	r.Header.Set("X-Request-Id", "bad id with spaces")
	if got := FromHTTP(r, false); !strings.HasPrefix(got.ID, "req_") {
		t.Fatalf("malformed client id kept: %q", got.ID)
	}
}
