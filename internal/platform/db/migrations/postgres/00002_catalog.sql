-- Catalog: vendor onboarding, products and bundles with full-text search,
-- plans as price versions with their extra resources and pay-per-use
-- metrics, bundle components, coupons and their redemptions.
-- Unit prices are NUMERIC; schemes and lists are JSONB.

-- +goose Up
CREATE TABLE vendor_profiles (
    org_id        TEXT PRIMARY KEY REFERENCES organizations (id),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    website       TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    submitted_at  TIMESTAMPTZ NOT NULL,
    reviewed_at   TIMESTAMPTZ,
    reviewed_by   TEXT NOT NULL DEFAULT '',
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX vendor_profiles_status ON vendor_profiles (status);

CREATE TABLE products (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('product', 'bundle')),
    owner_org_id       TEXT NOT NULL REFERENCES organizations (id),
    slug               TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    summary            TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL DEFAULT '',
    category           TEXT NOT NULL DEFAULT '',
    tags               JSONB NOT NULL DEFAULT '[]',
    logo_url           TEXT NOT NULL DEFAULT '',
    screenshots        JSONB NOT NULL DEFAULT '[]',
    features           JSONB NOT NULL DEFAULT '[]',
    faq                JSONB NOT NULL DEFAULT '[]',
    terms_url          TEXT NOT NULL DEFAULT '',
    privacy_url        TEXT NOT NULL DEFAULT '',
    provisioning_mode  TEXT NOT NULL CHECK (provisioning_mode IN ('syndicated', 'manual', 'none')),
    requires_approval  BOOLEAN NOT NULL DEFAULT FALSE,
    self_billed        BOOLEAN NOT NULL DEFAULT FALSE,
    status             TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published', 'retired')),
    review_reason      TEXT NOT NULL DEFAULT '',
    submitted_at       TIMESTAMPTZ,
    reviewed_at        TIMESTAMPTZ,
    reviewed_by        TEXT NOT NULL DEFAULT '',
    published_at       TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX products_owner ON products (owner_org_id);
CREATE INDEX products_status ON products (status, category);

CREATE TABLE product_tags (
    product_id  TEXT NOT NULL REFERENCES products (id),
    tag         TEXT NOT NULL,
    PRIMARY KEY (product_id, tag)
);
CREATE INDEX product_tags_tag ON product_tags (tag);

ALTER TABLE products ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', coalesce(name, '')), 'A') ||
    setweight(to_tsvector('simple', coalesce(category, '') || ' ' || coalesce(tags::text, '')), 'B') ||
    setweight(to_tsvector('simple', coalesce(summary, '')), 'C') ||
    setweight(to_tsvector('simple', coalesce(description, '')), 'D')
) STORED;
CREATE INDEX products_search ON products USING GIN (search);

CREATE TABLE plans (
    id                   TEXT PRIMARY KEY,
    product_id           TEXT NOT NULL REFERENCES products (id),
    lineage_id           TEXT NOT NULL,
    version              INTEGER NOT NULL,
    name                 TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    pricing_kind         TEXT NOT NULL CHECK (pricing_kind IN ('renewable_months', 'renewable_hours', 'short', 'everlasting', 'free', 'contact_only')),
    period_unit          TEXT NOT NULL CHECK (period_unit IN ('month', 'hour')),
    period_count         INTEGER NOT NULL,
    min_periods          INTEGER NOT NULL,
    allowed_periods      JSONB NOT NULL DEFAULT '[]',
    currency             TEXT NOT NULL,
    setup_fee            NUMERIC NOT NULL,
    recurring_price      NUMERIC NOT NULL,
    iaas_cost            NUMERIC NOT NULL,
    trial_days           INTEGER NOT NULL DEFAULT 0,
    trial_card_required  BOOLEAN NOT NULL DEFAULT FALSE,
    auto_renew           BOOLEAN NOT NULL DEFAULT TRUE,
    self_billed          BOOLEAN NOT NULL DEFAULT FALSE,
    upgrades             JSONB NOT NULL DEFAULT '[]',
    downgrades           JSONB NOT NULL DEFAULT '[]',
    weight               INTEGER NOT NULL DEFAULT 0,
    ribbon               TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL CHECK (status IN ('active', 'superseded', 'retired')),
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (lineage_id, version)
);
CREATE INDEX plans_product ON plans (product_id, status);
CREATE UNIQUE INDEX plans_one_active_version ON plans (lineage_id) WHERE status = 'active';

