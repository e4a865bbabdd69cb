"""Intake: a partner file checked, read, cleaned, normalised, validated and sent to the ledger.

`reading/` is what runs in the limited reading child (guards, readers, compact cell columns);
`crosstab/` melts force-area-by-month tables into counts rows; the modules here do the rest, in
the order of `ingest.ingest_file`: partner_file, personal_data, normalise, validation, feedback.

May import core and ledger; never report or delivery.
"""
