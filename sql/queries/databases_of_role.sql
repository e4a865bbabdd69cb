-- Bootstrap: the other databases on this server in which a role holds rights (owns it, or is
-- named in its access list): such a role must not be reused for another database.
SELECT d.datname
FROM pg_database AS d
JOIN pg_roles AS r ON r.rolname = :role
WHERE d.datname <> :database
  AND (d.datdba = r.oid OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) AS a WHERE a.grantee = r.oid))
ORDER BY d.datname
