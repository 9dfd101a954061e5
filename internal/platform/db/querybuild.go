package db

import (
	"fmt"
	"strings"
)

// Query builds a statement whose numbered placeholders ($1, $2, ...) follow
// the arguments as they are added, for queries with optional conditions.
//
//	q := db.NewQuery(`SELECT id FROM users WHERE status = $1`, "active")
//	if f.Role != "" {
//		q.Add(" AND role = " + q.Arg(f.Role))
//	}
//	rows, err := db.Select(ctx, d, scan, q.SQL(), q.Args()...)
type Query struct {
	sql  strings.Builder
	args []any
}

// NewQuery starts a statement; sql may use $1..$len(args) for args.
func NewQuery(sql string, args ...any) *Query {
	q := &Query{args: args}
	q.sql.WriteString(sql)
	return q
}

// Arg binds v and returns its placeholder.
func (q *Query) Arg(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

// Add appends SQL text (with placeholders from Arg).
func (q *Query) Add(sql string) *Query {
	q.sql.WriteString(sql)
	return q
}

// SQL returns the statement.
func (q *Query) SQL() string { return q.sql.String() }

// Args returns the bound arguments.
func (q *Query) Args() []any { return q.args }
