-- The latest claim or successful send of this period and scope to this mailbox, if any.
SELECT id, status, forced, workbook_sha256, message_id, attempted_at, finished_at
FROM helpline.deliveries
WHERE period = :period AND scope = :scope AND lower(recipient_email) = lower(:recipient_email)
    AND status IN ('sending', 'sent')
ORDER BY attempted_at DESC, id DESC
LIMIT 1
