-- Before months are repointed: record each of the partner's period totals per force area that the
-- new file changes, for the periods in which it replaces data already loaded.
WITH current_figures AS (
    SELECT month, force_code, contacts, year, half
    FROM helpline.current_counts WHERE partner_id = :partner_id
), covered_periods AS (
    SELECT DISTINCT extract(year FROM month)::int AS year, (extract(month FROM month)::int + 5) / 6 AS half
    FROM helpline.month_sources
    WHERE partner_id = :partner_id AND month BETWEEN :first_month AND :last_month
), before AS (
    SELECT f.year, f.half, f.force_code, sum(f.contacts) AS contacts
    FROM current_figures AS f JOIN covered_periods USING (year, half)
    GROUP BY 1, 2, 3
), after AS (
    SELECT year, half, force_code, sum(contacts) AS contacts
    FROM (
        SELECT f.year, f.half, f.force_code, f.contacts
        FROM current_figures AS f JOIN covered_periods USING (year, half)
        WHERE f.month NOT BETWEEN :first_month AND :last_month
        UNION ALL
        SELECT extract(year FROM c.month)::int, (extract(month FROM c.month)::int + 5) / 6,
               c.force_code, c.contacts
        FROM helpline.contact_counts AS c WHERE c.submission_id = :submission_id
    ) AS revised
    GROUP BY 1, 2, 3
), compared AS (
    SELECT coalesce(b.year, a.year) AS year, coalesce(b.half, a.half) AS half,
           coalesce(b.force_code, a.force_code) AS force_code,
           coalesce(b.contacts, 0) AS previous_contacts, coalesce(a.contacts, 0) AS revised_contacts
    FROM before AS b
    FULL JOIN after AS a ON a.year = b.year AND a.half = b.half AND a.force_code = b.force_code
)
INSERT INTO helpline.revisions
    (submission_id, action, partner_id, period, force_code, previous_contacts, revised_contacts)
SELECT :submission_id, 'resubmitted', :partner_id, year || '-H' || half, force_code,
       previous_contacts, revised_contacts
FROM compared
WHERE previous_contacts <> revised_contacts
  AND (year, half) IN (SELECT year, half FROM covered_periods)
