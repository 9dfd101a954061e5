// Package db is Nephele's storage seam: it opens one of the two engines
// (embedded SQLite through modernc.org/sqlite, PostgreSQL through pgx), carries
// transactions in the context with the business time captured once per
// transaction, runs the embedded migrations and keeps every engine difference
// in one small Dialect.
//
// Stores write plain SQL that runs on both engines: $N placeholders, times
// generated in Go (UTC, microseconds), rounded money as BIGINT minor units,
// decimals as canonical strings, JSON only through col->>'key'. Engine
// specific SQL lives in Dialect and in the per-engine migration files.
//
// On SQLite the pool has exactly one connection (one writer, no SQLITE_BUSY
// inside the process): never issue a query while the rows of another are
// still open. The Select and Get helpers read rows fully before returning.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
)

// Engine names a database engine.
type Engine string

// The engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Config opens a database.
type Config struct {
	// URL is "sqlite:path/to/file.db" (or "sqlite::memory:" for a throwaway
	// database) or "postgres://user@host:5432/db?sslmode=disable".
	URL   string
	Clock clock.Clock
	Log   *slog.Logger
	// MaxConns caps the PostgreSQL pool (default 10). SQLite always uses one.
	MaxConns int32
}

// DB is an open database of either engine.
type DB struct {
	engine  Engine
	sql     *sql.DB       // SQLite; on PostgreSQL a database/sql view of the pool, for goose
	reader  *sql.DB       // SQLite files: read-only connections for snapshots (InSnapshot)
	pool    *pgxpool.Pool // PostgreSQL only
	clock   clock.Clock
	log     *slog.Logger
	dialect Dialect
	redact  string
}

// ParseURL tells the engine of a database URL and returns its normalised
// form. It accepts "sqlite:path", "sqlite://path", "file:path" and
// "postgres://" / "postgresql://" URLs.
func ParseURL(raw string) (Engine, string, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return Postgres, raw, nil
	case strings.HasPrefix(raw, "sqlite://"):
		return SQLite, strings.TrimPrefix(raw, "sqlite://"), nil
	case strings.HasPrefix(raw, "sqlite:"):
		return SQLite, strings.TrimPrefix(raw, "sqlite:"), nil
	case strings.HasPrefix(raw, "file:"):
		return SQLite, strings.TrimPrefix(raw, "file:"), nil
	}
	return "", "", fmt.Errorf("database URL %q: want sqlite:<path> or postgres://...", Redact(raw))
}

