-- An issued document never changes (corrections are credit notes of
-- their own), so its lines are stored as one JSON array in its body,
-- rather than one row each: a billing run writes two rows per document.
-- The body is apart from the invoice row, whose state (status, paid,
-- overdue) changes and is rewritten whole on every change. What other
-- tables asked of the lines moves beside them:
--   invoiced_periods    the last guard against billing a subscription
--                       period's licence twice (one row per licence line);
--   charges.invoice_id  the invoice that billed a charge.

-- +goose Up
CREATE TABLE invoice_bodies (
    invoice_id  TEXT PRIMARY KEY,
    lines       JSONB NOT NULL
);
-- A body of fifteen lines is some 5 kB, compressed when it is stored: lz4
-- costs the server a fraction of the default pglz's time. A server built
-- without lz4 keeps pglz.
-- +goose StatementBegin
DO $$
BEGIN
    ALTER TABLE invoice_bodies ALTER COLUMN lines SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;
-- +goose StatementEnd
INSERT INTO invoice_bodies (invoice_id, lines)
    SELECT i.id, coalesce(l.lines, '[]')
    FROM invoices i LEFT JOIN (
        SELECT invoice_id, jsonb_agg(jsonb_build_object(
                'no', line_no, 'charge', charge_id, 'subscription', subscription_id, 'kind', kind,
                'description', description, 'quantity', quantity::text, 'unit_price', unit_price::text,
                'amount_minor', amount_minor, 'exact', exact::text, 'tax_rate', tax_rate::text, 'tax_name', tax_name,
                'start', period_start, 'end', period_end, 'credits_line', credits_line, 'recurring_key', recurring_key)
            ORDER BY line_no) AS lines
        FROM invoice_lines GROUP BY invoice_id
    ) AS l ON l.invoice_id = i.id;

CREATE TABLE invoiced_periods (
    recurring_key  TEXT PRIMARY KEY,
    invoice_id     TEXT NOT NULL
);
INSERT INTO invoiced_periods (recurring_key, invoice_id)
    SELECT recurring_key, invoice_id FROM invoice_lines WHERE recurring_key IS NOT NULL;

ALTER TABLE charges ADD COLUMN invoice_id TEXT;
UPDATE charges SET invoice_id = l.invoice_id
FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
WHERE l.charge_id = charges.id AND i.kind <> 'credit_note';

DROP TABLE invoice_lines;

-- Most documents credit nothing.
DROP INDEX invoices_credit_of;
CREATE INDEX invoices_credit_of ON invoices (credit_of) WHERE credit_of IS NOT NULL;

-- +goose Down
CREATE TABLE invoice_lines (
    invoice_id       TEXT NOT NULL,
    line_no          INTEGER NOT NULL,
    charge_id        TEXT,
    subscription_id  TEXT,
    kind             TEXT NOT NULL,
    description      TEXT NOT NULL,
    quantity         NUMERIC NOT NULL,
    unit_price       NUMERIC NOT NULL,
    amount_minor     BIGINT NOT NULL,
    exact            NUMERIC NOT NULL,
    tax_rate         NUMERIC NOT NULL,
    tax_name         TEXT NOT NULL DEFAULT '',
    period_start     TIMESTAMPTZ,
    period_end       TIMESTAMPTZ,
    recurring_key    TEXT,
    credits_line     INTEGER,
    PRIMARY KEY (invoice_id, line_no)
);
INSERT INTO invoice_lines (invoice_id, line_no, charge_id, subscription_id, kind, description, quantity, unit_price, amount_minor, exact,
        tax_rate, tax_name, period_start, period_end, recurring_key, credits_line)
    SELECT i.invoice_id, (j ->> 'no')::integer, j ->> 'charge', j ->> 'subscription', j ->> 'kind', j ->> 'description',
        (j ->> 'quantity')::numeric, (j ->> 'unit_price')::numeric, (j ->> 'amount_minor')::bigint, (j ->> 'exact')::numeric,
        (j ->> 'tax_rate')::numeric, coalesce(j ->> 'tax_name', ''), (j ->> 'start')::timestamptz, (j ->> 'end')::timestamptz,
        j ->> 'recurring_key', (j ->> 'credits_line')::integer
    FROM invoice_bodies i, jsonb_array_elements(i.lines) AS j;
CREATE UNIQUE INDEX invoice_lines_recurring ON invoice_lines (recurring_key) WHERE recurring_key IS NOT NULL;
CREATE INDEX invoice_lines_charge ON invoice_lines (charge_id);

DROP INDEX invoices_credit_of;
CREATE INDEX invoices_credit_of ON invoices (credit_of);
ALTER TABLE charges DROP COLUMN invoice_id;
DROP TABLE invoiced_periods;
DROP TABLE invoice_bodies;
