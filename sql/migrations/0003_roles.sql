-- Least privilege: helpline_owner owns the schema (DDL); helpline_app may only read and write its rows.
-- Login users are granted one of these roles, e.g. GRANT helpline_app TO reporting_service.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'helpline_owner') THEN
        CREATE ROLE helpline_owner NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'helpline_app') THEN
        CREATE ROLE helpline_app NOLOGIN;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO helpline_app', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO helpline_owner', current_database());
END
$$;

ALTER SCHEMA helpline OWNER TO helpline_owner;

DO $$
DECLARE
    relation record;
BEGIN
    FOR relation IN SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'helpline' AND c.relkind IN ('r', 'p')
    LOOP
        EXECUTE format('ALTER TABLE helpline.%I OWNER TO helpline_owner', relation.relname);
    END LOOP;
END
$$;

REVOKE ALL ON SCHEMA helpline FROM PUBLIC;
GRANT USAGE ON SCHEMA helpline TO helpline_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA helpline TO helpline_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA helpline TO helpline_app;
-- The ledger of applied migrations is readable (to check the schema is current), never writable.
REVOKE INSERT, UPDATE, DELETE ON helpline.schema_migrations FROM helpline_app;
ALTER DEFAULT PRIVILEGES FOR ROLE helpline_owner IN SCHEMA helpline
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO helpline_app;
ALTER DEFAULT PRIVILEGES FOR ROLE helpline_owner IN SCHEMA helpline
    GRANT USAGE, SELECT ON SEQUENCES TO helpline_app;
