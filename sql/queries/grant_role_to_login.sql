-- Bootstrap: an existing login joins its role. The names are psycopg.sql.Identifier.
GRANT {member_of} TO {login}
