-- Per partner: submissions by outcome and the span of months currently supplied.
SELECT s.partner_id,
       count(*) FILTER (WHERE s.status IN ('loaded', 'superseded')) AS loaded,
       count(*) FILTER (WHERE s.status = 'rejected') AS rejected,
       count(*) FILTER (WHERE s.status = 'duplicate') AS duplicates,
       max(s.received_at) AS last_received,
       (SELECT min(month) FROM helpline.month_sources AS ms WHERE ms.partner_id = s.partner_id) AS first_month,
       (SELECT max(month) FROM helpline.month_sources AS ms WHERE ms.partner_id = s.partner_id) AS last_month,
       (SELECT count(*) FROM helpline.month_sources AS ms WHERE ms.partner_id = s.partner_id) AS months
FROM helpline.submissions AS s
GROUP BY s.partner_id
ORDER BY s.partner_id
