package subscription

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/secret"
)

// A subscription's credentials (what the vendor reports for the customer
// to reach its service) are stored sealed by the service's keyring: the
// credentials column holds the sealed value as a JSON string, bound to the
// subscription's id. Rows written before sealing hold a plain JSON
// object: they are read as they are and sealed on their next write, or by
// SealCredentials.

// sealedText returns the sealed value a credentials column holds, if it
// holds one rather than a plain JSON object.
func sealedText(raw string) (string, bool) {
	if !strings.HasPrefix(raw, `"`) {
		return "", false
	}
	var s string
	if json.Unmarshal([]byte(raw), &s) != nil || !secret.IsSealed(s) {
		return "", false
	}
	return s, true
}

// storedCredentials is the credentials column to write for sub: its
// credentials sealed under the current key, or, when they were never
// opened, the sealed value as it was read. No credentials are stored as
// an empty object.
func (s *Service) storedCredentials(sub *Subscription) (string, error) {
	if sub.Credentials == nil && sub.sealedCredentials != "" {
		return db.JSONText(sub.sealedCredentials), nil
	}
	if len(sub.Credentials) == 0 {
		return "{}", nil
	}
	sealed, err := s.secrets.Seal([]byte(db.JSONText(sub.Credentials)), []byte(sub.ID))
	if err != nil {
		return "", fmt.Errorf("seal credentials of %s: %w", sub.ID, err)
	}
	return db.JSONText(sealed), nil
}

// scanSub reads a subscription with its credentials opened. Credentials
// that do not open (sealed by a key no longer configured, or altered) are
// logged and read as none, so the rest of the subscription stays readable;
// they are kept as stored until the vendor reports new ones.
func (s *Service) scanSub(sc db.Scanner) (Subscription, error) {
	sub, err := scanSub(sc)
	if err != nil || sub.sealedCredentials == "" {
		return sub, err
	}
	plain, err := s.secrets.Open(sub.sealedCredentials, []byte(sub.ID))
	if err != nil {
		s.log.Error("subscription credentials do not open: check NEPHELE_SECRET_KEY and NEPHELE_SECRET_KEYS_OLD", "subscription_id", sub.ID, "err", err)
		return sub, nil
	}
	if err := json.Unmarshal(plain, &sub.Credentials); err != nil {
		return sub, fmt.Errorf("subscription %s credentials: %w", sub.ID, err)
	}
	return sub, nil
}

// SealCredentials seals the credentials still stored in plain JSON
// (written before sealing existed) and seals again those sealed by an
// older key, under the current key, and returns how many rows it changed.
// It runs at every start; a row written meanwhile by a request is left to
// that request (each update applies only if the row is unchanged).
// Credentials that do not open are logged and left as they are.
func (s *Service) SealCredentials(ctx context.Context) (int, error) {
	type row struct{ id, raw string }
	current := `"` + s.secrets.CurrentPrefix()
	rows, err := db.Select(ctx, s.db, func(sc db.Scanner) (row, error) {
		var r row
		return r, sc.Scan(&r.id, &r.raw)
	}, `SELECT id, credentials FROM subscriptions WHERE credentials <> '{}' AND substr(CAST(credentials AS TEXT), 1, $1) <> $2 ORDER BY id`,
		// Values sealed by the current key (the column holds them as a
		// JSON string) are left in the database: a start reads only what
		// it changes, not every subscription's credentials.
		len(current), current)
	if err != nil {
		return 0, fmt.Errorf("seal credentials: %w", err)
	}
	n := 0
	for _, r := range rows {
		var plain []byte
		if sealed, ok := sealedText(r.raw); ok {
			if !s.secrets.Stale(sealed) {
				continue
			}
			if plain, err = s.secrets.Open(sealed, []byte(r.id)); err != nil {
				s.log.ErrorContext(ctx, "subscription credentials do not open; left as they are", "subscription_id", r.id, "err", err)
				continue
			}
		} else {
			var creds map[string]string
			if err := json.Unmarshal([]byte(r.raw), &creds); err != nil {
				return n, fmt.Errorf("seal credentials of %s: %w", r.id, err)
			}
			if len(creds) == 0 {
				continue
			}
			plain = []byte(db.JSONText(creds))
		}
		sealed, err := s.secrets.Seal(plain, []byte(r.id))
		if err != nil {
			return n, err
		}
		done, err := s.db.Exec(ctx, `UPDATE subscriptions SET credentials = $1 WHERE id = $2 AND credentials = $3`, db.JSONText(sealed), r.id, r.raw)
		if err != nil {
			return n, fmt.Errorf("seal credentials of %s: %w", r.id, err)
		}
		n += int(done)
	}
	return n, nil
}
