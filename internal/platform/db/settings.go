package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// LoadSetting decodes the JSON setting stored under key into dst and
// returns when it was last saved; it leaves dst alone and returns nil when
// the setting was never saved (the caller's defaults stand).
func (d *DB) LoadSetting(ctx context.Context, key string, dst any) (*time.Time, error) {
	var raw string
	var at time.Time
	err := d.QueryRow(ctx, `SELECT value, updated_at FROM settings WHERE key = $1`, key).Scan(&raw, &at)
	if errors.Is(err, ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(raw), dst); err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	return &at, nil
}

// SaveSetting stores v as JSON under key, at the transaction's time, and
// returns that time.
func (d *DB) SaveSetting(ctx context.Context, key string, v any) (time.Time, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return time.Time{}, err
	}
	now := d.Now(ctx)
	_, err = d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, string(raw), now)
	return now, err
}
