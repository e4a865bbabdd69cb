-- The bytes of edition :edition (1 = the first) of a period and scope: editions are the distinct
-- workbooks built for it, numbered in the order they were first built.
WITH editions AS (
    SELECT sha256, min(id) AS first_build,
           row_number() OVER (ORDER BY min(id)) AS edition
    FROM helpline.edition_builds
    WHERE period = :period AND scope = :scope
    GROUP BY sha256
)
SELECT b.workbook
FROM editions AS e
JOIN helpline.edition_builds AS b ON b.id = e.first_build
WHERE e.edition = :edition
