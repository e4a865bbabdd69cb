-- One suppression pattern per period and set of figures, shared by every edition of every
-- release that publishes the period (its own release, and the next one's previous column).
--
-- Each row records the figures the pattern was computed on (cells: the period's linked table,
-- key -> count) and the cells it hides. Rows are never updated: when a period's figures are
-- revised a new row is added, and the report keeps hidden what an earlier row hid and shown
-- what it showed unchanged (flows/report/suppression_pattern.py). The newest row of a period
-- whose fingerprint matches today's figures is the one editions use.
CREATE TABLE helpline.release_patterns (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period      text        NOT NULL CHECK (period ~ '^[0-9]{4}-H[12]$'),
    fingerprint text        NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    threshold   integer     NOT NULL CHECK (threshold >= 1),
    method      integer     NOT NULL,
    cells       jsonb       NOT NULL CHECK (jsonb_typeof(cells) = 'object'),
    hidden      jsonb       NOT NULL CHECK (jsonb_typeof(hidden) = 'array'),
    computed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX release_patterns_period ON helpline.release_patterns (period, id);

-- Owned like the other tables (0003); the application adds patterns and reads them, and never
-- changes or deletes one: a published pattern is history.
ALTER TABLE helpline.release_patterns OWNER TO helpline_owner;
GRANT SELECT, INSERT ON helpline.release_patterns TO helpline_app;
GRANT USAGE, SELECT ON SEQUENCE helpline.release_patterns_id_seq TO helpline_app;
