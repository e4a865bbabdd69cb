-- Mark one migration as applied.
INSERT INTO helpline.schema_migrations (version, name, checksum) VALUES (:version, :name, :checksum)
