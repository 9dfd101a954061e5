-- A billing run that cannot build one payer's document (an amount beyond
-- what a BIGINT of minor units holds, usage the prices cannot rate) marks
-- that document's charges failed, with the reason, and bills everyone
-- else: the charge leaves the pending indexes, so the next run does not
-- fail on it again, and an operator finds it by status. Setting it back
-- to pending once the cause is corrected bills it in the next run.
-- SQLite cannot alter a CHECK constraint: the narrow table is rebuilt.

-- +goose Up
CREATE TABLE charge_states_new (
    charge_id     TEXT PRIMARY KEY,
    payer_org_id  TEXT NOT NULL,
    bill_at       TIMESTAMP NOT NULL,
    -- merged: an arrears charge carried by the next period's advance charge
    -- (run_id names it); failed: its document could not be built (error).
    status        TEXT NOT NULL CHECK (status IN ('pending', 'invoiced', 'cancelled', 'merged', 'failed')),
    run_id        TEXT NOT NULL DEFAULT '',
    invoice_id    TEXT,
    error         TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
INSERT INTO charge_states_new (charge_id, payer_org_id, bill_at, status, run_id, invoice_id)
    SELECT charge_id, payer_org_id, bill_at, status, run_id, invoice_id FROM charge_states;
DROP TABLE charge_states;
ALTER TABLE charge_states_new RENAME TO charge_states;
CREATE INDEX charge_states_due ON charge_states (bill_at) WHERE status = 'pending';
CREATE INDEX charge_states_payer ON charge_states (payer_org_id, bill_at) WHERE status = 'pending';
CREATE INDEX charge_states_failed ON charge_states (payer_org_id) WHERE status = 'failed';

-- +goose Down
CREATE TABLE charge_states_old (
    charge_id     TEXT PRIMARY KEY,
    payer_org_id  TEXT NOT NULL,
    bill_at       TIMESTAMP NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'invoiced', 'cancelled', 'merged')),
    run_id        TEXT NOT NULL DEFAULT '',
    invoice_id    TEXT
) WITHOUT ROWID;
INSERT INTO charge_states_old (charge_id, payer_org_id, bill_at, status, run_id, invoice_id)
    SELECT charge_id, payer_org_id, bill_at, CASE status WHEN 'failed' THEN 'pending' ELSE status END, run_id, invoice_id FROM charge_states;
DROP TABLE charge_states;
ALTER TABLE charge_states_old RENAME TO charge_states;
CREATE INDEX charge_states_due ON charge_states (bill_at) WHERE status = 'pending';
CREATE INDEX charge_states_payer ON charge_states (payer_org_id, bill_at) WHERE status = 'pending';
