-- Submission numbers have no gaps. A load copies its rows under its number while the file is
-- still being validated, so a load that rolls back (the file rejected, Ctrl-C, a lost
-- connection, a feedback report that could not be written) must not use one up, as a sequence
-- does. The product takes one more than the highest number under the ledger's lock
-- (lock_ledger, next_submission_number), so the identity and its sequence go.
ALTER TABLE helpline.submissions ALTER COLUMN id DROP IDENTITY IF EXISTS;
