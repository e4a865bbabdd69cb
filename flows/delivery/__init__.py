"""Delivery: recipients, the email message, SMTP or the outbox, and the delivery ledger.

May import core, ledger and report; never intake.
"""
