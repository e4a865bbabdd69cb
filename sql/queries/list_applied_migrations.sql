-- Versions already applied, with the checksum of the file as it was applied.
SELECT version, name, checksum FROM helpline.schema_migrations ORDER BY version
