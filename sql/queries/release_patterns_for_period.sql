-- Every suppression pattern computed for a period, oldest first.
SELECT id, fingerprint, threshold, method, cells, hidden
FROM helpline.release_patterns
WHERE period = :period
ORDER BY id
