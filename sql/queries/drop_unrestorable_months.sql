-- Months no other file covers simply have no data once the file is withdrawn.
DELETE FROM helpline.month_sources WHERE submission_id = :submission_id
