-- A loaded submission that no longer supplies any month has been superseded.
UPDATE helpline.submissions AS s SET status = 'superseded'
WHERE s.partner_id = :partner_id AND s.status = 'loaded'
  AND NOT EXISTS (SELECT 1 FROM helpline.month_sources AS ms WHERE ms.submission_id = s.id)
RETURNING s.id
