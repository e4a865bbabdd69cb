"""Intake: a partner file checked, read, cleaned, normalised, validated and sent to the ledger.

May import core and ledger; never report or delivery.
"""
