-- A passing file becomes the source of every month from its first to its last, replacing the old one.
INSERT INTO helpline.month_sources (partner_id, month, submission_id)
SELECT :partner_id, month::date, :submission_id
FROM generate_series(CAST(:first_month AS date), CAST(:last_month AS date), interval '1 month') AS month
ON CONFLICT (partner_id, month) DO UPDATE SET submission_id = excluded.submission_id
