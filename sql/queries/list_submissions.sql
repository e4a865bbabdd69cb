-- The ledger, newest first, optionally for one partner.
SELECT id, partner_id, file_name, status, received_at, rows_read, rows_loaded, rows_quarantined,
       first_month, last_month, reason
FROM helpline.submissions
WHERE CAST(:partner_id AS text) IS NULL OR partner_id = :partner_id
ORDER BY id DESC
LIMIT :limit
