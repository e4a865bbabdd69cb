-- Bootstrap: is this login a member of that role (directly or through another)?
SELECT pg_has_role(:login, :role, 'MEMBER') AS member
