-- Customer reviews of products: a rating and a comment, one per customer
-- organization and product, by a customer who holds a subscription of it.
-- Published at once; staff hide (and restore) them, with a reason.

-- +goose Up
CREATE TABLE product_reviews (
    id               TEXT PRIMARY KEY,
    product_id       TEXT NOT NULL REFERENCES products (id),
    customer_org_id  TEXT NOT NULL REFERENCES organizations (id),
    author_user_id   TEXT NOT NULL REFERENCES users (id),
    author_name      TEXT NOT NULL,
    rating           INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title            TEXT NOT NULL DEFAULT '',
    body             TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('published', 'hidden')),
    moderation_note  TEXT NOT NULL DEFAULT '',
    moderated_by     TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (product_id, customer_org_id)
);
CREATE INDEX product_reviews_product ON product_reviews (product_id, status, id);

-- +goose Down
DROP TABLE product_reviews;
