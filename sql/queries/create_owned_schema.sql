-- Bootstrap: the product's schema, owned by the owner role, so its members may migrate it.
-- The role's name is a psycopg.sql.Identifier.
CREATE SCHEMA IF NOT EXISTS helpline AUTHORIZATION {owner}
