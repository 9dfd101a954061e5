package queue

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
)

type metrics struct {
	jobs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nephele_jobs_total",
			Help: "Background jobs worked, by kind and outcome (ok, error, cancelled, snoozed).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "nephele_job_duration_seconds",
			Help:    "Time spent working a background job, by kind.",
			Buckets: prometheus.DefBuckets,
		}, []string{"kind"}),
	}
	for _, c := range []prometheus.Collector{m.jobs, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	elapsed := clock.Stopwatch()
	err := doInner(ctx)
	m.duration.WithLabelValues(job.Kind).Observe(elapsed().Seconds())
	outcome := "ok"
	var cancel *rivertype.JobCancelError
	var snooze *rivertype.JobSnoozeError
	switch {
	case err == nil:
	case errors.As(err, &cancel):
		outcome = "cancelled"
	case errors.As(err, &snooze):
		outcome = "snoozed"
	default:
		outcome = "error"
	}
	m.jobs.WithLabelValues(job.Kind, outcome).Inc()
	return err
}
