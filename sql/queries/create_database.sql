-- Bootstrap: the database, owned by the schema owner role. CREATE DATABASE takes no bind
-- parameters: the name is filled in with psycopg.sql.Identifier, which quotes it.
CREATE DATABASE {database} OWNER helpline_owner
