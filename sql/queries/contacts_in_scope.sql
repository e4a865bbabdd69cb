-- Contacts within scope in the previous and the current period, from each month's current source,
-- summed four ways in one pass over the facts: by force area, caller type, channel and month.
-- `breakdown` names which sum a row holds; areas and months with no contacts have no row.
WITH in_scope AS (
    SELECT force_code, caller_type, channel, month, contacts
    FROM helpline.current_counts
    WHERE month BETWEEN :previous_first AND :current_last
      AND force_code = ANY(CAST(:force_codes AS text[]))
)
SELECT CASE WHEN GROUPING(force_code) = 0 THEN 'force_area'
            WHEN GROUPING(caller_type) = 0 THEN 'caller_type'
            WHEN GROUPING(channel) = 0 THEN 'channel'
            ELSE 'month' END AS breakdown,
       coalesce(force_code, caller_type, channel) AS category,
       month,
       coalesce(sum(contacts) FILTER (WHERE month <= :previous_last), 0)::bigint AS previous,
       coalesce(sum(contacts) FILTER (WHERE month >= :current_first), 0)::bigint AS current
FROM in_scope
GROUP BY GROUPING SETS ((force_code), (caller_type), (channel), (month))
ORDER BY breakdown, category, month
