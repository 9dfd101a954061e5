-- A billing run claims every charge it invoices. While the charge's state
-- (status, run, invoice) were columns of the charge row, each claim
-- rewrote the whole row. The state is now a narrow row of its own; the
-- payer and billing time, fixed when the charge is made, are copied beside
-- it for the pending indexes. (The same change on PostgreSQL spares every
-- claim new entries in all the indexes on charges.)

-- +goose Up
CREATE TABLE charge_states (
    charge_id     TEXT PRIMARY KEY,
    payer_org_id  TEXT NOT NULL,
    bill_at       TIMESTAMP NOT NULL,
    -- merged: an arrears charge carried by the next period's advance charge
    -- (run_id names it).
    status        TEXT NOT NULL CHECK (status IN ('pending', 'invoiced', 'cancelled', 'merged')),
    run_id        TEXT NOT NULL DEFAULT '',
    invoice_id    TEXT
) WITHOUT ROWID;
INSERT INTO charge_states (charge_id, payer_org_id, bill_at, status, run_id, invoice_id)
    SELECT id, payer_org_id, bill_at, status, run_id, invoice_id FROM charges;
DROP INDEX charges_due;
DROP INDEX charges_payer;
ALTER TABLE charges DROP COLUMN status;
ALTER TABLE charges DROP COLUMN run_id;
ALTER TABLE charges DROP COLUMN invoice_id;
CREATE INDEX charge_states_due ON charge_states (bill_at) WHERE status = 'pending';
CREATE INDEX charge_states_payer ON charge_states (payer_org_id, bill_at) WHERE status = 'pending';

-- +goose Down
ALTER TABLE charges ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'invoiced', 'cancelled', 'merged'));
ALTER TABLE charges ADD COLUMN run_id TEXT NOT NULL DEFAULT '';
ALTER TABLE charges ADD COLUMN invoice_id TEXT;
UPDATE charges SET status = s.status, run_id = s.run_id, invoice_id = s.invoice_id
FROM charge_states s WHERE s.charge_id = charges.id;
CREATE INDEX charges_due ON charges (bill_at) WHERE status = 'pending';
CREATE INDEX charges_payer ON charges (payer_org_id, bill_at) WHERE status = 'pending';
DROP TABLE charge_states;
