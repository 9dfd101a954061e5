-- The sign-in and sign-up throttle backs off: each lock of a key counts a
-- strike, and the next lock of that key lasts longer (up to the maximum).

-- +goose Up
ALTER TABLE login_attempts ADD COLUMN strikes INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE login_attempts DROP COLUMN strikes;
