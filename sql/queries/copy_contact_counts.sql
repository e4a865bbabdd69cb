-- A file's contacts summed per month, area and category into contact_counts. These are few rows
-- (one per month, area and category), so they go as CSV, which lets the server convert each
-- count to the integer column, where the binary format would need the exact type.
COPY helpline.contact_counts (submission_id, partner_id, month, force_code, caller_type, channel,
    contacts) FROM STDIN (FORMAT csv)
