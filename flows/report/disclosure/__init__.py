"""Statistical disclosure control for every edition and every published version of a period.

- relations: total relations (a published cell is the sum of others);
- linked_table: every cell any edition of a period can publish, and how they add up;
- cell_suppression: primary and secondary suppression over a linked table;
- lp_audit: the linear-programming bound of every suppressed cell;
- period_pattern: one pattern per period, audited before use;
- published_versions: the stored versions of each period (figures and pattern) and the
  publication-snapshot revisions policy;
- history_audit: every version of a period audited together;
- edition_audit: every edition of one release laid out as written and audited together.
"""
