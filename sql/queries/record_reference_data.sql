-- Remember the checksum of a reference data file a migration loaded.
INSERT INTO helpline.reference_data (version, file_name, sha256)
VALUES (:version, :file_name, :sha256)
