-- Per-transaction staging for COPY: normalised, validated rows of one file.
CREATE TEMPORARY TABLE staging_contacts (
    source_row   integer NOT NULL,
    contact_ref  text,
    contact_date date,
    month        date    NOT NULL,
    force_code   text    NOT NULL,
    caller_type  text    NOT NULL,
    channel      text    NOT NULL,
    contacts     integer NOT NULL
) ON COMMIT DROP
