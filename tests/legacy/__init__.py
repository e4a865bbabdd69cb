"""The suppression code as it was before release-wide patterns, kept to prove the joint audit
catches what it let through (see tests/legacy/per_workbook.py). Frozen: do not improve it."""
