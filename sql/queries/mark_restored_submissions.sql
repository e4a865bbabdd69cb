-- A superseded file that supplies months again is live again.
UPDATE helpline.submissions AS s SET status = 'loaded'
WHERE s.partner_id = :partner_id AND s.status = 'superseded'
  AND EXISTS (SELECT 1 FROM helpline.month_sources AS ms WHERE ms.submission_id = s.id)
RETURNING s.id
