"""Core: settings, database, migrations, errors, periods, force areas, scopes and safe text.

Imports nothing from the wings; every wing may import it.
"""
