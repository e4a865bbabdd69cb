-- Bootstrap, second step: the table that records which numbered migrations have run.
CREATE TABLE IF NOT EXISTS helpline.schema_migrations (
    version    integer PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
