-- Bootstrap: a schema made earlier by another role (e.g. a superuser's upgrade) goes to the
-- owner role, whose name is a psycopg.sql.Identifier.
ALTER SCHEMA helpline OWNER TO {owner}
