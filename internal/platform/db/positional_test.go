package db

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestPositional(t *testing.T) {
	many := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	}
	list := func(from, n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf("$%d", from+i))
		}
		return strings.Join(parts, ", ")
	}
	args := many(20)
	for _, c := range []struct {
		name, query, want string
		args, wantArgs    []any
	}{
		{"few arguments stay numbered", `SELECT $2, $1`, `SELECT $2, $1`, many(2), many(2)},
		{"in order", `SELECT 1 WHERE a IN (` + list(1, 20) + `)`, `SELECT 1 WHERE a IN (` + strings.Repeat("?, ", 19) + `?)`, args, args},
		{"reused and out of order", `UPDATE t SET a = $20 WHERE b IN (` + list(1, 19) + `) AND c = $20`,
			`UPDATE t SET a = ? WHERE b IN (` + strings.Repeat("?, ", 18) + `?) AND c = ?`, args,
			append(append([]any{20}, many(19)...), 20)},
		{"quotes and comments", `SELECT '$1', "$2", $3 -- $4
			/* $5 */ FROM t WHERE a IN (` + list(1, 20) + `)`,
			`SELECT '$1', "$2", ? -- $4
			/* $5 */ FROM t WHERE a IN (` + strings.Repeat("?, ", 19) + `?)`, args, append([]any{3}, args...)},
		{"escaped quote", `SELECT 'it''s $1', $1 FROM t WHERE a IN (` + list(1, 20) + `)`,
			`SELECT 'it''s $1', ? FROM t WHERE a IN (` + strings.Repeat("?, ", 19) + `?)`, args, append([]any{1}, args...)},
		{"a number past the arguments", `SELECT $21 WHERE a IN (` + list(1, 20) + `)`, `SELECT $21 WHERE a IN (` + list(1, 20) + `)`, args, args},
		{"an anonymous placeholder", `SELECT ? WHERE a IN (` + list(1, 20) + `)`, `SELECT ? WHERE a IN (` + list(1, 20) + `)`, args, args},
		{"an unterminated quote", `SELECT 'x WHERE a IN (` + list(1, 20) + `)`, `SELECT 'x WHERE a IN (` + list(1, 20) + `)`, args, args},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, gotArgs := positional(c.query, c.args)
			if got != c.want || !slices.Equal(gotArgs, c.wantArgs) {
				t.Fatalf("positional(%q)\n = %q %v\nwant %q %v", c.query, got, gotArgs, c.want, c.wantArgs)
			}
		})
	}
}
