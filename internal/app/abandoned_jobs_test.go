package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/nephele-cloud/nephele/internal/app"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
)

// A process killed mid-job leaves its job running. Thirty minutes later a
// new process's test clock advances and answers 200, not "500 job queue:
// 1 jobs still pending" after a minute: River's rescuer, now due after the
// jobs' timeout and a margin rather than an hour, has retried the job, or
// the wait tells it for abandoned and does not wait for it (whichever
// comes first; queue's TestAbandonedJobsAreNotWaitedFor checks the wait).
func TestTestClockIgnoresJobsOfADeadProcess(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			cfg := app.Config{DatabaseURL: dbtest.NewDatabaseURL(t, e), MarketplaceName: "M", Version: "test", LogFormat: "json",
				TestClock: true, Workers: 2, BootstrapAdmin: "root@example.com:bootstrap-pass-1"}
			a, err := app.New(context.Background(), cfg, app.Options{Hash: identitytest.CheapHash, Log: discard(), PollInterval: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() }) // after serving's own clean-up, which stops the process
			ctx := context.Background()

			// Given a delivery the dead process was working half an hour ago,
			if err := a.Queue.Enqueue(ctx, outbox.DeliverArgs{EventID: "evt_of_a_dead_process"},
				&river.InsertOpts{ScheduledAt: clock.System{}.Now().Add(24 * time.Hour), MaxAttempts: 1}); err != nil {
				t.Fatal(err)
			}
			attempted := any(clock.System{}.Now().Add(-30 * time.Minute))
			if e == db.SQLite { // River's SQLite time format
				attempted = attempted.(time.Time).Format("2006-01-02 15:04:05.000")
			}
			if n, err := a.DB.Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = $1
				WHERE kind = 'outbox_deliver' AND state = 'scheduled'`, attempted); err != nil || n != 1 {
				t.Fatalf("stuck job: %d rows, %v", n, err)
			}

			// when the new process serves and its test clock advances,
			en := serving(t, a)
			var tok struct{ Token string }
			mustJSON(t, en.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "root@example.com", "password": "bootstrap-pass-1"}), &tok)
			to := a.TestClock.Now().Add(time.Hour).Format(time.RFC3339)

			// then the advance is done, without waiting for the dead job.
			r := en.do("POST", "/api/v1/test-clock/advance", tok.Token, map[string]string{"to": to})
			if r.Status != 200 {
				t.Fatalf("advance: %d %s", r.Status, r.Body)
			}
		})
	}
}
