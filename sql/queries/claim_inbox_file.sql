-- Claim one inbox file (partner/file name) for this session: true if no other sweep, on any
-- machine sharing the database, holds it. Released by release_inbox_file, or by Postgres when
-- the session ends, so a killed sweep leaves no stale claim behind.
SELECT pg_try_advisory_lock(hashtext('helpline.inbox_file'), hashtext(:file_key)) AS claimed
