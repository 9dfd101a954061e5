package db

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Bulk reads of timestamps on SQLite.
//
// The SQLite driver turns the text of a column declared TIMESTAMP into a
// time.Time itself, and before each value it tries a layout that does not
// match what it writes: a failed parse, and its error allocated, per
// timestamp read. Reading a million timestamps (a billing run) spent a
// twentieth of its CPU there. Dialect.TimeText makes the column an
// expression, which the driver hands over as text, and Dialect.TimeDest
// parses that text with the fixed layout the driver writes.

// sqliteTimeLayouts are the layouts the SQLite driver accepts, in its
// order: ParseStoredTime falls back to them for text it did not write
// (SQL's own datetime functions, older rows).
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseStoredTime parses a timestamp as SQLite stores it, in UTC. The
// driver's own layout ("2006-01-02 15:04:05.999999999-07:00", a trailing Z
// also accepted) is read without time.Parse; other layouts the driver
// reads go through it.
func ParseStoredTime(s string) (time.Time, error) {
	if t, ok := parseStoredFast(s); ok {
		return t, nil
	}
	v := strings.TrimSuffix(s, "Z") // with or without it, text without an offset is UTC
	for _, l := range sqliteTimeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("db: %q is not a stored timestamp", s)
}

// parseStoredFast reads "YYYY-MM-DD hh:mm:ss[.f…][±hh:mm|Z]" (a T in
// place of the space too).
func parseStoredFast(s string) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
		s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 ||
		month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := s[19:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		scale := 100_000_000
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			if i > 9 {
				return time.Time{}, false
			}
			nsec += int(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case rest == "" || rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := digits(rest[1:3])
		om, okm := digits(rest[4:6])
		if !okh || !okm || om > 59 {
			return time.Time{}, false
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // 31 February and the like
		return time.Time{}, false
	}
	return t.Add(-time.Duration(offset) * time.Second), true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// storedTime scans a timestamp read as text (or parsed by the driver,
// when the column was not read through TimeText) into *p.
type storedTime struct{ p *time.Time }

func (d storedTime) Scan(src any) error {
	t, err := scanStoredTime(src)
	if err != nil {
		return err
	}
	if t == nil {
		return errors.New("db: NULL where a timestamp is required")
	}
	*d.p = *t
	return nil
}

// storedNullTime is storedTime for a column that may be NULL (nil *p).
type storedNullTime struct{ p **time.Time }

func (d storedNullTime) Scan(src any) error {
	t, err := scanStoredTime(src)
	if err != nil {
		return err
	}
	*d.p = t
	return nil
}

func scanStoredTime(src any) (*time.Time, error) {
	var t time.Time
	var err error
	switch v := src.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t = v.UTC()
	case string:
		t, err = ParseStoredTime(v)
	case []byte:
		t, err = ParseStoredTime(string(v))
	default:
		return nil, fmt.Errorf("db: cannot read %T as a timestamp", src)
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}
