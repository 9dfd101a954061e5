package page

import (
	"context"

	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// Order is the direction of a list by id: Ascending lists oldest first,
// Descending newest first.
type Order bool

// The orders.
const (
	Ascending  Order = false
	Descending Order = true
)

// List runs q (a SELECT whose WHERE clause is open for more conditions)
// as one page: it adds the cursor condition on idColumn, the order and the
// limit, scans the rows and returns them with the next cursor.
func List[T any](ctx context.Context, d *db.DB, q *db.Query, idColumn string, order Order, r Request,
	scan func(db.Scanner) (T, error), id func(T) string) ([]T, string, error) {
	after, limit, err := r.After()
	if err != nil {
		return nil, "", err
	}
	cmp, dir := " > ", " ASC"
	if order == Descending {
		cmp, dir = " < ", " DESC"
	}
	if after != "" {
		q.Add(" AND " + idColumn + cmp + q.Arg(after))
	}
	q.Add(" ORDER BY " + idColumn + dir + " LIMIT " + q.Arg(limit+1))
	rows, err := db.Select(ctx, d, scan, q.SQL(), q.Args()...)
	if err != nil {
		return nil, "", err
	}
	rows, next := Trim(rows, limit, id)
	return rows, next, nil
}
