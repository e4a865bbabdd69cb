-- Keep a built workbook's bytes with the versions of both periods it shows.
INSERT INTO helpline.edition_builds
    (period, scope, previous_version, current_version, sha256, workbook, late_contacts)
VALUES (:period, :scope, :previous_version, :current_version, :sha256, :workbook, :late_contacts)
