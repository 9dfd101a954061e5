-- PostgreSQL stores invoice bodies as TEXT from this version on; SQLite
-- always did, so nothing changes here. The file keeps both engines at the
-- same version.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
