-- Bootstrap, first: the role that owns the helpline schema and its tables; nobody logs in as it.
CREATE ROLE helpline_owner NOLOGIN
