-- When the latest workbook for this period and scope was built (none: NULL).
SELECT max(built_at) AS built_at FROM helpline.editions WHERE period = :period AND scope = :scope
