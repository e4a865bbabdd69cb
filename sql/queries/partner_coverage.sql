-- Which partners supplied which months across the previous and current period (for the Cover).
SELECT ms.partner_id, ms.month, s.file_name
FROM helpline.month_sources AS ms
JOIN helpline.submissions AS s ON s.id = ms.submission_id
WHERE ms.month BETWEEN :previous_first AND :current_last
ORDER BY ms.partner_id, ms.month
