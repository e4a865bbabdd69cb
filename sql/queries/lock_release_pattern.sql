-- Serialise computing a period's suppression pattern until the transaction ends.
SELECT pg_advisory_xact_lock(hashtext('helpline.release_pattern'), hashtext(:period))
