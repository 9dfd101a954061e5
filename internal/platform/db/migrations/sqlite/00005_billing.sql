-- Billing and the ledger. Charges are what is owed for a subscription
-- period (or a change, a vendor line, a vendor's trial costs), each under a
-- unique key so it is invoiced once whatever runs twice; the billing run
-- turns due charges into invoices (one per payer, issuer and currency),
-- numbered without gaps per issuer, kind and year. Issued documents are
-- never edited: credit notes correct them. The ledger records who owes whom
-- as balanced journals. Rounded amounts are BIGINT minor units; rates,
-- quantities and unit prices are decimal TEXT; JSON is TEXT.

-- +goose Up
ALTER TABLE organizations ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN tax_category TEXT NOT NULL DEFAULT 'standard';
-- What rates a subscription's periods (the pricing engine's input) and
-- whether its seller bills it outside the platform.
ALTER TABLE subscriptions ADD COLUMN rating TEXT NOT NULL DEFAULT '{}';
ALTER TABLE subscriptions ADD COLUMN self_billed INTEGER NOT NULL DEFAULT 0;

CREATE TABLE tax_rates (
    id              TEXT PRIMARY KEY,
    country         TEXT NOT NULL,
    category        TEXT NOT NULL,
    rate            TEXT NOT NULL,
    name            TEXT NOT NULL,
    reverse_charge  INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (country, category)
);

-- The platform fee a vendor pays on its revenue, when not the default.
CREATE TABLE vendor_fees (
    vendor_org_id  TEXT PRIMARY KEY REFERENCES organizations (id),
    percent        TEXT NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE invoices (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note', 'proforma')),
    number            TEXT,
    issuer_org_id     TEXT NOT NULL REFERENCES organizations (id),
    recipient_org_id  TEXT NOT NULL REFERENCES organizations (id),
    status            TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'paid', 'void', 'uncollectible')),
    currency          TEXT NOT NULL,
    subtotal_minor    BIGINT NOT NULL,
    tax_minor         BIGINT NOT NULL,
    total_minor       BIGINT NOT NULL,
    paid_minor        BIGINT NOT NULL DEFAULT 0,
    credited_minor    BIGINT NOT NULL DEFAULT 0,
    taxes             TEXT NOT NULL DEFAULT '[]',
    reverse_charge    INTEGER NOT NULL DEFAULT 0,
    issuer            TEXT NOT NULL,
    recipient         TEXT NOT NULL,
    credit_of         TEXT REFERENCES invoices (id),
    reason            TEXT NOT NULL DEFAULT '',
    run_id            TEXT NOT NULL DEFAULT '',
    -- A draft's ledger journal, posted when it is issued.
    pending_journal   TEXT,
    issued_at         TIMESTAMP,
    due_at            TIMESTAMP,
    paid_at           TIMESTAMP,
    voided_at         TIMESTAMP,
    overdue_at        TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX invoices_number ON invoices (issuer_org_id, number);
CREATE INDEX invoices_recipient ON invoices (recipient_org_id, id);
CREATE INDEX invoices_issuer ON invoices (issuer_org_id, id);
CREATE INDEX invoices_credit_of ON invoices (credit_of);
CREATE INDEX invoices_due ON invoices (due_at) WHERE status = 'issued' AND overdue_at IS NULL;

-- Invoice lines and ledger entries are written by the thousand with their
-- parent row in one transaction; they carry no foreign keys of their own,
-- and are stored in their primary key's order (WITHOUT ROWID: one b-tree
-- to write, not two).
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
-- The last guard against billing twice: one licence line per subscription
-- period across every invoice.
CREATE UNIQUE INDEX invoice_lines_recurring ON invoice_lines (recurring_key) WHERE recurring_key IS NOT NULL;
CREATE INDEX invoice_lines_charge ON invoice_lines (charge_id);

CREATE TABLE invoice_sequences (
    issuer_org_id  TEXT NOT NULL REFERENCES organizations (id),
    kind           TEXT NOT NULL,
    year           INTEGER NOT NULL,
    last           BIGINT NOT NULL,
    PRIMARY KEY (issuer_org_id, kind, year)
);

