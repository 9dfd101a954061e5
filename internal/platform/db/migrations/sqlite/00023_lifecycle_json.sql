-- PostgreSQL stores the lifecycle's JSON (events, audit changes, orders'
-- pricing, subscriptions' prices) as JSON rather than JSONB from this
-- version on: checked and kept as written, as SQLite always kept it, so
-- nothing changes here. The file keeps both engines at the
-- same version.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
