-- An .eml file written instead of mailing (no SMTP host): history only, it blocks no real send.
INSERT INTO helpline.deliveries (
    period, scope, recipient_email, workbook_sha256, status, forced, message_id, finished_at, detail
) VALUES (
    :period, :scope, :recipient_email, :workbook_sha256, 'outbox', :forced, :message_id, now(), :detail
)
RETURNING id
