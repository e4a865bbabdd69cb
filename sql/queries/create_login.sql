-- Bootstrap: a login that acts through one of the two roles. CREATE ROLE takes no bind
-- parameters: the names are psycopg.sql.Identifier and the password a psycopg.sql.Literal.
CREATE ROLE {login} LOGIN PASSWORD {password} IN ROLE {member_of}
