package db

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver this one wraps
)

// SQLite connections keep their prepared statements.
//
// database/sql prepares a statement for every call that is not made on a
// *sql.Stmt, and the SQLite driver finalizes it afterwards; compiling the
// same SQL again was a sixth of the CPU of a page request on SQLite and a
// third under the race detector (the job queue's insert alone an eighth).
// This driver wraps the SQLite driver's connections: each keeps the
// statements of its last stmtCacheSize distinct queries and runs a query
// whose text it has seen on the statement already compiled. Every caller
// of the connection benefits, the job queue's own queries included.
//
// database/sql uses a connection from one goroutine at a time, so a cache
// needs no lock. A statement still reading rows is busy: a second run of
// the same text meanwhile (a query nested in another's loop) gets a
// statement of its own, and a busy statement the cache evicts is closed
// when its rows are.

// sqliteDriverName is the caching driver's name for sql.Open.
const sqliteDriverName = "nephele-sqlite"

// stmtCacheSize bounds the statements a connection keeps. Queries whose
// text varies (IN lists of any length) come and go in the least recently
// used end.
const stmtCacheSize = 256

var registerSQLite sync.Once

func openSQLiteDB(dsn string) (*sql.DB, error) {
	registerSQLite.Do(func() {
		// The driver registered as "sqlite", with whatever functions and
		// hooks were registered on it.
		plain, err := sql.Open("sqlite", "")
		if err != nil {
			panic(err) // the driver is linked in; Open does not connect
		}
		sql.Register(sqliteDriverName, cachingDriver{inner: plain.Driver()})
		_ = plain.Close()
	})
	return sql.Open(sqliteDriverName, dsn)
}

type cachingDriver struct{ inner driver.Driver }

func (d cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	inner, ok := c.(sqliteConn)
	if !ok {
		_ = c.Close()
		return nil, errors.New("db: the SQLite driver's connection lacks the context methods")
	}
	return &cachingConn{inner: inner, byQuery: map[string]*cachedStmt{}}, nil
}

// sqliteConn is what the SQLite driver's connections implement.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type cachingConn struct {
	inner   sqliteConn
	byQuery map[string]*cachedStmt
	lru     list.List // of *cachedStmt, most recently used first
}

type cachedStmt struct {
	query   string
	stmt    sqliteStmt
	elem    *list.Element
	busy    bool // rows of it are open
	evicted bool // out of the cache: close when not busy
}

// cacheable tells queries worth keeping: one statement (a script is
// compiled statement by statement on every run anyway).
func cacheable(query string) bool {
	return !strings.Contains(strings.TrimRight(query, "; \t\r\n"), ";")
}

// stmt returns the cached statement for query, compiling it on first use;
// nil when the query is not to be cached or its statement is busy.
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.byQuery[query]; ok {
		if s.busy {
			return nil, nil
		}
		c.lru.MoveToFront(s.elem)
		return s, nil
	}
	if !cacheable(query) {
		return nil, nil
	}
	ds, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(sqliteStmt)
	if !ok {
		_ = ds.Close()
		return nil, nil
	}
	s := &cachedStmt{query: query, stmt: st}
	s.elem = c.lru.PushFront(s)
	c.byQuery[query] = s
	for c.lru.Len() > stmtCacheSize {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.byQuery, old.query)
		old.evicted = true
		if !old.busy {
			_ = old.stmt.Close()
		}
	}
	return s, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.inner.ExecContext(ctx, query, args)
	}
	return s.stmt.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.inner.QueryContext(ctx, query, args)
	}
	r, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: r, s: s}, nil
}

// Prepare and PrepareContext hand out statements of their own: a
// *sql.Stmt is its holder's to close.
func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.inner.PrepareContext(context.Background(), query)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.inner.PrepareContext(ctx, query)
}

func (c *cachingConn) Close() error {
	var errs []error
	for e := c.lru.Front(); e != nil; e = e.Next() {
		errs = append(errs, e.Value.(*cachedStmt).stmt.Close())
	}
	c.lru.Init()
	clear(c.byQuery)
	return errors.Join(append(errs, c.inner.Close())...)
}

func (c *cachingConn) Begin() (driver.Tx, error) { //nolint:staticcheck // driver.Conn requires it
	return c.inner.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner.BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error         { return c.inner.Ping(ctx) }
func (c *cachingConn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }
func (c *cachingConn) IsValid() bool                          { return c.inner.IsValid() }

// cachedRows marks its statement busy until closed.
type cachedRows struct {
	driver.Rows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.s.busy = false
	if r.s.evicted {
		err = errors.Join(err, r.s.stmt.Close())
	}
	return err
}

// The column type methods the SQLite driver's rows have (for
// sql.Rows.ColumnTypes).

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
