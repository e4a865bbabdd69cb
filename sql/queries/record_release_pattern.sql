-- Store a new published version of a period: its figures, its pattern and its coverage.
INSERT INTO helpline.release_patterns
    (period, fingerprint, threshold, method, cells, hidden, coverage)
VALUES (:period, :fingerprint, :threshold, :method, CAST(:cells AS jsonb), CAST(:hidden AS jsonb),
        CAST(:coverage AS jsonb))
RETURNING id
