"""Report: figures for a period, disclosure control, tables, Cover text and the workbook.

May import core and ledger; never intake or delivery.
"""
