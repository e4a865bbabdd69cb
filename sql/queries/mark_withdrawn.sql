-- The withdrawn file stays in the ledger, marked as such.
UPDATE helpline.submissions SET status = 'withdrawn', reason = :reason WHERE id = :submission_id
