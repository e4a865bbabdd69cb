-- Load the 43 police force areas and their aliases from flows/reference/force_areas.csv.
-- data: force_areas.csv -> reference_force_areas
INSERT INTO helpline.force_areas (code, name, region)
SELECT code, name, region FROM reference_force_areas;

INSERT INTO helpline.force_area_aliases (alias_key, code)
SELECT DISTINCT ON (alias_key) alias_key, code
FROM (
    SELECT code, regexp_replace(replace(lower(spelling), '&', 'and'), '[^a-z0-9]+', '', 'g') AS alias_key
    FROM reference_force_areas,
         LATERAL unnest(array_cat(ARRAY[code, name], string_to_array(aliases, '|'))) AS spelling
) AS spellings
WHERE alias_key <> ''
ORDER BY alias_key, code;
