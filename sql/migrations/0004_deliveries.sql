-- The delivery ledger: one row per attempt to email a workbook, so no recipient gets an edition twice.
--
-- A send first claims its row as 'sending' (committed before talking to the mail server), then
-- marks it 'sent' or 'failed'. The partial unique index below allows only one live claim or
-- successful send per period, scope and mailbox, so two runs racing each other cannot both mail
-- the same person: the second INSERT ... ON CONFLICT DO NOTHING gets no row back and reports
-- "already sent". A run that dies mid-send leaves 'sending' behind, which still blocks a resend
-- (the message may have gone out); a person checks and uses --force. Forced resends are stored
-- with forced = true, outside the index, so a deliberate resend is always possible and recorded.
-- 'failed' rows stay as history and never block a retry. 'outbox' rows record .eml files
-- written when no SMTP host is configured: nobody was mailed, so they block nothing either.
CREATE TABLE helpline.deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period          text        NOT NULL CHECK (period ~ '^[0-9]{4}-H[12]$'),
    scope           text        NOT NULL CHECK (scope ~ '^(national|region:.+|force:(E23|W15)[0-9]{6})$'),
    recipient_email text        NOT NULL CHECK (recipient_email LIKE '_%@_%'),
    workbook_sha256 text        NOT NULL CHECK (workbook_sha256 ~ '^[0-9a-f]{64}$'),
    status          text        NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'outbox')),
    forced          boolean     NOT NULL DEFAULT false,
    message_id      text,
    attempted_at    timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    detail          text
);
-- Mailbox names are matched case-insensitively: Analysis@Example.org is the same person.
CREATE UNIQUE INDEX deliveries_once ON helpline.deliveries (period, scope, lower(recipient_email))
    WHERE status IN ('sending', 'sent') AND NOT forced;
CREATE INDEX deliveries_lookup ON helpline.deliveries (period, scope, lower(recipient_email), attempted_at);

-- Migrations run as the connecting superuser; hand the table to the owner role like 0003 does,
-- and grant the application role what sending needs (no DELETE: the ledger is history).
ALTER TABLE helpline.deliveries OWNER TO helpline_owner;
GRANT SELECT, INSERT, UPDATE ON helpline.deliveries TO helpline_app;
GRANT USAGE, SELECT ON SEQUENCE helpline.deliveries_id_seq TO helpline_app;
