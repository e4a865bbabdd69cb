-- Serialise the taking of submission numbers until the transaction ends: run it before
-- next_submission_number, as its own statement, so that query's snapshot sees every number
-- the previous holder committed.
SELECT pg_advisory_xact_lock(hashtext('helpline.ledger'), 0)
