-- Bootstrap, first: the role that may only read and write the schema's rows; no login either.
CREATE ROLE helpline_app NOLOGIN
