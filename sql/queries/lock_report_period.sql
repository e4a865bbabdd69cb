-- Serialise builds of one period's editions until the transaction ends.
SELECT pg_advisory_xact_lock(hashtext('helpline.report'), hashtext(:period))
