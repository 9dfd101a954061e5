// Package app is the composition root: the only package that knows every
// concrete type. It opens the database, migrates it, builds the domain
// services, the job queue, the API and the web pages, and runs them in one
// process with a graceful shutdown.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/nephele-cloud/nephele/internal/api"
	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/jobs"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/queue"
	"github.com/nephele-cloud/nephele/internal/platform/schedule"
	"github.com/nephele-cloud/nephele/internal/services"
	"github.com/nephele-cloud/nephele/internal/subscription"
	"github.com/nephele-cloud/nephele/internal/web"
)

// Options are the parts tests replace.
type Options struct {
	// Clock defaults to the system clock.
	Clock clock.Clock
	// Log defaults to a JSON (or text, per Config.LogFormat) logger on stderr.
	Log *slog.Logger
	// Hash overrides the password hashing cost (tests).
	Hash identity.HashParams
	// PollInterval overrides how often idle workers look for jobs.
	PollInterval time.Duration
}

// App is a running Nephele process.
type App struct {
	Config   Config
	Log      *slog.Logger
	DB       *db.DB
	Queue    *queue.Queue
	Outbox   *outbox.Outbox
	Audit    *audit.Log
	Identity *identity.Service
	Catalog  *catalog.Service
	Channel  *channel.Service
	Subs     *subscription.Service
	Ledger   *ledger.Ledger
	Billing  *billing.Service
	// TestClock is the settable clock of a server in test mode (nil
	// otherwise).
	TestClock *clock.Test
	API       *api.API
	Registry  *prometheus.Registry

	handler http.Handler
	running atomic.Bool
}

// NewLogger builds the process logger from the configuration.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// New opens and migrates the database and builds every part of the process.
// Close releases what it opened.
func New(ctx context.Context, cfg Config, opts Options) (*App, error) {
	var testClock *clock.Test
	switch {
	case cfg.TestClock && opts.Clock == nil:
		testClock = clock.NewTest(clock.System{}.Now())
		opts.Clock = testClock
	case cfg.TestClock:
		tc, ok := opts.Clock.(*clock.Test)
		if !ok {
			return nil, errors.New("test clock mode needs a settable clock")
		}
		testClock = tc
	case opts.Clock == nil:
		opts.Clock = clock.System{}
	}
	if opts.Log == nil {
		opts.Log = NewLogger(cfg, os.Stderr)
	}
	a := &App{Config: cfg, Log: opts.Log, Registry: prometheus.NewRegistry(), TestClock: testClock}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	d, err := db.Open(ctx, db.Config{URL: cfg.DatabaseURL, Clock: opts.Clock, Log: opts.Log})
	if err != nil {
		return nil, err
	}
	a.DB = d
	applied, err := d.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if len(applied) > 0 {
		a.Log.Info("database migrated", "engine", d.Engine(), "versions", applied)
	}

	if err := a.build(cfg, opts); err != nil {
		d.Close()
		return nil, err
	}
	if n, err := a.Subs.SealCredentials(ctx); err != nil {
		d.Close()
		return nil, err
	} else if n > 0 {
		a.Log.Info("subscription credentials sealed under the current secret key", "rows", n)
	}
	if _, err := a.Identity.EnsureOperator(ctx, cfg.MarketplaceName); err != nil {
		d.Close()
		return nil, fmt.Errorf("operator organization: %w", err)
	}
	if err := a.Channel.EnsureDefaultCatalogs(actor.With(ctx, actor.System)); err != nil {
		d.Close()
		return nil, fmt.Errorf("default price catalogs: %w", err)
	}
	if cfg.BootstrapAdmin != "" {
		created, err := a.Identity.BootstrapAdmin(ctx, cfg.BootstrapAdmin)
		if err != nil {
			d.Close()
			return nil, err
		}
		if created {
			email, _, _ := strings.Cut(cfg.BootstrapAdmin, ":")
			a.Log.Info("bootstrap super admin created", "email", email)
		}
	}
	return a, nil
}

