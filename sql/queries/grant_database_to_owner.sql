-- Bootstrap, for a database that already existed: the owner role may create the schema and
-- pass on connecting (migration 0003 grants it to the app role). The names are
-- psycopg.sql.Identifier.
GRANT CONNECT, TEMPORARY, CREATE ON DATABASE {database} TO {owner} WITH GRANT OPTION
