-- A billing run that cannot build one payer's document (an amount beyond
-- what a BIGINT of minor units holds, usage the prices cannot rate) marks
-- that document's charges failed, with the reason, and bills everyone
-- else: the charge leaves the pending indexes, so the next run does not
-- fail on it again, and an operator finds it by status. Setting it back
-- to pending once the cause is corrected bills it in the next run.

-- +goose Up
ALTER TABLE charge_states DROP CONSTRAINT charge_states_status_check;
ALTER TABLE charge_states ADD CONSTRAINT charge_states_status_check
    CHECK (status IN ('pending', 'invoiced', 'cancelled', 'merged', 'failed'));
ALTER TABLE charge_states ADD COLUMN error TEXT NOT NULL DEFAULT '';
CREATE INDEX charge_states_failed ON charge_states (payer_org_id) WHERE status = 'failed';

-- +goose Down
DROP INDEX charge_states_failed;
UPDATE charge_states SET status = 'pending' WHERE status = 'failed';
ALTER TABLE charge_states DROP COLUMN error;
ALTER TABLE charge_states DROP CONSTRAINT charge_states_status_check;
ALTER TABLE charge_states ADD CONSTRAINT charge_states_status_check
    CHECK (status IN ('pending', 'invoiced', 'cancelled', 'merged'));