-- Extras and metrics keep their ids across plan versions: an id names the
-- resource of the plan, the plan id names the version.
CREATE TABLE plan_extras (
    plan_id   TEXT NOT NULL REFERENCES plans (id),
    id        TEXT NOT NULL,
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    unit      TEXT NOT NULL DEFAULT '',
    scheme    JSONB NOT NULL,
    required  BOOLEAN NOT NULL DEFAULT FALSE,
    billing   TEXT NOT NULL CHECK (billing IN ('prepaid', 'postpaid')),
    PRIMARY KEY (plan_id, id)
);

CREATE TABLE plan_metrics (
    plan_id      TEXT NOT NULL REFERENCES plans (id),
    id           TEXT NOT NULL,
    position     INTEGER NOT NULL,
    key          TEXT NOT NULL,
    name         TEXT NOT NULL,
    unit         TEXT NOT NULL DEFAULT '',
    aggregation  TEXT NOT NULL CHECK (aggregation IN ('sum', 'count', 'unique_count', 'max', 'latest', 'average')),
    scheme       JSONB NOT NULL,
    included     NUMERIC NOT NULL,
    PRIMARY KEY (plan_id, id),
    UNIQUE (plan_id, key)
);

CREATE TABLE bundle_components (
    plan_id            TEXT NOT NULL REFERENCES plans (id),
    position           INTEGER NOT NULL,
    component_lineage  TEXT NOT NULL,
    discount_percent   NUMERIC NOT NULL,
    PRIMARY KEY (plan_id, position)
);
CREATE INDEX bundle_components_lineage ON bundle_components (component_lineage);

CREATE TABLE coupons (
    id                TEXT PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE,
    owner_org_id      TEXT NOT NULL REFERENCES organizations (id),
    kind              TEXT NOT NULL CHECK (kind IN ('discount_percent', 'discount_amount', 'fixed_price', 'extended_trial')),
    scope             TEXT NOT NULL CHECK (scope IN ('licence', 'licence_extras', 'total')),
    percent           NUMERIC NOT NULL DEFAULT 0,
    amount_minor      BIGINT NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL DEFAULT '',
    fixed_price       NUMERIC NOT NULL DEFAULT 0,
    trial_days        INTEGER NOT NULL DEFAULT 0,
    usage             TEXT NOT NULL CHECK (usage IN ('one_time', 'reusable')),
    max_redemptions   INTEGER,
    redemptions       INTEGER NOT NULL DEFAULT 0,
    budget_minor      BIGINT,
    budget_used_minor BIGINT NOT NULL DEFAULT 0,
    target_email      TEXT NOT NULL DEFAULT '',
    valid_from        TIMESTAMPTZ,
    valid_until       TIMESTAMPTZ,
    status            TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX coupons_owner ON coupons (owner_org_id);

CREATE TABLE coupon_plans (
    coupon_id     TEXT NOT NULL REFERENCES coupons (id),
    plan_lineage  TEXT NOT NULL,
    PRIMARY KEY (coupon_id, plan_lineage)
);

CREATE TABLE coupon_redemptions (
    id               TEXT PRIMARY KEY,
    coupon_id        TEXT NOT NULL REFERENCES coupons (id),
    customer_org_id  TEXT NOT NULL REFERENCES organizations (id),
    plan_id          TEXT NOT NULL REFERENCES plans (id),
    reference        TEXT NOT NULL DEFAULT '',
    drawn_minor      BIGINT NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX coupon_redemptions_coupon ON coupon_redemptions (coupon_id);

-- +goose Down
DROP TABLE coupon_redemptions;
DROP TABLE coupon_plans;
DROP TABLE coupons;
DROP TABLE bundle_components;
DROP TABLE plan_metrics;
DROP TABLE plan_extras;
DROP TABLE plans;
DROP TABLE product_tags;
DROP TABLE products;
DROP TABLE vendor_profiles;
