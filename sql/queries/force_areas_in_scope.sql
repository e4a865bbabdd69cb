-- The police force areas in scope, with their official names and ONS regions, in code order.
SELECT code, name, region
FROM helpline.force_areas
WHERE code = ANY(CAST(:force_codes AS text[]))
ORDER BY code
