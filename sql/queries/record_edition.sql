-- Remember a built workbook; rebuilding identical data refreshes its path and time.
INSERT INTO helpline.editions (period, scope, path, sha256, data_hash)
VALUES (:period, :scope, :path, :sha256, :data_hash)
ON CONFLICT (period, scope, data_hash) DO UPDATE SET path = excluded.path, sha256 = excluded.sha256
