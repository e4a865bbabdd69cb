-- What was published, kept: each version of a period's figures and every workbook built from them.
--
-- Under the publication-snapshot revisions policy (docs/disclosure.md) a row of release_patterns
-- is one published version of a period: its figures (cells), its [c] cells (hidden) and, from
-- this migration on, which partners' months the figures hold (coverage; NULL for versions stored
-- before). Versions are numbered by id within their period. A period gets a new version only on
-- its first publication and when a data manager revises it on purpose (helpline report --revise).
ALTER TABLE helpline.release_patterns ADD COLUMN coverage jsonb
    CHECK (coverage IS NULL OR jsonb_typeof(coverage) = 'array');

-- Every workbook built, with its bytes, so what was sent can be produced again byte for byte after
-- later revisions, and with the versions of both periods it shows (previous_version is NULL when
-- the previous period had no data). late_contacts counts contacts loaded for either period that
-- the versions shown do not include yet: a build with some is waiting for a revision.
CREATE TABLE helpline.edition_builds (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period           text        NOT NULL CHECK (period ~ '^[0-9]{4}-H[12]$'),
    scope            text        NOT NULL,
    previous_version bigint      REFERENCES helpline.release_patterns (id),
    current_version  bigint      NOT NULL REFERENCES helpline.release_patterns (id),
    sha256           text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    workbook         bytea       NOT NULL,
    late_contacts    integer     NOT NULL CHECK (late_contacts >= 0),
    built_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX edition_builds_period ON helpline.edition_builds (period, scope, id);
CREATE INDEX edition_builds_sha256 ON helpline.edition_builds (sha256);

-- History is added to, never changed: the application inserts and reads.
ALTER TABLE helpline.edition_builds OWNER TO helpline_owner;
GRANT SELECT, INSERT ON helpline.edition_builds TO helpline_app;
GRANT USAGE, SELECT ON SEQUENCE helpline.edition_builds_id_seq TO helpline_app;
