-- Foundation: organizations and their tree, users, sessions, API keys, login
-- throttling, idempotency keys, the transactional outbox, the audit log and
-- platform settings. Times are TIMESTAMPTZ written by Go in UTC; JSON is JSONB.

-- +goose Up
CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('operator', 'vendor', 'distributor', 'reseller', 'customer')),
    parent_id   TEXT REFERENCES organizations (id),
    name        TEXT NOT NULL,
    email       TEXT NOT NULL DEFAULT '',
    country     TEXT NOT NULL DEFAULT '',
    tax_id      TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CHECK ((kind = 'operator') = (parent_id IS NULL))
);
CREATE INDEX organizations_parent ON organizations (parent_id);
CREATE UNIQUE INDEX organizations_one_operator ON organizations (kind) WHERE kind = 'operator';

-- Closure table: one row per (ancestor, descendant), self included at depth 0.
CREATE TABLE org_tree (
    ancestor_id    TEXT NOT NULL REFERENCES organizations (id),
    descendant_id  TEXT NOT NULL REFERENCES organizations (id),
    depth          INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX org_tree_descendant ON org_tree (descendant_id);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organizations (id),
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('super_admin', 'admin', 'supervisor', 'vendor', 'distributor', 'reseller', 'customer')),
    password_hash        TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    password_changed_at  TIMESTAMPTZ NOT NULL,
    last_login_at        TIMESTAMPTZ
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users (id),
    token_hash         TEXT NOT NULL UNIQUE,
    kind               TEXT NOT NULL CHECK (kind IN ('api', 'web')),
    impersonator_id    TEXT REFERENCES users (id),
    parent_session_id  TEXT REFERENCES sessions (id),
    csrf_token         TEXT NOT NULL DEFAULT '',
    ip                 TEXT NOT NULL DEFAULT '',
    user_agent         TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL,
    expires_at         TIMESTAMPTZ NOT NULL,
    last_seen_at       TIMESTAMPTZ NOT NULL,
    revoked_at         TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE login_attempts (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    window_start  TIMESTAMPTZ NOT NULL,
    locked_until  TIMESTAMPTZ
);

CREATE TABLE idempotency_keys (
    scope             TEXT NOT NULL,
    key               TEXT NOT NULL,
    method            TEXT NOT NULL,
    path              TEXT NOT NULL,
    request_hash      TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    status_code       INTEGER NOT NULL DEFAULT 0,
    response_headers  TEXT NOT NULL DEFAULT '{}',
    response_body     TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);

CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    type          TEXT NOT NULL,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    org_id        TEXT NOT NULL DEFAULT '',
    actor_id      TEXT NOT NULL DEFAULT '',
    request_id    TEXT NOT NULL DEFAULT '',
    data          JSONB NOT NULL,
    occurred_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_subject ON events (subject_type, subject_id);
CREATE INDEX events_type ON events (type, id);

CREATE TABLE event_deliveries (
    event_id      TEXT NOT NULL REFERENCES events (id),
    subscriber    TEXT NOT NULL,
    delivered_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_id, subscriber)
);

CREATE TABLE audit_events (
    id               TEXT PRIMARY KEY,
    occurred_at      TIMESTAMPTZ NOT NULL,
    actor_id         TEXT NOT NULL DEFAULT '',
    actor_kind       TEXT NOT NULL,
    actor_role       TEXT NOT NULL DEFAULT '',
    actor_org_id     TEXT NOT NULL DEFAULT '',
    impersonator_id  TEXT NOT NULL DEFAULT '',
    api_key_id       TEXT NOT NULL DEFAULT '',
    org_id           TEXT NOT NULL DEFAULT '',
    action           TEXT NOT NULL,
    object_type      TEXT NOT NULL,
    object_id        TEXT NOT NULL,
    changes          JSONB NOT NULL,
    request_id       TEXT NOT NULL DEFAULT '',
    ip               TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id);
CREATE INDEX audit_events_actor ON audit_events (actor_id);
CREATE INDEX audit_events_time ON audit_events (occurred_at);

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE audit_events;
DROP TABLE event_deliveries;
DROP TABLE events;
DROP TABLE idempotency_keys;
DROP TABLE login_attempts;
DROP TABLE api_keys;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE org_tree;
DROP TABLE organizations;
