-- The lifecycle claims the due subscriptions of the first customers in
-- (next_action_at, customer_org_id) order. With an index on the due time
-- alone, every claim sorted all the due rows by customer to take the
-- first: at a boundary of 100,000 subscriptions, all due at one instant,
-- each batch sorted 100,000 rows. The index holds the order itself.

-- +goose Up
DROP INDEX subscriptions_next_action;
CREATE INDEX subscriptions_due ON subscriptions (next_action_at, customer_org_id);

-- +goose Down
DROP INDEX subscriptions_due;
CREATE INDEX subscriptions_next_action ON subscriptions (next_action_at);
