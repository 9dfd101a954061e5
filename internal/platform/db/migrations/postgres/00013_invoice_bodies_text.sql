-- Invoice bodies are written once and read whole; nothing queries inside
-- them. As JSONB every body (some 5 kB) was parsed into the binary form
-- on the way in and printed back on the way out, half of what the server
-- spent writing a billing run's documents; as TEXT it is stored as the
-- application wrote it. Changing the type resets the column's
-- compression, so lz4 is set again where the server has it.

-- +goose Up
ALTER TABLE invoice_bodies ALTER COLUMN lines TYPE TEXT;
-- +goose StatementBegin
DO $$
BEGIN
    ALTER TABLE invoice_bodies ALTER COLUMN lines SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE invoice_bodies ALTER COLUMN lines TYPE JSONB USING lines::jsonb;
-- +goose StatementBegin
DO $$
BEGIN
    ALTER TABLE invoice_bodies ALTER COLUMN lines SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;
-- +goose StatementEnd
