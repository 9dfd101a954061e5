-- A charge's detail is a kilobyte or more of JSON. In a WITHOUT ROWID
-- table a row that large spills out of its b-tree page into overflow
-- pages, one read each; an ordinary table keeps most of it in the leaf,
-- and a billing run reads details by the thousand.

-- +goose Up
CREATE TABLE charge_details_new (
    charge_id  TEXT PRIMARY KEY,
    detail     TEXT NOT NULL
);
INSERT INTO charge_details_new (charge_id, detail) SELECT charge_id, detail FROM charge_details;
DROP TABLE charge_details;
ALTER TABLE charge_details_new RENAME TO charge_details;

-- +goose Down
CREATE TABLE charge_details_old (
    charge_id  TEXT PRIMARY KEY,
    detail     TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO charge_details_old (charge_id, detail) SELECT charge_id, detail FROM charge_details;
DROP TABLE charge_details;
ALTER TABLE charge_details_old RENAME TO charge_details;
