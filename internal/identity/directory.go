package identity

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
)

// The directory: what other domains need to know of organizations and
// their users once their own service has decided the caller may act. It
// reads without applying the caller's visibility, so it is for a domain's
// own checks and documents (who owns a product, the parties an invoice
// names), never for answering a caller directly.

// Orgs returns the organizations with the given ids, by id; ids that name
// no organization are absent from the map. One query, however many ids
// (remembered within a memo scope: the parties of a customer's renewals
// are asked for once per batch).
func (s *Service) Orgs(ctx context.Context, ids []string) (map[string]Organization, error) {
	m, err := memo.Get(ctx, "identity.orgs:"+strings.Join(ids, ","), func() (map[string]Organization, error) { return s.orgs(ctx, ids) })
	return maps.Clone(m), err
}

func (s *Service) orgs(ctx context.Context, ids []string) (map[string]Organization, error) {
	out := make(map[string]Organization, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	os, err := db.Select(ctx, s.db, scanOrg, `SELECT `+orgColumns+` FROM organizations WHERE id IN (`+db.In(1, len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("organizations: %w", err)
	}
	for _, o := range os {
		out[o.ID] = o
	}
	return out, nil
}

// Org returns one organization, with ok false when there is none
// (remembered within a memo scope).
func (s *Service) Org(ctx context.Context, id string) (Organization, bool, error) {
	type found struct {
		o  Organization
		ok bool
	}
	f, err := memo.Get(ctx, "identity.org:"+id, func() (found, error) {
		m, err := s.Orgs(ctx, []string{id})
		o, ok := m[id]
		return found{o, ok}, err
	})
	return f.o, f.ok, err
}

// Within reports whether descendant is ancestor or lies below it in the
// channel.
func (s *Service) Within(ctx context.Context, ancestor, descendant string) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM org_tree WHERE ancestor_id = $1 AND descendant_id = $2`, ancestor, descendant).Scan(&n)
	return n > 0, err
}

// HasUser reports whether organization orgID has a user with e-mail email.
func (s *Service) HasUser(ctx context.Context, orgID, email string) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM users WHERE org_id = $1 AND email = $2`, orgID, email).Scan(&n)
	return n > 0, err
}

// OrgsOfKind lists the active organizations of the given kinds, oldest
// first.
func (s *Service) OrgsOfKind(ctx context.Context, kinds ...OrgKind) ([]Organization, error) {
	args := make([]any, len(kinds))
	for i, k := range kinds {
		args[i] = string(k)
	}
	return db.Select(ctx, s.db, scanOrg, `SELECT `+orgColumns+` FROM organizations WHERE status = 'active' AND kind IN (`+db.In(1, len(kinds))+`) ORDER BY id`, args...)
}
