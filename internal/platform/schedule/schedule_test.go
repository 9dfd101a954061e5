package schedule_test

import (
	"context"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/schedule"
)

// dates is work due at fixed times; it records when each ran and can make
// another work due at the same instant (as a renewal makes an invoice).
type dates struct {
	name   string
	clk    *clock.Test
	due    []time.Time
	log    *[]string
	wakes  *dates
	pushed bool
}

func (d *dates) NextDue(context.Context) (time.Time, bool, error) {
	if len(d.due) == 0 {
		return time.Time{}, false, nil
	}
	return d.due[0], true, nil
}

func (d *dates) RunDue(context.Context) (int, error) {
	n := 0
	for len(d.due) > 0 && !d.due[0].After(d.clk.Now()) {
		*d.log = append(*d.log, d.name+"@"+d.clk.Now().Format("01-02"))
		d.due = d.due[1:]
		n++
		if d.wakes != nil {
			d.wakes.due = append([]time.Time{d.clk.Now()}, d.wakes.due...)
		}
	}
	return n, nil
}

func TestAdvanceWalksEveryDueDateInOrder(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2026, 4, d, 0, 0, 0, 0, time.UTC) }
	clk := clock.NewTest(day(1))
	var log []string
	billing := &dates{name: "bill", clk: clk, due: []time.Time{day(5)}, log: &log}
	renewals := &dates{name: "renew", clk: clk, due: []time.Time{day(3), day(10), day(30)}, log: &log, wakes: billing}
	steps := 0
	err := schedule.Advance(context.Background(), clk, day(20), []schedule.Work{renewals, billing}, func(context.Context) error {
		steps++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"renew@04-03", "bill@04-03", "bill@04-05", "renew@04-10", "bill@04-10"}
	if len(log) != len(want) {
		t.Fatalf("ran %v, want %v", log, want)
	}
	for i := range want {
		if log[i] != want[i] {
			t.Fatalf("ran %v, want %v", log, want)
		}
	}
	if !clk.Now().Equal(day(20)) || steps == 0 {
		t.Fatalf("clock at %s after %d steps", clk.Now(), steps)
	}
	err = schedule.Advance(context.Background(), clk, day(19), []schedule.Work{renewals}, nil)
	if e, ok := errs.As(err); !ok || e.Code != "clock_backwards" {
		t.Fatalf("backwards: %v", err)
	}
}
