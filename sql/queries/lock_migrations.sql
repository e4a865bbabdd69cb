-- Serialise concurrent `db upgrade` runs for the length of the transaction.
SELECT pg_advisory_xact_lock(hashtext('helpline.schema_migrations'))
