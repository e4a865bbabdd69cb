-- For each month the withdrawn file supplies: the most recent other live file of the partner covering it.
CREATE TEMPORARY TABLE withdrawal_plan ON COMMIT DROP AS
SELECT ms.month,
       (SELECT s.id FROM helpline.submissions AS s
        WHERE s.partner_id = ms.partner_id AND s.id <> ms.submission_id
          AND s.status IN ('loaded', 'superseded')
          AND ms.month BETWEEN s.first_month AND s.last_month
        ORDER BY s.received_at DESC, s.id DESC LIMIT 1) AS restored_submission_id
FROM helpline.month_sources AS ms
WHERE ms.submission_id = :submission_id
