-- Checksums of the reference data files a migration loads (e.g. force_areas.csv for 0002).
--
-- A migration's own checksum covers its SQL text; this table covers the data it staged, so an
-- edited reference file is refused just as an edited migration is. Rows are written by
-- `helpline db upgrade`: when a migration is applied, and once for migrations applied before
-- this table existed (their files as they are at that upgrade).
CREATE TABLE helpline.reference_data (
    version   integer NOT NULL REFERENCES helpline.schema_migrations (version),
    file_name text    NOT NULL,
    sha256    text    NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    PRIMARY KEY (version, file_name)
);

ALTER TABLE helpline.reference_data OWNER TO helpline_owner;
-- Readable by the application role (to check the schema is current), never writable.
REVOKE ALL ON helpline.reference_data FROM helpline_app;
GRANT SELECT ON helpline.reference_data TO helpline_app;
