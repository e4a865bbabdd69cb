-- contact_records keeps only its submission index. The one query that reads these rows (the
-- references a partner already sent, find_refs_loaded_elsewhere) reaches them from
-- month_sources by submission_id, and the planner chose contact_records_submission even with
-- contact_records_ref present; upkeep of that (partner_id, contact_ref) text index was more than
-- half of COPY's time (300k rows: 1.22 s with both indexes, 0.54 s with the submission one).
DROP INDEX IF EXISTS helpline.contact_records_ref;
