-- An edition of this period and scope built from exactly these figures, if one was built.
SELECT path, sha256, built_at FROM helpline.editions
WHERE period = :period AND scope = :scope AND data_hash = :data_hash
