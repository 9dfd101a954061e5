package db

import "encoding/json"

// JSONText is v encoded for a JSON text column. Only the program's own
// types are stored this way, so an encoding failure is a programming error
// and panics.
func JSONText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
