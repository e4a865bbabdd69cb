-- One ledger row per file received, whatever became of it.
INSERT INTO helpline.submissions (
    partner_id, sha256, file_name, layout, rows_read, rows_loaded, rows_quarantined,
    first_month, last_month, status, reason, validation, duplicate_of
) VALUES (
    :partner_id, :sha256, :file_name, :layout, :rows_read, :rows_loaded, :rows_quarantined,
    :first_month, :last_month, :status, :reason, CAST(:validation AS jsonb), :duplicate_of
)
RETURNING id
