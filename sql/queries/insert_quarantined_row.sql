-- A row held back under quarantine_rows, with the rule it broke (no cell values are kept).
INSERT INTO helpline.quarantined_rows (submission_id, source_row, rule)
VALUES (:submission_id, :source_row, :rule)
ON CONFLICT DO NOTHING
