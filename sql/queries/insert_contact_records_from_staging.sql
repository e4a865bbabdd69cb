-- Keep one row per contact (reference, date, area, categories: no personal data) for a records file.
INSERT INTO helpline.contact_records
    (submission_id, partner_id, contact_ref, contact_date, force_code, caller_type, channel)
SELECT :submission_id, :partner_id, contact_ref, contact_date, force_code, caller_type, channel
FROM staging_contacts
