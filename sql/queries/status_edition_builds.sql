-- The latest build of each period and scope: the versions it shows, whether a newer version of
-- either period exists since (out of date), its late contacts, and who it was sent to.
WITH numbered AS (
    SELECT id, period, row_number() OVER (PARTITION BY period ORDER BY id) AS version,
           max(id) OVER (PARTITION BY period) AS newest
    FROM helpline.release_patterns
),
latest AS (
    SELECT DISTINCT ON (period, scope) *
    FROM helpline.edition_builds
    ORDER BY period, scope, id DESC
)
SELECT l.period, l.scope, l.sha256, l.built_at, l.late_contacts,
       c.version AS current_version, p.version AS previous_version,
       (c.id <> c.newest OR coalesce(p.id <> p.newest, false)) AS out_of_date,
       (SELECT string_agg(d.recipient_email || ' ' || to_char(d.finished_at, 'YYYY-MM-DD'), ', '
                          ORDER BY d.finished_at)
        FROM helpline.deliveries AS d
        WHERE d.workbook_sha256 = l.sha256 AND d.status IN ('sent', 'outbox')) AS sent_to
FROM latest AS l
JOIN numbered AS c ON c.id = l.current_version
LEFT JOIN numbered AS p ON p.id = l.previous_version
ORDER BY l.period, l.scope
