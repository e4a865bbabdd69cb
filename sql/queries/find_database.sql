-- Bootstrap: the database by name, if it exists, with its owner.
SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = :name
