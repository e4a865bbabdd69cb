-- Store a period's suppression pattern with the figures it was computed on.
INSERT INTO helpline.release_patterns (period, fingerprint, threshold, method, cells, hidden)
VALUES (:period, :fingerprint, :threshold, :method, CAST(:cells AS jsonb), CAST(:hidden AS jsonb))
