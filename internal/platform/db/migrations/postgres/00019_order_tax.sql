-- An order keeps the tax estimated when it was placed (billing's rules, in
-- minor units), so that its total (subtotal + tax) stays what checkout
-- showed. NULL: an order placed before orders recorded their tax; its tax
-- is on its invoice. (due_minor is the order's subtotal charged now and
-- total_minor what the whole duration comes to, both before tax.)

-- +goose Up
ALTER TABLE orders ADD COLUMN tax_minor BIGINT;
-- An order that charged nothing (a trial, a sandbox, a downgrade) had no
-- tax: its total is known.
UPDATE orders SET tax_minor = 0 WHERE due_minor = 0;

-- +goose Down
ALTER TABLE orders DROP COLUMN tax_minor;
