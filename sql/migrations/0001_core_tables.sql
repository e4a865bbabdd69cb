-- Core tables: reference force areas, the submission ledger, contact facts and their month sources.
CREATE TABLE helpline.force_areas (
    code   text PRIMARY KEY CHECK (code ~ '^(E23|W15)[0-9]{6}$'),
    name   text NOT NULL UNIQUE,
    region text NOT NULL
);

CREATE TABLE helpline.force_area_aliases (
    alias_key text PRIMARY KEY,
    code      text NOT NULL REFERENCES helpline.force_areas (code)
);

CREATE TABLE helpline.submissions (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id       text        NOT NULL,
    sha256           text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    file_name        text        NOT NULL,
    layout           text        NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    rows_read        integer     NOT NULL DEFAULT 0,
    rows_loaded      integer     NOT NULL DEFAULT 0,
    rows_quarantined integer     NOT NULL DEFAULT 0,
    first_month      date,
    last_month       date,
    status           text        NOT NULL CHECK (status IN
                       ('loaded', 'rejected', 'duplicate', 'superseded', 'withdrawn', 'failed')),
    reason           text,
    validation       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    duplicate_of     bigint REFERENCES helpline.submissions (id),
    CHECK (first_month IS NULL OR first_month <= last_month)
);
-- The same bytes can hold live data for a partner only once.
CREATE UNIQUE INDEX submissions_live_file ON helpline.submissions (partner_id, sha256)
    WHERE status IN ('loaded', 'superseded');
CREATE INDEX submissions_partner ON helpline.submissions (partner_id, received_at);

-- Which submission currently supplies each partner's month: a resubmission repoints its months.
CREATE TABLE helpline.month_sources (
    partner_id    text   NOT NULL,
    month         date   NOT NULL CHECK (extract(day FROM month) = 1),
    submission_id bigint NOT NULL REFERENCES helpline.submissions (id),
    PRIMARY KEY (partner_id, month)
);
CREATE INDEX month_sources_submission ON helpline.month_sources (submission_id);

CREATE TABLE helpline.contact_counts (
    submission_id bigint  NOT NULL REFERENCES helpline.submissions (id),
    partner_id    text    NOT NULL,
    month         date    NOT NULL,
    force_code    text    NOT NULL REFERENCES helpline.force_areas (code),
    caller_type   text    NOT NULL DEFAULT 'unknown',
    channel       text    NOT NULL DEFAULT 'unknown',
    contacts      integer NOT NULL CHECK (contacts >= 0)
);
CREATE INDEX contact_counts_month ON helpline.contact_counts (month, submission_id);
CREATE INDEX contact_counts_submission ON helpline.contact_counts (submission_id);

-- One row per contact for the records layout: a partner's reference, never a person's details.
-- No foreign keys here: rows arrive only from validated staging alongside contact_counts, which
-- carries the same keys with constraints; per-row checks on a million rows cost more than a load.
CREATE TABLE helpline.contact_records (
    submission_id bigint NOT NULL,
    partner_id    text   NOT NULL,
    contact_ref   text   NOT NULL,
    contact_date  date   NOT NULL,
    force_code    text   NOT NULL,
    caller_type   text   NOT NULL DEFAULT 'unknown',
    channel       text   NOT NULL DEFAULT 'unknown'
);
CREATE INDEX contact_records_ref ON helpline.contact_records (partner_id, contact_ref);
CREATE INDEX contact_records_submission ON helpline.contact_records (submission_id);

-- Rows held back under on_invalid_rows = "quarantine_rows", with the rule they broke.
CREATE TABLE helpline.quarantined_rows (
    submission_id bigint  NOT NULL REFERENCES helpline.submissions (id),
    source_row    integer NOT NULL,
    rule          text    NOT NULL,
    PRIMARY KEY (submission_id, source_row, rule)
);

-- Published-period figures changed by a resubmission or a withdrawal.
CREATE TABLE helpline.revisions (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id     bigint      NOT NULL REFERENCES helpline.submissions (id),
    action            text        NOT NULL CHECK (action IN ('resubmitted', 'withdrawn')),
    partner_id        text        NOT NULL,
    period            text        NOT NULL CHECK (period ~ '^[0-9]{4}-H[12]$'),
    force_code        text        NOT NULL REFERENCES helpline.force_areas (code),
    previous_contacts integer     NOT NULL,
    revised_contacts  integer     NOT NULL,
    revised_at        timestamptz NOT NULL DEFAULT now()
);

-- Workbooks built, one row per period and scope edition.
CREATE TABLE helpline.editions (
    period     text        NOT NULL,
    scope      text        NOT NULL,
    path       text        NOT NULL,
    sha256     text        NOT NULL,
    data_hash  text        NOT NULL,
    built_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (period, scope, data_hash)
);
