-- The next submission number: one more than the highest. Only under lock_ledger.
SELECT coalesce(max(id), 0) + 1 AS id FROM helpline.submissions
