-- Bootstrap: the database, owned by the schema owner role. CREATE DATABASE takes no bind
-- parameters: the names are filled in with psycopg.sql.Identifier, which quotes them.
CREATE DATABASE {database} OWNER {owner}
