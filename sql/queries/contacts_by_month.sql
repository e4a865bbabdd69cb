-- Monthly contacts within scope for every month of the previous and current period (0 where none).
SELECT m.month::date AS month, coalesce(sum(c.contacts), 0)::bigint AS contacts
FROM generate_series(CAST(:previous_first AS date), CAST(:current_last AS date), interval '1 month') AS m (month)
LEFT JOIN helpline.month_sources AS ms ON ms.month = m.month
LEFT JOIN helpline.contact_counts AS c
  ON c.partner_id = ms.partner_id AND c.month = ms.month AND c.submission_id = ms.submission_id
 AND c.force_code = ANY(CAST(:force_codes AS text[]))
GROUP BY m.month
ORDER BY m.month
