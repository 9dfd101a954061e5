package db

import "strings"

// manyParams is the number of arguments from which a SQLite statement's
// numbered placeholders are rewritten positional (see positional).
const manyParams = 16

// positional rewrites the numbered placeholders of a SQLite statement
// ($1, $2, ...) as anonymous ones (?), with the arguments in the order the
// placeholders appear (an argument used twice is passed twice). SQLite
// keeps a statement's parameter names in a list it searches for each
// name, and the driver asks for the name of every parameter when it binds:
// quadratic in the number of parameters, a fifth of the cost of a
// statement with hundreds of them (an IN list, a VALUES list).
// Placeholders inside quotes and comments are left alone. A statement with
// an anonymous placeholder of its own, or a number without an argument,
// is returned unchanged for SQLite to judge.
func positional(query string, args []any) (string, []any) {
	if len(args) < manyParams || !strings.Contains(query, "$") {
		return query, args
	}
	var b strings.Builder
	b.Grow(len(query))
	out := make([]any, 0, len(args))
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			end := strings.IndexByte(query[i+1:], c)
			if end < 0 {
				return query, args
			}
			b.WriteString(query[i : i+end+2])
			i += end + 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end - 1
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			end := strings.Index(query[i+2:], "*/")
			if end < 0 {
				return query, args
			}
			b.WriteString(query[i : i+end+4])
			i += end + 3
		case c == '?':
			return query, args
		case c == '$' && i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9':
			n, j := 0, i+1
			for ; j < len(query) && query[j] >= '0' && query[j] <= '9'; j++ {
				n = n*10 + int(query[j]-'0')
				if n > len(args) {
					return query, args
				}
			}
			if n == 0 {
				return query, args
			}
			b.WriteByte('?')
			out = append(out, args[n-1])
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), out
}
