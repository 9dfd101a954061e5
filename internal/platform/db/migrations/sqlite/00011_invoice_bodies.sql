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
    lines       TEXT NOT NULL
);
INSERT INTO invoice_bodies (invoice_id, lines)
    SELECT id, coalesce((
        SELECT json_group_array(json(line)) FROM (
            SELECT json_object(
                'no', l.line_no, 'charge', l.charge_id, 'subscription', l.subscription_id, 'kind', l.kind,
                'description', l.description, 'quantity', l.quantity, 'unit_price', l.unit_price,
                'amount_minor', l.amount_minor, 'exact', l.exact, 'tax_rate', l.tax_rate, 'tax_name', l.tax_name,
                'start', replace(l.period_start, ' ', 'T'), 'end', replace(l.period_end, ' ', 'T'),
                'credits_line', l.credits_line, 'recurring_key', l.recurring_key) AS line
            FROM invoice_lines l WHERE l.invoice_id = invoices.id ORDER BY l.line_no)), '[]')
    FROM invoices;

CREATE TABLE invoiced_periods (
    recurring_key  TEXT PRIMARY KEY,
    invoice_id     TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO invoiced_periods (recurring_key, invoice_id)
    SELECT recurring_key, invoice_id FROM invoice_lines WHERE recurring_key IS NOT NULL;

ALTER TABLE charges ADD COLUMN invoice_id TEXT;
UPDATE charges SET invoice_id = (
    SELECT l.invoice_id FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
    WHERE l.charge_id = charges.id AND i.kind <> 'credit_note' LIMIT 1)
WHERE id IN (SELECT charge_id FROM invoice_lines);

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
    quantity         TEXT NOT NULL,
    unit_price       TEXT NOT NULL,
    amount_minor     BIGINT NOT NULL,
    exact            TEXT NOT NULL,
    tax_rate         TEXT NOT NULL,
    tax_name         TEXT NOT NULL DEFAULT '',
    period_start     TIMESTAMP,
    period_end       TIMESTAMP,
    recurring_key    TEXT,
    credits_line     INTEGER,
    PRIMARY KEY (invoice_id, line_no)
) WITHOUT ROWID;
INSERT INTO invoice_lines (invoice_id, line_no, charge_id, subscription_id, kind, description, quantity, unit_price, amount_minor, exact,
        tax_rate, tax_name, period_start, period_end, recurring_key, credits_line)
    SELECT i.invoice_id, j.value ->> 'no', j.value ->> 'charge', j.value ->> 'subscription', j.value ->> 'kind', j.value ->> 'description',
        j.value ->> 'quantity', j.value ->> 'unit_price', j.value ->> 'amount_minor', j.value ->> 'exact', j.value ->> 'tax_rate',
        coalesce(j.value ->> 'tax_name', ''), replace(j.value ->> 'start', 'T', ' '), replace(j.value ->> 'end', 'T', ' '),
        j.value ->> 'recurring_key', j.value ->> 'credits_line'
    FROM invoice_bodies i, json_each(i.lines) j;
CREATE UNIQUE INDEX invoice_lines_recurring ON invoice_lines (recurring_key) WHERE recurring_key IS NOT NULL;
CREATE INDEX invoice_lines_charge ON invoice_lines (charge_id);

DROP INDEX invoices_credit_of;
CREATE INDEX invoices_credit_of ON invoices (credit_of);
ALTER TABLE charges DROP COLUMN invoice_id;
DROP TABLE invoiced_periods;
DROP TABLE invoice_bodies;
