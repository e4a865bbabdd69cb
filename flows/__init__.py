"""helpline-reporting: partner files in, six-monthly contact-growth workbooks out.

Wings, one per stage: intake (file to canonical rows), ledger (loading and submissions),
report (figures to workbook), delivery (recipients and mail), all over core. cli, commands
and orchestration sit on top and may import any wing.
"""
