-- Migrations: the role owning the helpline schema (PREFIX_owner once `db init` has run), which
-- names the group roles the migrations grant to.
SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'helpline'
