-- One ledger row by id.
SELECT id, partner_id, file_name, status, first_month, last_month FROM helpline.submissions WHERE id = :submission_id
