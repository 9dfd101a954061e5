package db

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

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
	// ForUpdateOf is ForUpdate locking only the rows of the table aliased
	// alias, in a SELECT that joins others.
	ForUpdateOf(alias string) string
	// ForUpdateOfSkipLocked is ForUpdateSkipLocked locking only the rows
	// of the table aliased alias, in a SELECT that joins others.
	ForUpdateOfSkipLocked(alias string) string
	// TextSearch matches the rows of a full-text indexed table against
	// words (each also matching as a prefix: "back" finds "backup"),
	// binding its argument in q. It returns the condition and an expression
	// ranking the matches (larger is better). words must come from Words.
	TextSearch(idx TextIndex, words []string, q *Query) (cond, rank string)
	// TimeText reads col, a timestamp column, for TimeDest or NullTimeDest
	// to scan: on SQLite as its text, which costs the driver no parse
	// (see timetext.go); on PostgreSQL as it is. Use it in queries that
	// read timestamps in bulk.
	TimeText(col string) string
	// TimeDest is the Scan destination filling *t from a timestamp column
	// read as it is or through TimeText.
	TimeDest(t *time.Time) any
	// NullTimeDest is TimeDest for a column that may be NULL (*t nil).
	NullTimeDest(t **time.Time) any
	// Writers is how many write transactions usefully run at once: one on
	// SQLite (one writer), more on PostgreSQL (rows locked apart).
	Writers() int
	// Shard is a condition keeping the rows whose text column col falls in
	// shard i of n (0 <= i < n), so that n workers claim disjoint sets:
	// by a hash of the value on PostgreSQL; on SQLite, whose one writer
	// needs no shards, true (there n is 1).
	Shard(col string, n, i int) string
	// Name is the engine, for logs.
	Name() Engine
}

// TextIndex names a table's full-text index on both engines: an FTS5 table
// with the same rowids on SQLite, a tsvector column on PostgreSQL.
type TextIndex struct {
	// Alias is the table's name or alias in the query.
	Alias string
	// FTS is the SQLite FTS5 table (external content on the table's rowid).
	FTS string
	// Vector is the PostgreSQL tsvector column (its setweight classes rank
	// the columns there).
	Vector string
	// Weights rank a match in each FTS5 column, in column order, as the
	// vector's weight classes do on PostgreSQL: a word in a name counts
	// more than one in a description. Empty weighs every column alike.
	Weights string
}

// Words splits a search phrase into at most 8 lower-cased words of letters
// and digits, the only characters that reach a full-text query.
func Words(phrase string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(phrase), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len(out) == 8 {
			break
		}
		out = append(out, w)
	}
	return out
}

type sqliteDialect struct{}

func (sqliteDialect) ForUpdate() string                   { return "" }
func (sqliteDialect) Writers() int                        { return 1 }
func (sqliteDialect) Shard(string, int, int) string       { return "1 = 1" }
func (sqliteDialect) ForUpdateSkipLocked() string         { return "" }
func (sqliteDialect) ForUpdateOf(string) string           { return "" }
func (sqliteDialect) ForUpdateOfSkipLocked(string) string { return "" }
func (sqliteDialect) Name() Engine                        { return SQLite }
func (sqliteDialect) TimeText(col string) string          { return "CAST(" + col + " AS TEXT)" }
func (sqliteDialect) TimeDest(t *time.Time) any           { return storedTime{t} }
func (sqliteDialect) NullTimeDest(t **time.Time) any      { return storedNullTime{t} }

func (sqliteDialect) TextSearch(idx TextIndex, words []string, q *Query) (string, string) {
	terms := make([]string, len(words))
	for i, w := range words {
		terms[i] = `"` + w + `"*` // words hold only letters and digits
	}
	p := q.Arg(strings.Join(terms, " "))
	cond := idx.Alias + ".rowid IN (SELECT rowid FROM " + idx.FTS + " WHERE " + idx.FTS + " MATCH " + p + ")"
	score := "rank"
	if idx.Weights != "" {
		score = "bm25(" + idx.FTS + ", " + idx.Weights + ")"
	}
	rank := "(SELECT -" + score + " FROM " + idx.FTS + " WHERE " + idx.FTS + " MATCH " + p + " AND " + idx.FTS + ".rowid = " + idx.Alias + ".rowid)"
	return cond, rank
}

type postgresDialect struct{}

func (postgresDialect) ForUpdate() string           { return " FOR UPDATE" }
func (postgresDialect) ForUpdateSkipLocked() string { return " FOR UPDATE SKIP LOCKED" }
func (postgresDialect) ForUpdateOf(alias string) string {
	return " FOR UPDATE OF " + alias
}
func (postgresDialect) ForUpdateOfSkipLocked(alias string) string {
	return " FOR UPDATE OF " + alias + " SKIP LOCKED"
}
func (postgresDialect) Name() Engine { return Postgres }
func (postgresDialect) Writers() int { return 2 }
func (postgresDialect) Shard(col string, n, i int) string {
	if n <= 1 {
		return "TRUE"
	}
	return "(hashtext(" + col + ") & 2147483647) % " + strconv.Itoa(n) + " = " + strconv.Itoa(i)
}
func (postgresDialect) TimeText(col string) string     { return col }
func (postgresDialect) TimeDest(t *time.Time) any      { return t }
func (postgresDialect) NullTimeDest(t **time.Time) any { return t }

func (postgresDialect) TextSearch(idx TextIndex, words []string, q *Query) (string, string) {
	terms := make([]string, len(words))
	for i, w := range words {
		terms[i] = w + ":*" // words hold only letters and digits
	}
	query := "to_tsquery('simple', " + q.Arg(strings.Join(terms, " & ")) + ")"
	col := idx.Alias + "." + idx.Vector
	return col + " @@ " + query, "ts_rank(" + col + ", " + query + ")"
}
