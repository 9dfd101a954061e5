// Package dbtest gives tests a fresh, migrated database of each engine.
//
// Each runs a test body once per engine: always on SQLite (a file in the
// test's temp dir) and on PostgreSQL when NEPHELE_TEST_POSTGRES_URL is set,
// each test in its own schema, dropped afterwards. That is the conformance
// suite: every store test written with Each runs on both engines. Set
// NEPHELE_TEST_REQUIRE_POSTGRES=1 (CI does) to fail instead of skipping the
// PostgreSQL half when the URL is missing.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// PostgresURLEnv names the variable holding the PostgreSQL test server URL.
const PostgresURLEnv = "NEPHELE_TEST_POSTGRES_URL"

// Engines lists the engines tests run on here.
func Engines(t testing.TB) []db.Engine {
	engines := []db.Engine{db.SQLite}
	if os.Getenv(PostgresURLEnv) != "" {
		engines = append(engines, db.Postgres)
	} else if os.Getenv("NEPHELE_TEST_REQUIRE_POSTGRES") != "" {
		t.Fatalf("%s is not set but NEPHELE_TEST_REQUIRE_POSTGRES is", PostgresURLEnv)
	}
	return engines
}

// Options tune Open.
type Options struct {
	// Clock defaults to a test clock at 2026-01-01T00:00:00Z.
	Clock clock.Clock
}

// Each runs fn as a parallel subtest per engine, each with its own fresh
// migrated database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, e, Options{}))
		})
	}
}

// DefaultStart is the time test clocks start at.
var DefaultStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Open returns a fresh migrated database of engine e, closed (and on
// PostgreSQL dropped) when the test ends. On SQLite it is a copy of a
// database this process migrated once (see copySQLiteTemplate).
func Open(t testing.TB, e db.Engine, opts Options) *db.DB {
	t.Helper()
	d, _ := OpenURL(t, e, opts)
	return d
}

// OpenURL is Open that also returns the URL of the database, so a test can
// open a second connection to it (a second "process").
func OpenURL(t testing.TB, e db.Engine, opts Options) (*db.DB, string) {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = clock.NewTest(DefaultStart)
	}
	ctx := context.Background()
	u := NewDatabaseURL(t, e)
	if e == db.SQLite {
		copySQLiteTemplate(t, strings.TrimPrefix(u, "sqlite:"))
	}
	d, err := db.Open(ctx, db.Config{URL: u, Clock: opts.Clock, MaxConns: 8})
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", e, err)
	}
	return d, u
}

// NewDatabaseURL returns the URL of a new empty database of engine e: a file
// in the test's temp dir, or a new schema on the PostgreSQL test server.
func NewDatabaseURL(t testing.TB, e db.Engine) string {
	t.Helper()
	if e == db.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "nephele.db")
	}
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		t.Skipf("%s not set", PostgresURLEnv)
	}
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "nt_" + hex.EncodeToString(b[:])
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", db.Redact(base), err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresURLEnv, err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return strings.TrimSpace(pu.String())
}

// The SQLite template: a database migrated once per test process, copied
// for every Open. Migrating runs much of SQLite (a Go translation of C)
// for the DDL; under the race detector that took two seconds per database,
// most of the race pass.
var sqliteTemplate struct {
	once  sync.Once
	bytes []byte
	err   error
}

// copySQLiteTemplate writes a migrated, empty database to path (Migrate
// then finds nothing to do).
func copySQLiteTemplate(t testing.TB, path string) {
	t.Helper()
	sqliteTemplate.once.Do(func() {
		sqliteTemplate.bytes, sqliteTemplate.err = migratedSQLite()
	})
	if sqliteTemplate.err != nil {
		t.Fatalf("migrate the SQLite template: %v", sqliteTemplate.err)
	}
	if err := os.WriteFile(path, sqliteTemplate.bytes, 0o600); err != nil {
		t.Fatalf("copy the SQLite template: %v", err)
	}
}

// migratedSQLite migrates a new SQLite database and returns its file,
// the write-ahead log checkpointed into it.
func migratedSQLite() ([]byte, error) {
	dir, err := os.MkdirTemp("", "nephele-dbtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	ctx := context.Background()
	d, err := db.Open(ctx, db.Config{URL: "sqlite:" + path, Clock: clock.NewTest(DefaultStart)})
	if err != nil {
		return nil, err
	}
	_, err = d.Migrate(ctx)
	if err == nil {
		_, err = d.Exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	if err = errors.Join(err, d.Close()); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}
