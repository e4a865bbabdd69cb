-- Bootstrap: only this database's own roles may connect to it, not every login on the server
-- (Postgres grants CONNECT to PUBLIC by default). The name is a psycopg.sql.Identifier.
REVOKE CONNECT, TEMPORARY ON DATABASE {database} FROM PUBLIC
