package db

// Dialect holds the few things that differ between the engines in shared
// queries. Keep it small: everything else is portable SQL.
type Dialect interface {
	// ForUpdate is appended to a SELECT that locks the rows it reads until
	// the transaction ends. SQLite's single writer already serialises
	// transactions, so it is empty there.
	ForUpdate() string
	// ForUpdateSkipLocked is like ForUpdate but skips rows another
	// transaction holds, for claiming work across processes.
	ForUpdateSkipLocked() string
	// Name is the engine, for logs.
	Name() Engine
}

type sqliteDialect struct{}

func (sqliteDialect) ForUpdate() string           { return "" }
func (sqliteDialect) ForUpdateSkipLocked() string { return "" }
func (sqliteDialect) Name() Engine                { return SQLite }

type postgresDialect struct{}

func (postgresDialect) ForUpdate() string           { return " FOR UPDATE" }
func (postgresDialect) ForUpdateSkipLocked() string { return " FOR UPDATE SKIP LOCKED" }
func (postgresDialect) Name() Engine                { return Postgres }
