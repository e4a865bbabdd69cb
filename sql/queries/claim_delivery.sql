-- Claim a send before mailing; no row back means another run already claimed or sent it.
INSERT INTO helpline.deliveries (
    period, scope, recipient_email, workbook_sha256, status, forced, message_id
) VALUES (
    :period, :scope, :recipient_email, :workbook_sha256, 'sending', :forced, :message_id
)
ON CONFLICT (period, scope, lower(recipient_email)) WHERE status IN ('sending', 'sent') AND NOT forced
DO NOTHING
RETURNING id
