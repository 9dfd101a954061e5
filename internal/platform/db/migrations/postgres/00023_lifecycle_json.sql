-- What a lifecycle batch writes most is JSON nothing reads inside in bulk:
-- the events' data, the audit entries' changes, a renewal order's frozen
-- pricing and detail, a subscription's prices, chain and rating. As JSONB
-- every value was parsed into the binary form on the way in and printed
-- back on the way out (about 8 kB a renewal); as JSON it is checked and
-- stored as the application wrote it, and col->>'key' still reads into it
-- (the rule both engines keep).

-- +goose Up
ALTER TABLE events ALTER COLUMN data TYPE JSON USING data::json;
ALTER TABLE audit_events ALTER COLUMN changes TYPE JSON USING changes::json;
ALTER TABLE orders ALTER COLUMN quantities DROP DEFAULT, ALTER COLUMN quantities TYPE JSON USING quantities::json,
    ALTER COLUMN quantities SET DEFAULT '{}',
    ALTER COLUMN detail TYPE JSON USING detail::json, ALTER COLUMN pricing TYPE JSON USING pricing::json;
ALTER TABLE subscriptions ALTER COLUMN quantities DROP DEFAULT, ALTER COLUMN quantities TYPE JSON USING quantities::json,
    ALTER COLUMN quantities SET DEFAULT '{}',
    ALTER COLUMN terms TYPE JSON USING terms::json, ALTER COLUMN prices TYPE JSON USING prices::json,
    ALTER COLUMN chain TYPE JSON USING chain::json,
    ALTER COLUMN rating DROP DEFAULT, ALTER COLUMN rating TYPE JSON USING rating::json, ALTER COLUMN rating SET DEFAULT '{}';

-- +goose Down
ALTER TABLE events ALTER COLUMN data TYPE JSONB USING data::jsonb;
ALTER TABLE audit_events ALTER COLUMN changes TYPE JSONB USING changes::jsonb;
ALTER TABLE orders ALTER COLUMN quantities DROP DEFAULT, ALTER COLUMN quantities TYPE JSONB USING quantities::jsonb,
    ALTER COLUMN quantities SET DEFAULT '{}',
    ALTER COLUMN detail TYPE JSONB USING detail::jsonb, ALTER COLUMN pricing TYPE JSONB USING pricing::jsonb;
ALTER TABLE subscriptions ALTER COLUMN quantities DROP DEFAULT, ALTER COLUMN quantities TYPE JSONB USING quantities::jsonb,
    ALTER COLUMN quantities SET DEFAULT '{}',
    ALTER COLUMN terms TYPE JSONB USING terms::jsonb, ALTER COLUMN prices TYPE JSONB USING prices::jsonb,
    ALTER COLUMN chain TYPE JSONB USING chain::jsonb,
    ALTER COLUMN rating DROP DEFAULT, ALTER COLUMN rating TYPE JSONB USING rating::jsonb, ALTER COLUMN rating SET DEFAULT '{}';
