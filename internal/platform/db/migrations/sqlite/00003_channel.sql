-- Channel pricing: price catalogs (wholesale for distributors, sell-in for
-- resellers, sell-out for customers) with default markups per charge type,
-- their products and per-plan rules, and which catalog each buyer buys
-- from. Markups and overrides are JSON TEXT.

-- +goose Up
CREATE TABLE price_catalogs (
    id            TEXT PRIMARY KEY,
    owner_org_id  TEXT NOT NULL REFERENCES organizations (id),
    tier          TEXT NOT NULL CHECK (tier IN ('wholesale', 'sell_in', 'sell_out')),
    name          TEXT NOT NULL,
    markups       TEXT NOT NULL DEFAULT '{}',
    all_products  INTEGER NOT NULL DEFAULT 1,
    self_billed   INTEGER NOT NULL DEFAULT 0,
    is_default    INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL CHECK (status IN ('active', 'archived')),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX price_catalogs_owner ON price_catalogs (owner_org_id, tier);
CREATE UNIQUE INDEX price_catalogs_one_default ON price_catalogs (owner_org_id, tier) WHERE is_default = 1;

CREATE TABLE price_catalog_products (
    catalog_id  TEXT NOT NULL REFERENCES price_catalogs (id),
    product_id  TEXT NOT NULL REFERENCES products (id),
    PRIMARY KEY (catalog_id, product_id)
);

CREATE TABLE price_catalog_plans (
    catalog_id    TEXT NOT NULL REFERENCES price_catalogs (id),
    plan_lineage  TEXT NOT NULL,
    markups       TEXT,
    override      TEXT,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (catalog_id, plan_lineage)
);

CREATE TABLE price_catalog_assignments (
    org_id       TEXT PRIMARY KEY REFERENCES organizations (id),
    catalog_id   TEXT NOT NULL REFERENCES price_catalogs (id),
    assigned_at  TIMESTAMP NOT NULL
);
CREATE INDEX price_catalog_assignments_catalog ON price_catalog_assignments (catalog_id);

-- +goose Down
DROP TABLE price_catalog_assignments;
DROP TABLE price_catalog_plans;
DROP TABLE price_catalog_products;
DROP TABLE price_catalogs;
