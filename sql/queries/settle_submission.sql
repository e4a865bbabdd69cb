-- A submission written while its file was validated, settled once validation has spoken:
-- loaded whole, loaded with rows held back, or rejected (its rows rolled back beforehand).
UPDATE helpline.submissions
SET status = :status,
    reason = :reason,
    rows_read = :rows_read,
    rows_loaded = :rows_loaded,
    rows_quarantined = :rows_quarantined,
    first_month = :first_month,
    last_month = :last_month,
    validation = CAST(:validation AS jsonb)
WHERE id = :submission_id
