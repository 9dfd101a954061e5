-- Orders and subscriptions: orders create and change subscriptions; each
-- subscription keeps the price it was sold at (a snapshot of the channel
-- chain), its periods and commitment, and the next time work is due on it
-- (found by query, claimed with row locks). Provisioning transitions are
-- recorded one by one. JSON is JSONB.

-- +goose Up
CREATE TABLE subscriptions (
    id                    TEXT PRIMARY KEY,
    kind                  TEXT NOT NULL CHECK (kind IN ('normal', 'trial', 'sandbox')),
    customer_org_id       TEXT NOT NULL REFERENCES organizations (id),
    seller_org_id         TEXT NOT NULL REFERENCES organizations (id),
    vendor_org_id         TEXT NOT NULL REFERENCES organizations (id),
    product_id            TEXT NOT NULL REFERENCES products (id),
    plan_id               TEXT NOT NULL REFERENCES plans (id),
    order_id              TEXT NOT NULL,
    quantities            JSONB NOT NULL DEFAULT '{}',
    terms                 JSONB NOT NULL,
    prices                JSONB NOT NULL,
    chain                 JSONB NOT NULL,
    coupon                JSONB,
    currency              TEXT NOT NULL,
    status                TEXT NOT NULL,
    provisioning          TEXT NOT NULL,
    auto_renew            BOOLEAN NOT NULL,
    convert_after_trial   BOOLEAN NOT NULL DEFAULT FALSE,
    payment_due           BOOLEAN NOT NULL DEFAULT FALSE,
    payment_due_since     TIMESTAMPTZ,
    commitment_periods    INTEGER NOT NULL,
    commitment_start      TIMESTAMPTZ,
    commitment_end        TIMESTAMPTZ,
    period_index          INTEGER NOT NULL DEFAULT 0,
    current_period_start  TIMESTAMPTZ,
    current_period_end    TIMESTAMPTZ,
    trial_end             TIMESTAMPTZ,
    grace_end             TIMESTAMPTZ,
    renewal_order_id      TEXT,
    pending_change        JSONB,
    endpoints             JSONB NOT NULL DEFAULT '[]',
    instructions          TEXT NOT NULL DEFAULT '',
    credentials           JSONB NOT NULL DEFAULT '{}',
    next_action_at        TIMESTAMPTZ,
    started_at            TIMESTAMPTZ NOT NULL,
    ended_at              TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX subscriptions_customer ON subscriptions (customer_org_id);
CREATE INDEX subscriptions_vendor ON subscriptions (vendor_org_id);
CREATE INDEX subscriptions_next_action ON subscriptions (next_action_at);

CREATE TABLE orders (
    id                 TEXT PRIMARY KEY,
    type               TEXT NOT NULL CHECK (type IN ('normal', 'trial', 'sandbox', 'renewal', 'change', 'termination')),
    customer_org_id    TEXT NOT NULL REFERENCES organizations (id),
    seller_org_id      TEXT NOT NULL REFERENCES organizations (id),
    vendor_org_id      TEXT NOT NULL REFERENCES organizations (id),
    placed_by_user_id  TEXT NOT NULL DEFAULT '',
    placed_by_org_id   TEXT NOT NULL DEFAULT '',
    push               BOOLEAN NOT NULL DEFAULT FALSE,
    product_id         TEXT NOT NULL REFERENCES products (id),
    plan_id            TEXT NOT NULL REFERENCES plans (id),
    subscription_id    TEXT REFERENCES subscriptions (id),
    periods            INTEGER NOT NULL,
    quantities         JSONB NOT NULL DEFAULT '{}',
    coupon_code        TEXT NOT NULL DEFAULT '',
    currency           TEXT NOT NULL,
    total_minor        BIGINT NOT NULL,
    due_minor          BIGINT NOT NULL,
    detail             JSONB NOT NULL,
    pricing            JSONB NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('requires_approval', 'approved', 'rejected', 'cancelled')),
    auditor_org_id     TEXT NOT NULL DEFAULT '',
    reason             TEXT NOT NULL DEFAULT '',
    decided_by         TEXT NOT NULL DEFAULT '',
    decided_at         TIMESTAMPTZ,
    paid_at            TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_org_id);
CREATE INDEX orders_auditor ON orders (auditor_org_id, status);
CREATE INDEX orders_subscription ON orders (subscription_id);

CREATE TABLE subscription_transitions (
    id               TEXT PRIMARY KEY,
    subscription_id  TEXT NOT NULL REFERENCES subscriptions (id),
    from_state       TEXT NOT NULL,
    to_state         TEXT NOT NULL,
    reason           TEXT NOT NULL,
    actor_id         TEXT NOT NULL DEFAULT '',
    impersonator_id  TEXT NOT NULL DEFAULT '',
    at               TIMESTAMPTZ NOT NULL
);
CREATE INDEX subscription_transitions_subscription ON subscription_transitions (subscription_id, id);

-- One trial per product per customer, whatever the coupon.
CREATE TABLE trial_usages (
    customer_org_id  TEXT NOT NULL REFERENCES organizations (id),
    product_id       TEXT NOT NULL REFERENCES products (id),
    subscription_id  TEXT NOT NULL REFERENCES subscriptions (id),
    started_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (customer_org_id, product_id)
);

-- Expiry reminders sent, so each goes out once.
CREATE TABLE subscription_reminders (
    subscription_id  TEXT NOT NULL REFERENCES subscriptions (id),
    expiry           TIMESTAMPTZ NOT NULL,
    days             INTEGER NOT NULL,
    sent_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subscription_id, expiry, days)
);

-- +goose Down
DROP TABLE subscription_reminders;
DROP TABLE trial_usages;
DROP TABLE subscription_transitions;
DROP TABLE orders;
DROP TABLE subscriptions;
