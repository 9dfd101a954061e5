package clock

import (
	"sync"
	"testing"
	"time"
)

func TestSystemIsUTCMicroseconds(t *testing.T) {
	t.Parallel()
	now := System{}.Now()
	if now.Location() != time.UTC {
		t.Fatalf("location = %v, want UTC", now.Location())
	}
	if now.Nanosecond()%1000 != 0 {
		t.Fatalf("not truncated to microseconds: %v", now)
	}
	if now != now.Round(0) {
		t.Fatal("monotonic reading kept")
	}
}

func TestTestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 31, 23, 0, 0, 1500, time.FixedZone("CET", 3600))
	c := NewTest(start)
	if got, want := c.Now(), time.Date(2026, 1, 31, 22, 0, 0, 1000, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Now = %v, want %v", got, want)
	}
	if got := c.Advance(2 * time.Hour); got.Day() != 1 || got.Month() != time.February {
		t.Fatalf("Advance = %v", got)
	}
	c.Set(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if c.Now().Year() != 2030 {
		t.Fatalf("Set = %v", c.Now())
	}
}

func TestTestClockConcurrent(t *testing.T) {
	t.Parallel()
	c := NewTest(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Advance(time.Second); _ = c.Now() }()
	}
	wg.Wait()
	if got := c.Now(); got.Unix() != 50 {
		t.Fatalf("after 50 advances: %v", got)
	}
}
