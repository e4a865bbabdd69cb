-- Whether this login may create (and so migrate) objects in the helpline schema.
SELECT has_schema_privilege('helpline', 'CREATE') AS may_change
