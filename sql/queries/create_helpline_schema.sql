-- Bootstrap, first step: the schema every table of the product lives in.
CREATE SCHEMA IF NOT EXISTS helpline
