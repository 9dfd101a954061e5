package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// Token prefixes tell a session token from an API key at a glance (and to
// secret scanners).
const (
	SessionTokenPrefix = "nps_"
	APIKeyPrefix       = "nak_"
)

// Session kinds.
const (
	SessionAPI = "api"
	SessionWeb = "web"
)

// Session is a signed-in session. Its token is shown once, at creation, and
// stored only as a hash.
type Session struct {
	ID              string    `json:"id"`
	UserID          string    `json:"user_id"`
	Kind            string    `json:"kind"`
	ImpersonatorID  string    `json:"impersonator_id,omitempty"`
	ParentSessionID string    `json:"-"`
	CSRFToken       string    `json:"-"`
	CreatedAt       time.Time `json:"created_at"`
	ExpiresAt       time.Time `json:"expires_at"`
}

// Auth is the outcome of authenticating a token.
type Auth struct {
	Actor   actor.Actor
	Session Session // zero for an API key
	User    User
	// Impersonator is the administrator acting as User, if any.
	Impersonator *User
}

func newToken(prefix string) (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("identity: crypto/rand failed: " + err.Error())
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// LoginInput signs a user in.
type LoginInput struct {
	Email     string
	Password  string
	Kind      string // SessionAPI (default) or SessionWeb
	IP        string
	UserAgent string
}

// LoginResult is a new session and its token, shown once.
type LoginResult struct {
	Token   string
	Session Session
	User    User
}

var errBadCredentials = errs.Unauthenticated("invalid_credentials", "wrong email or password")

// Login checks an email and password and opens a session. Every attempt
// is reserved against the sign-in throttle before the password is checked
// (see ThrottleConfig): past the limit it fails with too_many_attempts
// (429, with a retry time) without checking anything. The answer never
// tells whether the email exists.
func (s *Service) Login(ctx context.Context, in LoginInput) (LoginResult, error) {
	v := validate.New()
	email := strings.ToLower(strings.TrimSpace(in.Email))
	v.Required("email", email)
	v.Required("password", in.Password)
	if len(in.Password) > 1024 {
		v.Add("password", "too_long", "is too long")
	}
	if in.Kind == "" {
		in.Kind = SessionAPI
	}
	v.OneOf("kind", in.Kind, SessionAPI, SessionWeb)
	if err := v.Err(); err != nil {
		return LoginResult{}, err
	}
	// The attempt is counted before the password is checked, so parallel
	// guesses cannot all get through before the first failure is recorded.
	rules := s.cfg.Throttle.signInRules(email, in.IP)
	if wait, err := s.reserve(ctx, rules...); err != nil {
		return LoginResult{}, err
	} else if wait > 0 {
		return LoginResult{}, tooMany("too_many_attempts", "failed sign-ins", wait)
	}

	var u User
	var hash, orgStatus string
	err := s.db.QueryRow(ctx, `SELECT `+userColumns+`, u.password_hash, o.status FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.email = $1`, email).
		Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Role, &u.Status, &u.CreatedAt, &u.UpdatedAt, &u.LastLoginAt, &hash, &orgStatus)
	if errors.Is(err, db.ErrNoRows) {
		verifyPassword(s.dummyHash, in.Password) // same time as a wrong password
		return LoginResult{}, errBadCredentials
	}
	if err != nil {
		return LoginResult{}, fmt.Errorf("login: %w", err)
	}
	if !verifyPassword(hash, in.Password) {
		return LoginResult{}, s.loginFailed(ctx, u.ID)
	}
	// The right password: the attempt was no failure.
	if err := s.release(ctx, rules...); err != nil {
		return LoginResult{}, err
	}
	if u.Status != UserActive || orgStatus != StatusActive {
		return LoginResult{}, errs.Forbidden("account_disabled", "this account is disabled; contact your administrator")
	}

	var out LoginResult
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		org, err := s.visibleOrg(ctx, actor.System, u.OrgID)
		if err != nil {
			return err
		}
		ctx = actor.With(ctx, actorOf(u, org, nil))
		now := s.db.Now(ctx)
		ttl := s.cfg.APISessionTTL
		if in.Kind == SessionWeb {
			ttl = s.cfg.WebSessionIdle
		}
		out.Session, out.Token, err = s.insertSession(ctx, u.ID, in.Kind, "", "", s.sessionNow(ctx).Add(ttl), in.IP, in.UserAgent)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE users SET last_login_at = $2 WHERE id = $1`, u.ID, now); err != nil {
			return err
		}
		u.LastLoginAt = &now
		out.User = u
		return s.rec.Record(ctx, "user.login", "user", u.ID, u.OrgID, map[string]audit.Change{"session": {To: out.Session.ID}}, "", nil)
	})
	return out, err
}

// loginFailed records a wrong password for a known user in the audit log
// (the throttle counted it already).
func (s *Service) loginFailed(ctx context.Context, userID string) error {
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		return s.audit.Record(ctx, audit.Entry{Action: "user.login_failed", ObjectType: "user", ObjectID: userID})
	})
	if err != nil {
		return err
	}
	return errBadCredentials
}

func (s *Service) insertSession(ctx context.Context, userID, kind, impersonatorID, parentID string, expires time.Time, ip, ua string) (Session, string, error) {
	token, hash := newToken(SessionTokenPrefix)
	csrf, _ := newToken("")
	now := s.sessionNow(ctx)
	ses := Session{ID: ids.New(ids.Session), UserID: userID, Kind: kind, ImpersonatorID: impersonatorID, ParentSessionID: parentID,
		CSRFToken: csrf, CreatedAt: now, ExpiresAt: expires}
	if len(ua) > 512 {
		ua = ua[:512]
	}
	_, err := s.db.Exec(ctx, `INSERT INTO sessions (id, user_id, token_hash, kind, impersonator_id, parent_session_id, csrf_token, ip, user_agent, created_at, expires_at, last_seen_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10)`,
		ses.ID, userID, hash, kind, nullable(impersonatorID), nullable(parentID), csrf, ip, ua, now, expires)
	if err != nil {
		return ses, "", fmt.Errorf("insert session: %w", err)
	}
	return ses, token, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// actorOf builds the actor of user u of organization org, impersonated by imp.
func actorOf(u User, org Organization, imp *User) actor.Actor {
	a := actor.Actor{Kind: actor.KindUser, UserID: u.ID, OrgID: u.OrgID, OrgKind: string(org.Kind), Role: string(u.Role)}
	if imp != nil {
		a.ImpersonatorID, a.ImpersonatorRole = imp.ID, string(imp.Role)
	}
	return a
}

var errBadToken = errs.Unauthenticated("invalid_token", "the token is invalid, expired or revoked")

// Authenticate resolves a bearer token (a session token or an API key) to its
// actor. It fails with invalid_token for anything unknown, expired, revoked,
// or belonging to a disabled user or archived organization.
func (s *Service) Authenticate(ctx context.Context, token string) (actor.Actor, error) {
	auth, err := s.AuthenticateToken(ctx, token)
	return auth.Actor, err
}

// AuthenticateToken is Authenticate returning the session and users too,
// for the web pages (CSRF token, impersonation banner).
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Auth, error) {
	switch {
	case strings.HasPrefix(token, SessionTokenPrefix):
		return s.authenticateSession(ctx, token)
	case strings.HasPrefix(token, APIKeyPrefix):
		return s.authenticateAPIKey(ctx, token)
	}
	return Auth{}, errBadToken
}

func (s *Service) authenticateSession(ctx context.Context, token string) (Auth, error) {
	var ses Session
	var imp, parent *string
	var lastSeen time.Time
	var parentRevoked, parentExpires *time.Time
	err := s.db.QueryRow(ctx, `SELECT s.id, s.user_id, s.kind, s.impersonator_id, s.parent_session_id, s.csrf_token, s.created_at, s.expires_at,
			s.last_seen_at, p.revoked_at, p.expires_at
		FROM sessions s LEFT JOIN sessions p ON p.id = s.parent_session_id
		WHERE s.token_hash = $1 AND s.revoked_at IS NULL`, hashToken(token)).
		Scan(&ses.ID, &ses.UserID, &ses.Kind, &imp, &parent, &ses.CSRFToken, &ses.CreatedAt, &ses.ExpiresAt, &lastSeen, &parentRevoked, &parentExpires)
	if err != nil {
		return Auth{}, errBadToken
	}
	now := s.sessionNow(ctx)
	if !now.Before(ses.ExpiresAt) {
		return Auth{}, errBadToken
	}
	// An impersonation lives only as long as the administrator's session
	// it was started from: ended, expired or gone, it ends too.
	if parent != nil && (parentExpires == nil || parentRevoked != nil || !now.Before(*parentExpires)) {
		return Auth{}, errBadToken
	}
	if imp != nil {
		ses.ImpersonatorID = *imp
	}
	if parent != nil {
		ses.ParentSessionID = *parent
	}
	auth, err := s.authUser(ctx, ses.UserID, ses.ImpersonatorID)
	if err != nil {
		return auth, err
	}
	auth.Session = ses
	auth.Actor.SessionID = ses.ID
	// Browser sessions slide: each use (at most once a minute) pushes the
	// idle deadline, never past the absolute maximum.
	if ses.Kind == SessionWeb && ses.ImpersonatorID == "" && now.Sub(lastSeen) > time.Minute {
		expires := now.Add(s.cfg.WebSessionIdle)
		if limit := ses.CreatedAt.Add(s.cfg.WebSessionMax); limit.Before(expires) {
			expires = limit
		}
		if _, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id = $1`, ses.ID, now, expires); err != nil {
			s.log.WarnContext(ctx, "session touch failed", "err", err)
		}
		auth.Session.ExpiresAt = expires
	}
	return auth, nil
}

