-- Revisions to figures of the given periods recorded after :since (the last edition), summed per force area.
SELECT r.period, r.partner_id, r.force_code, fa.name AS force_name, r.action,
       sum(r.previous_contacts)::bigint AS previous_contacts,
       sum(r.revised_contacts)::bigint AS revised_contacts
FROM helpline.revisions AS r
JOIN helpline.force_areas AS fa ON fa.code = r.force_code
WHERE r.period = ANY(CAST(:periods AS text[])) AND r.revised_at > :since
GROUP BY r.period, r.partner_id, r.force_code, fa.name, r.action
ORDER BY r.period, r.partner_id, fa.name
