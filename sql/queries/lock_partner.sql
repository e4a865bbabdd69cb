-- Serialise loads for one partner until the transaction ends: concurrent ingests queue here.
SELECT pg_advisory_xact_lock(hashtext('helpline.partner'), hashtext(:partner_id))
