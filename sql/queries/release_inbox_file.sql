-- Let go of an inbox file claimed by claim_inbox_file in this session.
SELECT pg_advisory_unlock(hashtext('helpline.inbox_file'), hashtext(:file_key)) AS released
