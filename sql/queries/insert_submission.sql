-- One ledger row per file received, whatever became of it, under the number taken for it
-- (next_submission_number).
INSERT INTO helpline.submissions (
    id, partner_id, sha256, file_name, layout, rows_read, rows_loaded, rows_quarantined,
    first_month, last_month, status, reason, validation, duplicate_of
) VALUES (
    :id, :partner_id, :sha256, :file_name, :layout, :rows_read, :rows_loaded, :rows_quarantined,
    :first_month, :last_month, :status, :reason, CAST(:validation AS jsonb), :duplicate_of
)
RETURNING id
