-- A loaded (or since superseded) submission of the same bytes for this partner, if any.
SELECT id, file_name, status FROM helpline.submissions
WHERE partner_id = :partner_id AND sha256 = :sha256 AND status IN ('loaded', 'superseded')
ORDER BY id LIMIT 1
