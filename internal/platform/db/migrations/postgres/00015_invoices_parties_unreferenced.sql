-- Invoices no longer carry foreign keys to their issuer's and recipient's
-- organizations. Both come from the charges an invoice bills, whose own
-- keys were checked when the charges were recorded, and organizations are
-- never deleted. Each key was a trigger locking the organization's row
-- (FOR KEY SHARE) per invoice: the issuer's one row locked by every
-- invoice of every batch in flight, and a row lock written on each
-- recipient's. billing.Check reports an invoice whose parties are missing.

-- +goose Up
ALTER TABLE invoices DROP CONSTRAINT invoices_issuer_org_id_fkey;
ALTER TABLE invoices DROP CONSTRAINT invoices_recipient_org_id_fkey;

-- +goose Down
ALTER TABLE invoices ADD CONSTRAINT invoices_issuer_org_id_fkey FOREIGN KEY (issuer_org_id) REFERENCES organizations (id);
ALTER TABLE invoices ADD CONSTRAINT invoices_recipient_org_id_fkey FOREIGN KEY (recipient_org_id) REFERENCES organizations (id);
