-- Months of this partner in a range that already have a source (the ones a new file replaces).
SELECT month, submission_id FROM helpline.month_sources
WHERE partner_id = :partner_id AND month BETWEEN :first_month AND :last_month
ORDER BY month
