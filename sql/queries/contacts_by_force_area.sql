-- Contacts per police force area in the previous and the current period, from each month's current source.
-- Every force area in scope appears, with 0 where no contacts were recorded.
WITH current_facts AS (
    SELECT force_code, month, contacts FROM helpline.current_counts
    WHERE month BETWEEN :previous_first AND :current_last
)
SELECT fa.code, fa.name, fa.region,
       coalesce(sum(f.contacts) FILTER (WHERE f.month <= :previous_last), 0)::bigint AS previous,
       coalesce(sum(f.contacts) FILTER (WHERE f.month >= :current_first), 0)::bigint AS current
FROM helpline.force_areas AS fa
LEFT JOIN current_facts AS f ON f.force_code = fa.code
WHERE fa.code = ANY(CAST(:force_codes AS text[]))
GROUP BY fa.code, fa.name, fa.region
ORDER BY fa.code
