package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
)

// Migrations holds the numbered SQL migrations, one folder per engine. Both
// folders carry the same version numbers; a test keeps them in step.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var Migrations embed.FS

// MigrationsFS returns the migrations of one engine.
func MigrationsFS(e Engine) fs.FS {
	sub, err := fs.Sub(Migrations, "migrations/"+string(e))
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}

// migrationLockID is the PostgreSQL advisory lock that serialises migrations
// of concurrently starting processes.
const migrationLockID = 7_415_326_001

// WithMigrationLock runs fn while holding the migration lock, so two
// processes starting at once migrate one after the other: a PostgreSQL
// advisory lock, or on SQLite a lock row in a table of its own (SQLite has no
// session locks; a lock left by a crashed process goes stale after
// staleMigrationLock).
func (d *DB) WithMigrationLock(ctx context.Context, fn func(ctx context.Context) error) error {
	if d.pool == nil {
		release, err := d.sqliteMigrationLock(ctx)
		if err != nil {
			return err
		}
		defer release()
		return fn(ctx)
	}
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLockID)); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLockID)) //nolint:errcheck // released with the session anyway
	return fn(ctx)
}

const staleMigrationLock = 10 * time.Minute

func (d *DB) sqliteMigrationLock(ctx context.Context) (release func(), err error) {
	const create = `CREATE TABLE IF NOT EXISTS nephele_migration_lock (
		id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, acquired_at TIMESTAMP NOT NULL)`
	if _, err := d.sql.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	holder := ids.New("lck")
	ctx, cancel := context.WithTimeout(ctx, 2*staleMigrationLock)
	defer cancel()
	for {
		// Lock waits are infrastructure time, not business time.
		now := clock.System{}.Now()
		_, err := d.sql.ExecContext(ctx, `INSERT INTO nephele_migration_lock (id, holder, acquired_at) VALUES (1, $1, $2)`, holder, now)
		if err == nil {
			return func() {
				_, _ = d.sql.ExecContext(context.WithoutCancel(ctx), `DELETE FROM nephele_migration_lock WHERE holder = $1`, holder)
			}, nil
		}
		if !IsUniqueViolation(err) {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		_, _ = d.sql.ExecContext(ctx, `DELETE FROM nephele_migration_lock WHERE acquired_at < $1`, now.Add(-staleMigrationLock))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("migration lock: waited too long: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Migrate applies, under the migration lock, every pending Nephele migration
// and then the job queue's own (River) migrations. It returns the Nephele
// versions it applied. A failing migration rolls back and stops the run.
func (d *DB) Migrate(ctx context.Context) ([]int64, error) {
	var applied []int64
	err := d.WithMigrationLock(ctx, func(ctx context.Context) error {
		var err error
		if applied, err = d.migrateNephele(ctx); err != nil {
			return err
		}
		return d.migrateQueue(ctx)
	})
	return applied, err
}

func (d *DB) migrateQueue(ctx context.Context) error {
	var err error
	if d.pool != nil {
		var m *rivermigrate.Migrator[pgx.Tx]
		if m, err = rivermigrate.New(riverpgxv5.New(d.pool), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	} else {
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(d.sql), nil); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	return nil
}

func (d *DB) migrateNephele(ctx context.Context) ([]int64, error) {
	p, err := d.provider()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	var applied []int64
	for _, r := range results {
		if r.Error == nil && !r.Empty {
			applied = append(applied, r.Source.Version)
		}
	}
	if err != nil {
		return applied, fmt.Errorf("migrate %s: %w", d.engine, err)
	}
	return applied, nil
}

// MigrateDownTo rolls the Nephele schema back, under the migration lock,
// to version (each migration's Down section, newest first), keeping the
// data: every migration's Down carries the rows back to the older shape.
// It returns the versions it rolled back.
func (d *DB) MigrateDownTo(ctx context.Context, version int64) ([]int64, error) {
	var undone []int64
	err := d.WithMigrationLock(ctx, func(ctx context.Context) error {
		p, err := d.provider()
		if err != nil {
			return err
		}
		results, err := p.DownTo(ctx, version)
		for _, r := range results {
			if r.Error == nil {
				undone = append(undone, r.Source.Version)
			}
		}
		if err != nil {
			return fmt.Errorf("roll back %s: %w", d.engine, err)
		}
		return nil
	})
	return undone, err
}

func (d *DB) provider() (*goose.Provider, error) {
	dialect := goose.DialectSQLite3
	if d.engine == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, d.sql, MigrationsFS(d.engine))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// SchemaVersion returns the newest applied migration version.
func (d *DB) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := d.provider()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}
