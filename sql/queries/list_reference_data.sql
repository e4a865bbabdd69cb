-- The reference data files each applied migration loaded, with their checksums.
SELECT version, file_name, sha256 FROM helpline.reference_data ORDER BY version, file_name