// Open opens and pings the database. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	engine, target, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	d := &DB{engine: engine, clock: cfg.Clock, log: cfg.Log, redact: Redact(cfg.URL)}
	switch engine {
	case SQLite:
		d.dialect = sqliteDialect{}
		if err := d.openSQLite(ctx, target); err != nil {
			return nil, err
		}
	case Postgres:
		d.dialect = postgresDialect{}
		if err := d.openPostgres(ctx, target, cfg.MaxConns); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *DB) openSQLite(ctx context.Context, path string) error {
	if path == "" {
		return errors.New("sqlite: empty path")
	}
	if path != ":memory:" {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return fmt.Errorf("sqlite: create data directory: %w", err)
			}
		}
	}
	// busy_timeout is applied first by the driver; WAL lets readers in other
	// processes (backups, `nephele migrate`) run beside the server; immediate
	// transactions take the write lock at BEGIN so busy_timeout applies to
	// them instead of failing on a read-to-write upgrade.
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "NORMAL")
	q.Set("_time_format", "sqlite")
	q.Set("_timezone", "UTC")
	q.Set("_txlock", "immediate")
	// A bigger page cache and memory-mapped reads keep batch work (billing
	// runs) from re-reading pages through system calls. The map covers
	// the database up to SQLite's own limit of 2 GB (pages beyond it are
	// read with a system call each, which halved the speed of a billing
	// run on a database past 256 MB). Mapped pages are the kernel's file
	// cache, shared by every connection and process, not private memory.
	q.Add("_pragma", "cache_size(-65536)")
	q.Add("_pragma", "mmap_size(2147483648)")
	q.Add("_pragma", "temp_store(memory)")
	// A commit that takes the WAL past wal_autocheckpoint pages copies it
	// into the database file. Batch work commits megabytes at a time:
	// at SQLite's default of 1,000 pages (4 MB) nearly every commit
	// checkpointed, copying the same hot pages (index roots, the newest
	// leaves) once per commit. At 32 MB they are copied once per many
	// commits; journal_size_limit truncates the WAL file back afterwards.
	q.Add("_pragma", "wal_autocheckpoint(8192)")
	q.Add("_pragma", "journal_size_limit(67108864)")
	dsn := "file:" + path + "?" + q.Encode()
	if path != ":memory:" {
		// Snapshot readers: deferred transactions (a read takes no write
		// lock) on connections that cannot write.
		r := url.Values{}
		for k, v := range q {
			r[k] = v
		}
		r.Del("_txlock")
		r.Del("_journal_mode") // the writer made the file WAL; that persists
		r.Add("_pragma", "query_only(1)")
		reader, err := openSQLiteDB("file:" + path + "?" + r.Encode())
		if err != nil {
			return fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		reader.SetMaxOpenConns(2)
		reader.SetMaxIdleConns(2)
		d.reader = reader
	}
	sdb, err := openSQLiteDB(dsn)
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	sdb.SetMaxOpenConns(1)
	sdb.SetMaxIdleConns(1)
	sdb.SetConnMaxLifetime(0)
	sdb.SetConnMaxIdleTime(0)
	// Switching a new file to WAL takes an exclusive lock that busy_timeout
	// does not wait for; a second process opening the same new file at the
	// same moment gets SQLITE_BUSY, so retry briefly.
	for attempt := 0; ; attempt++ {
		err = sdb.PingContext(ctx)
		if err == nil {
			break
		}
		if sqliteCode(err)&0xff != sqlite3.SQLITE_BUSY || attempt == 50 {
			sdb.Close()
			return fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.sql = sdb
	return nil
}

func (d *DB) openPostgres(ctx context.Context, raw string, maxConns int32) error {
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return fmt.Errorf("postgres: parse %s: %w", d.redact, err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	} else if cfg.MaxConns < 10 {
		cfg.MaxConns = 10
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["timezone"]; !ok {
		cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		// Scan timestamptz as UTC, so both engines hand back identical values.
		c.TypeMap().RegisterType(&pgtype.Type{
			Name:  "timestamptz",
			OID:   pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
		})
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres: connect %s: %w", d.redact, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("postgres: connect %s: %w", d.redact, err)
	}
	d.pool = pool
	d.sql = stdlib.OpenDBFromPool(pool)
	return nil
}

// Close closes the database.
func (d *DB) Close() error {
	var err error
	if d.sql != nil {
		err = d.sql.Close()
	}
	if d.reader != nil {
		err = errors.Join(err, d.reader.Close())
	}
	if d.pool != nil {
		d.pool.Close()
	}
	return err
}

// Engine tells which engine is open.
func (d *DB) Engine() Engine { return d.engine }

// Dialect returns the engine's SQL differences.
func (d *DB) Dialect() Dialect { return d.dialect }

// Clock returns the clock transactions take their time from.
func (d *DB) Clock() clock.Clock { return d.clock }

// SQL returns the database/sql handle: the SQLite database, or a view of the
// PostgreSQL pool. For migrations and the SQLite job queue driver.
func (d *DB) SQL() *sql.DB { return d.sql }

// Pool returns the PostgreSQL pool, nil on SQLite. For the PostgreSQL job
// queue driver.
func (d *DB) Pool() *pgxpool.Pool { return d.pool }

// Ping checks the database answers, for readiness probes.
func (d *DB) Ping(ctx context.Context) error {
	if d.pool != nil {
		return d.pool.Ping(ctx)
	}
	return d.sql.PingContext(ctx)
}

// String names the database without its password.
func (d *DB) String() string { return d.redact }

// Redact removes a password from a database URL for logs and errors.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Optimize refreshes the query planner's statistics of the tables that
// changed much since their last analysis. A periodic job calls it, and so
// do the batch runs (the lifecycle's, billing's) before they start: a
// boundary grows the charge tables from a handful of rows to hundreds of
// thousands within minutes, and statistics taken on the handful make the
// planner scan where it should seek. It costs little when nothing changed
// much. On SQLite, PRAGMA optimize compares each table's size with its last
// analysis (0x10000: every table, not only those this connection has read,
// since the pool's connections differ) and analyzes a sample of the
// changed; on PostgreSQL, see analyzeGrown.
func (d *DB) Optimize(ctx context.Context) (int64, error) {
	if d.engine != SQLite {
		return 0, d.analyzeGrown(ctx)
	}
	before, err := d.statistics(ctx)
	if err != nil {
		return 0, err
	}
	if _, err := d.Exec(ctx, `PRAGMA optimize=0x10002`); err != nil {
		return 0, err
	}
	after, err := d.statistics(ctx)
	if err != nil || after == before {
		return 0, err
	}
	// A connection reads the statistics when it loads the schema, and loads
	// it again only when the schema changes: an ANALYZE changes the
	// statistics, not the schema. Changing the schema (a table made and
	// dropped) makes every connection of every process read them anew.
	if _, err := d.Exec(ctx, `CREATE TABLE IF NOT EXISTS nephele_statistics_epoch (at INTEGER)`); err != nil {
		return 0, err
	}
	_, err = d.Exec(ctx, `DROP TABLE IF EXISTS nephele_statistics_epoch`)
	return 0, err
}

// analyzeGrown analyzes the PostgreSQL tables of the schema in use that
// changed by more than a fifth (and a thousand rows) since their last
// analysis: autovacuum's own rule, applied now rather than within its
// next nap, which a billing day does not wait for (a run planned with the
// statistics of the morning read the day's 200,000 new charges by
// scanning them).
func (d *DB) analyzeGrown(ctx context.Context) error {
	tables, err := Select(ctx, d, func(sc Scanner) (string, error) {
		var t string
		return t, sc.Scan(&t)
	}, `SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema()
		AND n_mod_since_analyze > 1000 AND n_mod_since_analyze > 0.2 * greatest(n_live_tup, 1)`)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := d.Exec(ctx, `ANALYZE `+pgx.Identifier{t}.Sanitize()); err != nil {
			return err
		}
	}
	return nil
}

// statistics is what SQLite's planner statistics say, in one string.
func (d *DB) statistics(ctx context.Context) (string, error) {
	var s *string
	err := d.QueryRow(ctx, `SELECT group_concat(tbl || ' ' || coalesce(idx, '') || ' ' || stat, ';') FROM sqlite_stat1`).Scan(&s)
	if err != nil && strings.Contains(err.Error(), "no such table") {
		return "", nil // never analyzed
	}
	if err != nil || s == nil {
		return "", err
	}
	return *s, nil
}
