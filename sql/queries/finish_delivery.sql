-- Settle a claimed send as sent or failed, with what the mail server said.
UPDATE helpline.deliveries
SET status = :status, detail = :detail, finished_at = now()
WHERE id = :id AND status = 'sending'
