// Package page implements cursor pagination for every list of Nephele.
//
// Lists are ordered by id (ids sort by creation time). A cursor is an opaque
// token naming the last item of the previous page; clients pass it back
// unchanged. A page asks for one row more than its limit to know whether a
// next page exists.
package page

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// Limits of a page.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Request is what a client asks for.
type Request struct {
	Limit  int
	Cursor string
}

// After returns the id the page starts after ("" for the first page) and the
// effective limit, or an invalid-input error naming the field.
func (r Request) After() (after string, limit int, err error) {
	limit = r.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return "", 0, errs.Invalid("invalid_limit", "limit must be between 1 and 200",
			errs.Field("limit", "out_of_range", "must be between 1 and 200"))
	}
	if r.Cursor == "" {
		return "", limit, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(r.Cursor)
	if err != nil || !strings.HasPrefix(string(b), "c1:") || len(b) < 5 {
		return "", 0, errs.Invalid("invalid_cursor", "cursor is not one this API returned",
			errs.Field("cursor", "invalid_cursor", "pass back next_cursor unchanged"))
	}
	return string(b[3:]), limit, nil
}

// Cursor encodes the id of a page's last item.
func Cursor(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c1:" + lastID))
}

// Trim cuts rows fetched with limit+1 down to limit and returns the cursor
// of the next page, "" when there is none.
func Trim[T any](rows []T, limit int, id func(T) string) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, Cursor(id(rows[len(rows)-1]))
}

// Offset reads the request as a page of a list in an order other than by
// id (relevance, name), which pages by position: it returns how many rows
// to skip and the limit.
func (r Request) Offset() (offset, limit int, err error) {
	after, limit, err := r.After()
	if err != nil || after == "" {
		return 0, limit, err
	}
	n, convErr := strconv.Atoi(strings.TrimPrefix(after, "@"))
	if !strings.HasPrefix(after, "@") || convErr != nil || n < 0 {
		return 0, 0, errs.Invalid("invalid_cursor", "cursor is not one this API returned",
			errs.Field("cursor", "invalid_cursor", "pass back next_cursor unchanged"))
	}
	return n, limit, nil
}

// OffsetCursor is the cursor of the page starting after offset rows.
func OffsetCursor(offset int) string { return Cursor("@" + strconv.Itoa(offset)) }

// NonNil is s, or an empty slice for nil: a list is encoded as [] and never
// as null.
func NonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
