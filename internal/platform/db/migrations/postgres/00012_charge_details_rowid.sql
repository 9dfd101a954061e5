-- The SQLite schema stores charge details as an ordinary (rowid) table
-- from this version on; PostgreSQL tables already are heaps, so nothing
-- changes here. The file keeps both engines at the same version.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
