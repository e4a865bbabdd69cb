-- Every published version of a period (its figures, [c] cells and coverage), oldest first.
SELECT id, fingerprint, threshold, method, cells, hidden, coverage
FROM helpline.release_patterns
WHERE period = :period
ORDER BY id
