"""Ledger: the submission ledger, loading validated rows, resubmissions and withdrawals.

May import core only.
"""
