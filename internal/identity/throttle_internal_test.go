package identity

import (
	"testing"
	"time"
)

func TestSourceOf(t *testing.T) {
	t.Parallel()
	for ip, want := range map[string]string{
		"":                          "unknown",
		"192.0.2.7":                 "192.0.2.7",
		"::ffff:192.0.2.7":          "192.0.2.7",
		"2001:db8:1:2::1":           "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ee:dd:1": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":           "2001:db8:1:3::/64",
		"fe80::1%eth0":              "fe80::/64",
		"not-an-ip":                 "not-an-ip",
	} {
		if got := sourceOf(ip); got != want {
			t.Errorf("sourceOf(%q) = %q, want %q", ip, got, want)
		}
	}
}

func TestThrottleRuleBackOff(t *testing.T) {
	t.Parallel()
	r := throttleRule{key: "ip:x", max: 2, window: 15 * time.Minute, lock: time.Minute, maxLock: 15 * time.Minute}
	var got []time.Duration
	for s := 1; s <= 6; s++ {
		got = append(got, r.lockFor(s))
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("locks %v, want %v", got, want)
		}
	}
	// Strikes are forgotten a window after the last lock ended.
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ended := now.Add(-16 * time.Minute)
	st, wait := r.decide(attempts{failures: 2, windowStart: now.Add(-20 * time.Minute), lockedUntil: &ended, strikes: 4}, now)
	if wait != 0 || st.strikes != 0 || st.failures != 1 {
		t.Fatalf("after a quiet window: %+v, wait %v", st, wait)
	}
}
