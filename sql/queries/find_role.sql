-- Bootstrap: a role by name, if it exists, and whether it can log in.
SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname = :name
