-- Bootstrap, first: the role that may only read and write the schema's rows; no login either.
-- The name (PREFIX_app) is a psycopg.sql.Identifier.
CREATE ROLE {role} NOLOGIN
