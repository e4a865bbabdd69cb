-- May this login create in the helpline schema, i.e. apply a migration (owner role or superuser)?
SELECT has_schema_privilege('helpline', 'CREATE') AS may_change
