-- Every vendor organization has an onboarding profile, so the catalog
-- lists and reads vendors from its own table and asks identity only for
-- their names. Vendors an administrator created had none ("approved" was
-- read from its absence); they get an approved one, submitted when they
-- were created. New ones get theirs when their organization.created event
-- is handled (self-registered vendors keep the pending one they register
-- with).

-- +goose Up
INSERT INTO vendor_profiles (org_id, status, submitted_at, updated_at)
SELECT o.id, 'approved', o.created_at, o.created_at FROM organizations o
WHERE o.kind = 'vendor' AND NOT EXISTS (SELECT 1 FROM vendor_profiles v WHERE v.org_id = o.id);

-- +goose Down
DELETE FROM vendor_profiles WHERE reviewed_at IS NULL AND status = 'approved' AND submitted_at = updated_at;
