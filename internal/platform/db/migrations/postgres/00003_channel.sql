-- Channel pricing: price catalogs (wholesale for distributors, sell-in for
-- resellers, sell-out for customers) with default markups per charge type,
-- their products and per-plan rules, and which catalog each buyer buys
-- from. Markups and overrides are JSONB.

-- +goose Up
CREATE TABLE price_catalogs (
    id            TEXT PRIMARY KEY,
    owner_org_id  TEXT NOT NULL REFERENCES organizations (id),
    tier          TEXT NOT NULL CHECK (tier IN ('wholesale', 'sell_in', 'sell_out')),
    name          TEXT NOT NULL,
    markups       JSONB NOT NULL DEFAULT '{}',
    all_products  BOOLEAN NOT NULL DEFAULT TRUE,
    self_billed   BOOLEAN NOT NULL DEFAULT FALSE,
    is_default    BOOLEAN NOT NULL DEFAULT FALSE,
    status        TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX price_catalogs_owner ON price_catalogs (owner_org_id, tier);
CREATE UNIQUE INDEX price_catalogs_one_default ON price_catalogs (owner_org_id, tier) WHERE is_default;

CREATE TABLE price_catalog_products (
    catalog_id  TEXT NOT NULL REFERENCES price_catalogs (id),
    product_id  TEXT NOT NULL REFERENCES products (id),
    PRIMARY KEY (catalog_id, product_id)
);

CREATE TABLE price_catalog_plans (
    catalog_id    TEXT NOT NULL REFERENCES price_catalogs (id),
    plan_lineage  TEXT NOT NULL,
    markups       JSONB,
    override      JSONB,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (catalog_id, plan_lineage)
);

CREATE TABLE price_catalog_assignments (
    org_id       TEXT PRIMARY KEY REFERENCES organizations (id),
    catalog_id   TEXT NOT NULL REFERENCES price_catalogs (id),
    assigned_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX price_catalog_assignments_catalog ON price_catalog_assignments (catalog_id);

-- +goose Down
DROP TABLE price_catalog_assignments;
DROP TABLE price_catalog_plans;
DROP TABLE price_catalog_products;
DROP TABLE price_catalogs;
