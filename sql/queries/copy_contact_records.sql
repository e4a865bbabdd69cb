-- A records file's rows into contact_records, in PostgreSQL's binary format (encoded from Arrow
-- by pgpq, so the server parses no text); the columns in this order, the ids first.
COPY helpline.contact_records (submission_id, partner_id, contact_ref, contact_date, force_code,
    caller_type, channel) FROM STDIN (FORMAT binary)
