-- This partner's current contact references in months the incoming file does not replace.
SELECT r.contact_ref, date_trunc('month', r.contact_date)::date AS month
FROM helpline.contact_records AS r
JOIN helpline.month_sources AS ms
  ON ms.partner_id = r.partner_id AND ms.submission_id = r.submission_id
 AND ms.month = date_trunc('month', r.contact_date)::date
WHERE r.partner_id = :partner_id
  AND NOT (ms.month BETWEEN :first_month AND :last_month)
