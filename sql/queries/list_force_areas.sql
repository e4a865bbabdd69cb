-- Every police force area with its official name and ONS region (the report orders them).
SELECT code, name, region
FROM helpline.force_areas
ORDER BY code
