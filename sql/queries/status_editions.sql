-- The latest build of each period and scope.
SELECT DISTINCT ON (period, scope) period, scope, path, built_at
FROM helpline.editions
ORDER BY period, scope, built_at DESC
