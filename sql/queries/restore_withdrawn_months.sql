-- Point each month of the withdrawn file back at the file it had replaced.
UPDATE helpline.month_sources AS ms SET submission_id = p.restored_submission_id
FROM withdrawal_plan AS p
WHERE ms.submission_id = :submission_id AND ms.month = p.month AND p.restored_submission_id IS NOT NULL
RETURNING ms.month, p.restored_submission_id
