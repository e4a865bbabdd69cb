-- Aggregate the staged rows into the fact table both layouts feed.
INSERT INTO helpline.contact_counts
    (submission_id, partner_id, month, force_code, caller_type, channel, contacts)
SELECT :submission_id, :partner_id, month, force_code, caller_type, channel, sum(contacts)
FROM staging_contacts
GROUP BY month, force_code, caller_type, channel