// authUser loads the active user (and impersonator) behind a credential.
func (s *Service) authUser(ctx context.Context, userID, impersonatorID string) (Auth, error) {
	load := func(id string) (User, Organization, error) {
		var u User
		var o Organization
		err := s.db.QueryRow(ctx, `SELECT `+userColumns+`, o.kind, o.status FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.id = $1`, id).
			Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Role, &u.Status, &u.CreatedAt, &u.UpdatedAt, &u.LastLoginAt, &o.Kind, &o.Status)
		if err != nil || u.Status != UserActive || o.Status != StatusActive {
			return u, o, errBadToken
		}
		o.ID = u.OrgID
		return u, o, nil
	}
	u, org, err := load(userID)
	if err != nil {
		return Auth{}, err
	}
	auth := Auth{User: u}
	if impersonatorID != "" {
		imp, _, err := load(impersonatorID)
		if err != nil {
			return Auth{}, err
		}
		auth.Impersonator = &imp
	}
	auth.Actor = actorOf(u, org, auth.Impersonator)
	return auth, nil
}

// Logout ends the caller's session and the impersonations started from it
// (for an impersonation session, only the impersonation: the
// administrator's own session stays). It returns the ended session.
func (s *Service) Logout(ctx context.Context) (Session, error) {
	a, err := Caller(ctx)
	if err != nil {
		return Session{}, err
	}
	if a.SessionID == "" {
		return Session{}, errs.FailedPrecondition("not_a_session", "this credential is an API key; revoke it instead")
	}
	var ses Session
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		var parent *string
		err := s.db.QueryRow(ctx, `SELECT id, user_id, kind, parent_session_id FROM sessions WHERE id = $1`, a.SessionID).Scan(&ses.ID, &ses.UserID, &ses.Kind, &parent)
		if err != nil {
			return err
		}
		if parent != nil {
			ses.ParentSessionID = *parent
		}
		if _, err := s.db.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE (id = $1 OR parent_session_id = $1) AND revoked_at IS NULL`,
			a.SessionID, s.sessionNow(ctx)); err != nil {
			return err
		}
		action := "user.logout"
		if a.Impersonated() {
			action = "user.impersonation_end"
		}
		return s.rec.Record(ctx, action, "user", a.UserID, a.OrgID, map[string]audit.Change{"session": {From: a.SessionID}}, "", nil)
	})
	return ses, err
}

// Impersonate opens a session acting as another user, for support. Staff
// with the impersonation function may impersonate users they see of a lower
// rank (never a super admin, never an equal); impersonation cannot be
// nested, and starts from a signed-in session (not an API key): it ends
// with that session. Every action taken records both identities; a
// supervisor's impersonation is read-only. The session lasts at most
// ImpersonationTTL.
func (s *Service) Impersonate(ctx context.Context, userID string) (LoginResult, error) {
	a, err := Authorize(ctx, UserImpersonation)
	if err != nil {
		return LoginResult{}, err
	}
	if a.Impersonated() {
		return LoginResult{}, errs.FailedPrecondition("already_impersonating", "end the current impersonation first")
	}
	if a.SessionID == "" && a.Kind != actor.KindSystem {
		// The impersonation ends with the session it starts from; an API
		// key has none, and its revocation would leave it running.
		return LoginResult{}, errs.FailedPrecondition("impersonation_needs_session", "impersonate from a signed-in session, not with an API key")
	}
	if err := validate.CheckID("user_id", ids.User, userID); err != nil {
		return LoginResult{}, err
	}
	var out LoginResult
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		target, err := s.visibleUser(ctx, a, userID)
		if err != nil {
			return err
		}
		switch {
		case target.ID == a.UserID:
			return errs.FailedPrecondition("impersonate_self", "you cannot impersonate yourself")
		case target.Role.rank() >= Role(a.Role).rank() && target.Role.Staff():
			return errs.Forbidden("permission_denied", "you may only impersonate users of a lower role")
		case target.Status != UserActive:
			return errs.FailedPrecondition("user_disabled", "the user is disabled")
		}
		impAuth, err := s.authUser(ctx, a.UserID, "")
		if err != nil {
			return err
		}
		kind := SessionAPI
		if a.SessionID != "" {
			if err := s.db.QueryRow(ctx, `SELECT kind FROM sessions WHERE id = $1`, a.SessionID).Scan(&kind); err != nil {
				return err
			}
		}
		req := actor.RequestFrom(ctx)
		out.Session, out.Token, err = s.insertSession(ctx, target.ID, kind, a.UserID, a.SessionID, s.sessionNow(ctx).Add(s.cfg.ImpersonationTTL), req.IP, req.UserAgent)
		if err != nil {
			return err
		}
		out.User = target
		// The entry is recorded as the impersonated user acting with the
		// administrator as impersonator, like everything that follows.
		org, err := s.visibleOrg(ctx, actor.System, target.OrgID)
		if err != nil {
			return err
		}
		ictx := actor.With(ctx, actorOf(target, org, &impAuth.User))
		return s.rec.Record(ictx, "user.impersonation_start", "user", target.ID, target.OrgID,
			map[string]audit.Change{"session": {To: out.Session.ID}}, "user.impersonated", map[string]string{"user_id": target.ID, "impersonator_id": a.UserID})
	})
	return out, err
}

// PurgeSessions deletes sessions that ended more than a day ago, for a
// periodic job. Impersonation children go first (they reference parents).
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	cutoff := s.sessionNow(ctx).Add(-24 * time.Hour)
	var total int64
	for _, q := range []string{
		`DELETE FROM sessions WHERE parent_session_id IS NOT NULL AND (expires_at < $1 OR revoked_at < $1)`,
		`DELETE FROM sessions WHERE (expires_at < $1 OR revoked_at < $1) AND id NOT IN (SELECT parent_session_id FROM sessions WHERE parent_session_id IS NOT NULL)`,
	} {
		n, err := s.db.Exec(ctx, q, cutoff)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// revokeOrphans revokes the impersonation sessions whose parent session was
// revoked, in the transaction of ctx. Authentication refuses them anyway
// (it checks the parent on every request); this makes the record say so.
func (s *Service) revokeOrphans(ctx context.Context) error {
	_, err := s.db.Exec(ctx, `UPDATE sessions SET revoked_at = $1 WHERE revoked_at IS NULL
		AND parent_session_id IN (SELECT id FROM sessions WHERE revoked_at IS NOT NULL)`, s.sessionNow(ctx))
	if err != nil {
		return fmt.Errorf("revoke impersonations: %w", err)
	}
	return nil
}
