-- A ledger entry is one party's side of a journal against one
-- counterparty, with an amount per kind, rather than one row per kind:
-- an invoice's journal between a customer, the marketplace owner and a
-- vendor is four rows instead of twelve. The rows are stored in the
-- order statements and balances read them (a party's entries by time);
-- an index finds a journal's.

-- +goose Up
-- Every kind in the ledger has its column (a migration that met another
-- kind would lose it, so it stops here instead).
CREATE TEMP TABLE ledger_kinds_known (kind TEXT NOT NULL CHECK (kind IN
    ('licence', 'usage', 'iaas', 'tax', 'platform_fee', 'vendor_cost', 'payment', 'write_off')));
INSERT INTO ledger_kinds_known SELECT DISTINCT kind FROM ledger_entries;
DROP TABLE ledger_kinds_known;

CREATE TABLE ledger_entries_new (
    org_id               TEXT NOT NULL,
    at                   TIMESTAMPTZ NOT NULL,
    journal_id           TEXT NOT NULL,
    counterparty_org_id  TEXT NOT NULL,
    currency             TEXT NOT NULL,
    licence_minor        BIGINT NOT NULL DEFAULT 0,
    usage_minor          BIGINT NOT NULL DEFAULT 0,
    iaas_minor           BIGINT NOT NULL DEFAULT 0,
    tax_minor            BIGINT NOT NULL DEFAULT 0,
    platform_fee_minor   BIGINT NOT NULL DEFAULT 0,
    vendor_cost_minor    BIGINT NOT NULL DEFAULT 0,
    payment_minor        BIGINT NOT NULL DEFAULT 0,
    write_off_minor      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, at, journal_id, counterparty_org_id)
);
INSERT INTO ledger_entries_new (org_id, at, journal_id, counterparty_org_id, currency, licence_minor, usage_minor, iaas_minor, tax_minor,
        platform_fee_minor, vendor_cost_minor, payment_minor, write_off_minor)
    SELECT org_id, at, journal_id, counterparty_org_id, currency,
        sum(CASE WHEN kind = 'licence' THEN amount_minor ELSE 0 END),
        sum(CASE WHEN kind = 'usage' THEN amount_minor ELSE 0 END),
        sum(CASE WHEN kind = 'iaas' THEN amount_minor ELSE 0 END),
        sum(CASE WHEN kind = 'tax' THEN amount_minor ELSE 0 END),
        sum(CASE WHEN kind = 'platform_fee' THEN amount_minor ELSE 0 END),
        sum(CASE WHEN kind = 'vendor_cost' THEN amount_minor ELSE 0 END),
        sum(CASE WHEN kind = 'payment' THEN amount_minor ELSE 0 END),
        sum(CASE WHEN kind = 'write_off' THEN amount_minor ELSE 0 END)
    FROM ledger_entries GROUP BY org_id, at, journal_id, counterparty_org_id, currency;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_new RENAME TO ledger_entries;
ALTER TABLE ledger_entries RENAME CONSTRAINT ledger_entries_new_pkey TO ledger_entries_pkey;
CREATE INDEX ledger_entries_journal ON ledger_entries (journal_id);

-- +goose Down
CREATE TABLE ledger_entries_old (
    journal_id           TEXT NOT NULL,
    line_no              INTEGER NOT NULL,
    org_id               TEXT NOT NULL,
    counterparty_org_id  TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    amount_minor         BIGINT NOT NULL,
    currency             TEXT NOT NULL,
    at                   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (journal_id, line_no)
);
INSERT INTO ledger_entries_old (journal_id, line_no, org_id, counterparty_org_id, kind, amount_minor, currency, at)
    SELECT journal_id, row_number() OVER (PARTITION BY journal_id ORDER BY org_id, counterparty_org_id, kind),
        org_id, counterparty_org_id, kind, amount_minor, currency, at
    FROM (
        SELECT journal_id, org_id, counterparty_org_id, 'licence' AS kind, licence_minor AS amount_minor, currency, at FROM ledger_entries WHERE licence_minor <> 0
        UNION ALL SELECT journal_id, org_id, counterparty_org_id, 'usage', usage_minor, currency, at FROM ledger_entries WHERE usage_minor <> 0
        UNION ALL SELECT journal_id, org_id, counterparty_org_id, 'iaas', iaas_minor, currency, at FROM ledger_entries WHERE iaas_minor <> 0
        UNION ALL SELECT journal_id, org_id, counterparty_org_id, 'tax', tax_minor, currency, at FROM ledger_entries WHERE tax_minor <> 0
        UNION ALL SELECT journal_id, org_id, counterparty_org_id, 'platform_fee', platform_fee_minor, currency, at FROM ledger_entries WHERE platform_fee_minor <> 0
        UNION ALL SELECT journal_id, org_id, counterparty_org_id, 'vendor_cost', vendor_cost_minor, currency, at FROM ledger_entries WHERE vendor_cost_minor <> 0
        UNION ALL SELECT journal_id, org_id, counterparty_org_id, 'payment', payment_minor, currency, at FROM ledger_entries WHERE payment_minor <> 0
        UNION ALL SELECT journal_id, org_id, counterparty_org_id, 'write_off', write_off_minor, currency, at FROM ledger_entries WHERE write_off_minor <> 0
    ) AS lines;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_old RENAME TO ledger_entries;
ALTER TABLE ledger_entries RENAME CONSTRAINT ledger_entries_old_pkey TO ledger_entries_pkey;
CREATE INDEX ledger_entries_org ON ledger_entries (org_id, at);
