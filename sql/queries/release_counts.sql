-- Every force area's contacts in the previous and the current period, from each month's current
-- source, summed three ways: by caller type, by channel and by month. The facts are first summed
-- once per force area, caller type, channel and month (one pass, a few thousand groups), and the
-- three breakdowns are taken from those. `breakdown` names which sum a row holds; combinations
-- with no contacts have no row.
WITH in_period AS (
    SELECT force_code, caller_type, channel, month, sum(contacts) AS contacts
    FROM helpline.current_counts
    WHERE month BETWEEN :previous_first AND :current_last
    GROUP BY force_code, caller_type, channel, month
)
SELECT CASE WHEN GROUPING(caller_type) = 0 THEN 'caller_type'
            WHEN GROUPING(channel) = 0 THEN 'channel'
            ELSE 'month' END AS breakdown,
       force_code,
       coalesce(caller_type, channel) AS category,
       month,
       coalesce(sum(contacts) FILTER (WHERE month <= :previous_last), 0)::bigint AS previous,
       coalesce(sum(contacts) FILTER (WHERE month >= :current_first), 0)::bigint AS current
FROM in_period
GROUP BY GROUPING SETS ((force_code, caller_type), (force_code, channel), (force_code, month))
ORDER BY breakdown, force_code, category, month
