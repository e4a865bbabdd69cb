-- Contacts per caller type or channel (:dimension) in the previous and current period, within scope.
WITH current_facts AS (
    SELECT CASE WHEN :dimension = 'channel' THEN channel ELSE caller_type END AS category,
           month, contacts
    FROM helpline.current_counts
    WHERE month BETWEEN :previous_first AND :current_last
      AND force_code = ANY(CAST(:force_codes AS text[]))
)
SELECT category,
       coalesce(sum(contacts) FILTER (WHERE month <= :previous_last), 0)::bigint AS previous,
       coalesce(sum(contacts) FILTER (WHERE month >= :current_first), 0)::bigint AS current
FROM current_facts
GROUP BY category
ORDER BY category