// build wires the services, the queue, the API and the pages.
func (a *App) build(cfg Config, opts Options) error {
	// The queue comes first (services enqueue through it); its workers,
	// which call the services, are registered once those exist.
	workers := river.NewWorkers()
	qcfg := queue.Config{Log: a.Log, Metrics: a.Registry, PollInterval: opts.PollInterval, JobTimeout: jobs.JobTimeout}
	if cfg.Workers > 0 {
		qcfg.Workers = workers
		qcfg.Periodic = jobs.Periodic(jobs.CleanupTasks)
		qcfg.MaxWorkers = cfg.Workers
	}
	var err error
	if a.Queue, err = queue.New(a.DB, qcfg); err != nil {
		return err
	}
	cfgs := services.Defaults()
	if opts.Hash.MemoryKiB != 0 {
		cfgs.Identity.Hash = opts.Hash
	}
	if a.TestClock != nil {
		// Moving business time must not sign everyone out.
		cfgs.Identity.SessionClock = clock.System{}
	}
	cfgs.Identity.MarketplaceName = cfg.MarketplaceName
	if keys, err := cfg.keyring(); err != nil {
		return err
	} else if keys != nil {
		cfgs.Secrets = keys
	} else {
		a.Log.Warn("no secret key configured: credentials are sealed with a key that dies with this process (tests only)")
	}
	s := services.New(a.DB, outbox.New(a.DB, a.Queue, a.Log), cfgs, a.Log)
	a.Audit, a.Outbox, a.Identity, a.Catalog, a.Channel = s.Audit, s.Outbox, s.Identity, s.Catalog, s.Channel
	a.Subs, a.Ledger, a.Billing = s.Subs, s.Ledger, s.Billing

	a.API = api.New(api.Config{
		Log: a.Log, Auth: a.Identity, DB: a.DB, Clock: opts.Clock, Metrics: a.Registry,
		Version: cfg.Version, TrustProxy: cfg.TrustProxy,
	})
	api.RegisterIdentity(a.API, a.Identity)
	api.RegisterCatalog(a.API, a.Catalog)
	api.RegisterChannel(a.API, a.Channel)
	api.RegisterSubscriptions(a.API, a.Subs)
	api.RegisterBilling(a.API, a.Billing)
	if a.TestClock != nil {
		api.RegisterTestClock(a.API, testClock{a}, func(ctx context.Context) error {
			_, err := identity.Authorize(ctx, identity.UserManagement)
			return err
		})
	}

	jobs.Register(workers, jobs.Deps{Outbox: a.Outbox, Log: a.Log, Lifecycle: a.runDue, Cleanups: map[string]jobs.CleanupFunc{
		jobs.CleanupIdempotencyKeys: a.API.PurgeExpiredIdempotencyKeys,
		jobs.CleanupLoginAttempts:   a.Identity.PurgeLoginAttempts,
		jobs.CleanupSessions:        a.Identity.PurgeSessions,
		jobs.OptimizeDatabase:       a.DB.Optimize,
	}})

	pages, err := web.New(web.Config{
		Identity: a.Identity, Log: a.Log, MarketplaceName: cfg.MarketplaceName,
		CookieSecure: !cfg.InsecureCookies, APIDocsPath: api.DocsPath, TrustProxy: cfg.TrustProxy,
		Metrics: a.Registry, Catalog: a.Catalog, Channel: a.Channel, Subs: a.Subs, Billing: a.Billing,
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", a.API.Handler())
	ops := api.OpsHandler(api.OpsConfig{DB: a.DB, Gatherer: a.Registry, Log: a.Log})
	mux.Handle("GET /healthz", ops)
	mux.Handle("GET /readyz", ops)
	mux.Handle("GET /metrics", ops)
	mux.Handle("/", pages)
	a.handler = mux
	return nil
}

// Handler is the whole HTTP surface: API, pages and operational endpoints.
func (a *App) Handler() http.Handler { return a.handler }

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

// ShutdownTimeout bounds the wait for in-flight requests and jobs.
const ShutdownTimeout = 30 * time.Second

// Run serves on ln (or on Config.Addr when ln is nil) and works jobs until
// ctx ends, then shuts down gracefully: it stops accepting connections,
// finishes in-flight requests, lets running jobs finish and returns. ready,
// if set, is called with the listening address once requests are accepted.
func (a *App) Run(ctx context.Context, ln net.Listener, ready func(addr string)) error {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.Config.Addr); err != nil {
			return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
		}
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	if err := a.Queue.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	a.running.Store(a.Config.Workers > 0)
	defer a.running.Store(false)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.Log.Info("nephele serving", "addr", ln.Addr().String(), "engine", a.DB.Engine(), "version", a.Config.Version, "workers", a.Config.Workers)
	if ready != nil {
		ready(ln.Addr().String())
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	httpErr := srv.Shutdown(sctx)
	jobErr := a.Queue.Stop(sctx)
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	if err := errors.Join(serveErr, httpErr, jobErr); err != nil {
		return err
	}
	a.Log.Info("stopped")
	return nil
}

// dueWork is every domain's time-driven work, in the order a test-clock
// stop runs it.
func (a *App) dueWork() []schedule.Work {
	return []schedule.Work{a.Subs, a.Billing}
}

// runDue performs the time-driven work of every domain that is due (the
// lifecycle job, every minute).
func (a *App) runDue(ctx context.Context) (int, error) {
	done := 0
	for _, w := range a.dueWork() {
		n, err := w.RunDue(ctx)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// testClock is the test-clock API's view of a server in test mode: an
// advance walks through every due date, runs the lifecycle work due then
// and, when this process works jobs, waits for the jobs that work caused.
type testClock struct{ a *App }

func (t testClock) Now() time.Time { return t.a.TestClock.Now() }

func (t testClock) Advance(ctx context.Context, to time.Time) error {
	return schedule.Advance(ctx, t.a.TestClock, to, t.a.dueWork(), func(ctx context.Context) error {
		if !t.a.running.Load() {
			// No workers: hand the events over here.
			_, err := t.a.Outbox.DeliverPending(ctx)
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		return t.a.Queue.WaitIdle(wctx)
	})
}
