-- Bootstrap, for a database that already existed: the owner role may create the schema and
-- pass on connecting (migration 0003 grants it to helpline_app). The name is a
-- psycopg.sql.Identifier.
GRANT CONNECT, TEMPORARY, CREATE ON DATABASE {database} TO helpline_owner WITH GRANT OPTION
