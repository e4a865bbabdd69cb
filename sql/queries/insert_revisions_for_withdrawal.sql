-- Before the plan is applied: record each of the partner's period totals per force area that
-- the withdrawal changes, in the periods of the months it affects.
WITH current_figures AS (
    SELECT month, force_code, contacts, year, half
    FROM helpline.current_counts WHERE partner_id = :partner_id
), affected_periods AS (
    SELECT DISTINCT extract(year FROM month)::int AS year, (extract(month FROM month)::int + 5) / 6 AS half
    FROM withdrawal_plan
), before AS (
    SELECT f.year, f.half, f.force_code, sum(f.contacts) AS contacts
    FROM current_figures AS f JOIN affected_periods USING (year, half)
    GROUP BY 1, 2, 3
), after AS (
    SELECT year, half, force_code, sum(contacts) AS contacts
    FROM (
        SELECT f.year, f.half, f.force_code, f.contacts
        FROM current_figures AS f JOIN affected_periods USING (year, half)
        WHERE f.month NOT IN (SELECT month FROM withdrawal_plan)
        UNION ALL
        SELECT extract(year FROM c.month)::int, (extract(month FROM c.month)::int + 5) / 6,
               c.force_code, c.contacts
        FROM helpline.contact_counts AS c
        JOIN withdrawal_plan AS p ON p.month = c.month AND p.restored_submission_id = c.submission_id
    ) AS revised
    GROUP BY 1, 2, 3
)
INSERT INTO helpline.revisions
    (submission_id, action, partner_id, period, force_code, previous_contacts, revised_contacts)
SELECT :submission_id, 'withdrawn', :partner_id,
       coalesce(b.year, a.year) || '-H' || coalesce(b.half, a.half),
       coalesce(b.force_code, a.force_code), coalesce(b.contacts, 0), coalesce(a.contacts, 0)
FROM before AS b
FULL JOIN after AS a ON a.year = b.year AND a.half = b.half AND a.force_code = b.force_code
WHERE coalesce(b.contacts, 0) <> coalesce(a.contacts, 0)
