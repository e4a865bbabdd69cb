-- Bootstrap: the product's schema, owned by the owner role, so its members may migrate it.
CREATE SCHEMA IF NOT EXISTS helpline AUTHORIZATION helpline_owner
