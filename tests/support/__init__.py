"""Helpers the tests share: servers on loopback, partner files, database state, audits."""
