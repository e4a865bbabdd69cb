-- Whether anybody has created the helpline schema yet (tells `db upgrade` what to advise).
SELECT to_regnamespace('helpline') IS NOT NULL AS present
