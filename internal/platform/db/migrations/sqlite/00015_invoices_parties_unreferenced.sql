-- PostgreSQL drops the invoices' foreign keys to their parties' organizations
-- at this version (a row lock per invoice there). SQLite checks a key with
-- an index lookup and no lock, so it keeps them. The file keeps both
-- engines at the same version.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
