-- A reference the ordering client makes once per checkout, so that a
-- form submitted twice places one order.

-- +goose Up
ALTER TABLE orders ADD COLUMN client_ref TEXT;
CREATE UNIQUE INDEX orders_client_ref ON orders (placed_by_org_id, client_ref) WHERE client_ref IS NOT NULL;

-- +goose Down
DROP INDEX orders_client_ref;
ALTER TABLE orders DROP COLUMN client_ref;
