package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// APIKey is a long-lived credential of one user, for integrations. It acts
// with the user's role and scope. The token is shown once, at creation;
// only its hash and a display prefix are kept.
type APIKey struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

const apiKeyColumns = `id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at`

func scanAPIKey(s db.Scanner) (APIKey, error) {
	var k APIKey
	err := s.Scan(&k.ID, &k.UserID, &k.Name, &k.Prefix, &k.CreatedAt, &k.ExpiresAt, &k.LastUsedAt, &k.RevokedAt)
	return k, err
}

var errAPIKeyNotFound = errs.NotFound("api_key_not_found", "no such API key")

// CreateAPIKeyInput creates an API key for the caller.
type CreateAPIKeyInput struct {
	Name      string
	ExpiresAt *time.Time
}

// CreateAPIKey creates an API key for the calling user and returns it with
// its token, which is never shown again. An impersonator cannot create keys
// for the user it impersonates.
func (s *Service) CreateAPIKey(ctx context.Context, in CreateAPIKeyInput) (APIKey, string, error) {
	a, err := Writer(ctx)
	if err != nil {
		return APIKey{}, "", err
	}
	if a.Impersonated() {
		return APIKey{}, "", errs.Forbidden("impersonation_forbidden", "an impersonator cannot create API keys for the user")
	}
	v := validate.New()
	in.Name = v.Name("name", in.Name, 100)
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.db.Now(ctx)) {
		v.Add("expires_at", "in_the_past", "must be in the future")
	}
	if err := v.Err(); err != nil {
		return APIKey{}, "", err
	}
	var out APIKey
	token, hash := newToken(APIKeyPrefix)
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		var active int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL`, a.UserID).Scan(&active); err != nil {
			return err
		}
		if active >= 50 {
			return errs.FailedPrecondition("too_many_api_keys", "revoke unused API keys first (at most 50 per user)")
		}
		out = APIKey{ID: ids.New(ids.APIKey), UserID: a.UserID, Name: in.Name, Prefix: token[:12], CreatedAt: s.db.Now(ctx)}
		if in.ExpiresAt != nil {
			e := in.ExpiresAt.UTC().Truncate(time.Microsecond)
			out.ExpiresAt = &e
		}
		_, err := s.db.Exec(ctx, `INSERT INTO api_keys (id, user_id, name, prefix, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			out.ID, out.UserID, out.Name, out.Prefix, hash, out.CreatedAt, out.ExpiresAt)
		if err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		return s.rec.Created(ctx, "api_key.create", "api_key", out.ID, a.OrgID, out, "api_key.created")
	})
	if err != nil {
		return APIKey{}, "", err
	}
	return out, token, nil
}

// ListAPIKeys lists the caller's API keys, revoked ones included, oldest
// first.
func (s *Service) ListAPIKeys(ctx context.Context, p page.Request) ([]APIKey, string, error) {
	a, err := Caller(ctx)
	if err != nil {
		return nil, "", err
	}
	q := db.NewQuery(`SELECT `+apiKeyColumns+` FROM api_keys WHERE user_id = $1`, a.UserID)
	rows, next, err := page.List(ctx, s.db, q, "id", page.Ascending, p, scanAPIKey, func(k APIKey) string { return k.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list api keys: %w", err)
	}
	return rows, next, nil
}

// RevokeAPIKey revokes one of the caller's keys; those who may manage a user
// may revoke that user's keys too. Revoking twice is harmless.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) (APIKey, error) {
	a, err := Writer(ctx)
	if err != nil {
		return APIKey{}, err
	}
	if err := validate.CheckID("id", ids.APIKey, id); err != nil {
		return APIKey{}, err
	}
	var out APIKey
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		k, err := db.Get(ctx, s.db, scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id)
		if errors.Is(err, db.ErrNoRows) {
			return errAPIKeyNotFound
		}
		if err != nil {
			return err
		}
		if k.UserID != a.UserID {
			if _, _, err := s.manageableUser(ctx, a, k.UserID); err != nil {
				if errs.KindOf(err) == errs.KindNotFound {
					return errAPIKeyNotFound
				}
				return err
			}
		}
		out = k
		if k.RevokedAt != nil {
			return nil
		}
		now := s.db.Now(ctx)
		out.RevokedAt = &now
		if _, err := s.db.Exec(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		var orgID string
		if err := s.db.QueryRow(ctx, `SELECT org_id FROM users WHERE id = $1`, k.UserID).Scan(&orgID); err != nil {
			return err
		}
		return s.rec.Record(ctx, "api_key.revoke", "api_key", id, orgID, audit.Diff(k, out), "api_key.revoked", out)
	})
	return out, err
}

func (s *Service) authenticateAPIKey(ctx context.Context, token string) (Auth, error) {
	k, err := db.Get(ctx, s.db, scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys WHERE token_hash = $1 AND revoked_at IS NULL`, hashToken(token))
	if err != nil {
		return Auth{}, errBadToken
	}
	now := s.db.Now(ctx)
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return Auth{}, errBadToken
	}
	auth, err := s.authUser(ctx, k.UserID, "")
	if err != nil {
		return auth, err
	}
	auth.Actor.APIKeyID = k.ID
	// Last use is kept to the minute: no write on every request.
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		if _, err := s.db.Exec(ctx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, k.ID, now); err != nil {
			s.log.WarnContext(ctx, "api key touch failed", "err", err)
		}
	}
	return auth, nil
}
