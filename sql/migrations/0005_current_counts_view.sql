-- The figures in force: each partner month counted from the submission that currently supplies it.
-- Every report query and revision check reads through this one definition.
CREATE VIEW helpline.current_counts AS
SELECT c.submission_id, c.partner_id, c.month, c.force_code, c.caller_type, c.channel, c.contacts,
       extract(year FROM c.month)::int AS year,
       (extract(month FROM c.month)::int + 5) / 6 AS half
FROM helpline.contact_counts AS c
JOIN helpline.month_sources AS ms
  ON ms.partner_id = c.partner_id AND ms.month = c.month AND ms.submission_id = c.submission_id;

ALTER VIEW helpline.current_counts OWNER TO helpline_owner;
GRANT SELECT ON helpline.current_counts TO helpline_app;
