-- Bootstrap, first: the role that owns the helpline schema and its tables; nobody logs in as it.
-- The name (PREFIX_owner) is a psycopg.sql.Identifier.
CREATE ROLE {role} NOLOGIN
