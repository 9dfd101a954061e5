-- Ledger entries no longer carry a foreign key to their journal. The
-- ledger writes a journal and its entries together in one transaction
-- and never deletes either; the key was checked once per entry, which on
-- PostgreSQL is a trigger that locks the journal row, a third of the
-- ledger's cost in a billing run. Ledger.Check reports an entry without
-- its journal instead. SQLite cannot drop a constraint: the table is
-- rebuilt.

-- +goose Up
CREATE TABLE ledger_entries_new (
    journal_id           TEXT NOT NULL,
    line_no              INTEGER NOT NULL,
    org_id               TEXT NOT NULL,
    counterparty_org_id  TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    amount_minor         BIGINT NOT NULL,
    currency             TEXT NOT NULL,
    at                   TIMESTAMP NOT NULL,
    PRIMARY KEY (journal_id, line_no)
) WITHOUT ROWID;
INSERT INTO ledger_entries_new (journal_id, line_no, org_id, counterparty_org_id, kind, amount_minor, currency, at)
    SELECT journal_id, line_no, org_id, counterparty_org_id, kind, amount_minor, currency, at FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_new RENAME TO ledger_entries;
CREATE INDEX ledger_entries_org ON ledger_entries (org_id, at);

-- +goose Down
CREATE TABLE ledger_entries_old (
    journal_id           TEXT NOT NULL REFERENCES ledger_journals (id),
    line_no              INTEGER NOT NULL,
    org_id               TEXT NOT NULL,
    counterparty_org_id  TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    amount_minor         BIGINT NOT NULL,
    currency             TEXT NOT NULL,
    at                   TIMESTAMP NOT NULL,
    PRIMARY KEY (journal_id, line_no)
) WITHOUT ROWID;
INSERT INTO ledger_entries_old (journal_id, line_no, org_id, counterparty_org_id, kind, amount_minor, currency, at)
    SELECT journal_id, line_no, org_id, counterparty_org_id, kind, amount_minor, currency, at FROM ledger_entries;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_old RENAME TO ledger_entries;
CREATE INDEX ledger_entries_org ON ledger_entries (org_id, at);
