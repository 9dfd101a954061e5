-- Ledger entries no longer carry a foreign key to their journal. The
-- ledger writes a journal and its entries together in one transaction
-- and never deletes either; the key was checked once per entry, which on
-- PostgreSQL is a trigger that locks the journal row, a third of the
-- ledger's cost in a billing run. Ledger.Check reports an entry without
-- its journal instead.

-- +goose Up
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_journal_id_fkey;

-- +goose Down
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_journal_id_fkey FOREIGN KEY (journal_id) REFERENCES ledger_journals (id);
