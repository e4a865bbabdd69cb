-- Force area spellings are resolved from flows/core/reference/force_areas.csv (whose checksum
-- 0006 keeps); the alias table 0002 filled was never read, so it goes.
DROP TABLE IF EXISTS helpline.force_area_aliases;
