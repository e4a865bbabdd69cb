-- Bootstrap: may the connected login create roles and databases (`helpline db init`)?
SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user
