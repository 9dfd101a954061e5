-- The storefront's featured products: staff pick them; featured_at orders
-- them, the latest first.

-- +goose Up
ALTER TABLE products ADD COLUMN featured_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE products DROP COLUMN featured_at;
