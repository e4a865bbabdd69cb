-- contact_records is only ever appended to, a submission's rows by one COPY, so its rows lie in
-- submission order and a BRIN index (the smallest and largest submission per range of pages)
-- finds a submission's rows as a btree does, while costing a load almost nothing to keep: at 1M
-- rows the btree's upkeep was about a third of COPY's time. autosummarize has autovacuum
-- summarise each range as it fills, since a range not yet summarised is read by every lookup.
DROP INDEX IF EXISTS helpline.contact_records_submission;
CREATE INDEX contact_records_submission ON helpline.contact_records
    USING brin (submission_id) WITH (autosummarize = on);