CREATE TABLE charges (
    id               TEXT PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL CHECK (kind IN ('advance', 'arrears', 'change', 'vendor_cost', 'vendor_line')),
    payer_org_id     TEXT NOT NULL REFERENCES organizations (id),
    issuer_org_id    TEXT NOT NULL REFERENCES organizations (id),
    vendor_org_id    TEXT NOT NULL REFERENCES organizations (id),
    subscription_id  TEXT REFERENCES subscriptions (id),
    order_id         TEXT,
    currency         TEXT NOT NULL,
    self_billed      INTEGER NOT NULL DEFAULT 0,
    period_start     TIMESTAMP,
    period_end       TIMESTAMP,
    bill_at          TIMESTAMP NOT NULL,
    -- merged: an arrears charge carried by the next period's advance charge
    -- (run_id names it).
    status           TEXT NOT NULL CHECK (status IN ('pending', 'invoiced', 'cancelled', 'merged')),
    run_id           TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX charges_due ON charges (bill_at) WHERE status = 'pending';
CREATE INDEX charges_payer ON charges (payer_org_id, bill_at) WHERE status = 'pending';
CREATE INDEX charges_order ON charges (order_id);
CREATE INDEX charges_subscription ON charges (subscription_id, period_start);

-- What a charge bills (its lines, usage prices, channel claims), apart
-- from the charge so that claiming charges rewrites small rows.
CREATE TABLE charge_details (
    charge_id  TEXT PRIMARY KEY,
    detail     TEXT NOT NULL
) WITHOUT ROWID;

-- Usage of a subscription's metrics and postpaid extras per period, as the
-- vendor reports it; rated when the period is invoiced in arrears.
CREATE TABLE usage_records (
    subscription_id  TEXT NOT NULL REFERENCES subscriptions (id),
    item             TEXT NOT NULL,
    period_start     TIMESTAMP NOT NULL,
    quantity         TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    recorded_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (subscription_id, item, period_start)
);

-- Lines a vendor adds to a customer's subscription: once, or every period
-- until removed.
CREATE TABLE vendor_lines (
    id               TEXT PRIMARY KEY,
    subscription_id  TEXT NOT NULL REFERENCES subscriptions (id),
    vendor_org_id    TEXT NOT NULL REFERENCES organizations (id),
    description      TEXT NOT NULL,
    quantity         TEXT NOT NULL,
    unit_price       TEXT NOT NULL,
    recurring        INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('active', 'billed', 'removed')),
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    ended_at         TIMESTAMP
);
CREATE INDEX vendor_lines_subscription ON vendor_lines (subscription_id, status);

CREATE TABLE payments (
    id               TEXT PRIMARY KEY,
    invoice_id       TEXT NOT NULL REFERENCES invoices (id),
    method           TEXT NOT NULL CHECK (method IN ('bank_transfer', 'declared')),
    amount_minor     BIGINT NOT NULL,
    currency         TEXT NOT NULL,
    reference        TEXT NOT NULL DEFAULT '',
    received_on      TIMESTAMP NOT NULL,
    attachment_name  TEXT NOT NULL DEFAULT '',
    attachment_type  TEXT NOT NULL DEFAULT '',
    attachment       BLOB,
    recorded_by      TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX payments_invoice ON payments (invoice_id);

-- The ledger: a journal per posting, its lines summing to zero per
-- currency. A line is one side of a claim between two parties: a positive
-- amount on (org, counterparty) is what the counterparty owes the org.
CREATE TABLE ledger_journals (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    ref_type    TEXT NOT NULL,
    ref_id      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    memo        TEXT NOT NULL DEFAULT '',
    at          TIMESTAMP NOT NULL
);
CREATE INDEX ledger_journals_ref ON ledger_journals (ref_type, ref_id);

CREATE TABLE ledger_entries (
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
CREATE INDEX ledger_entries_org ON ledger_entries (org_id, at);

-- +goose Down
DROP TABLE ledger_entries;
DROP TABLE ledger_journals;
DROP TABLE payments;
DROP TABLE vendor_lines;
DROP TABLE usage_records;
DROP TABLE charge_details;
DROP TABLE charges;
DROP TABLE invoice_sequences;
DROP TABLE invoice_lines;
DROP TABLE invoices;
DROP TABLE vendor_fees;
DROP TABLE tax_rates;
ALTER TABLE subscriptions DROP COLUMN self_billed;
ALTER TABLE subscriptions DROP COLUMN rating;
ALTER TABLE products DROP COLUMN tax_category;
ALTER TABLE organizations DROP COLUMN address;
