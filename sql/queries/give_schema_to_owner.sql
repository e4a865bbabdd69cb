-- Bootstrap: a schema made earlier by another role (e.g. a superuser's upgrade) goes to the owner role.
ALTER SCHEMA helpline OWNER TO helpline_owner
