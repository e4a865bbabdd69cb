"""Reading a partner file: what runs in the reading child, and the parent's side of it.

The guards (sizes declared, archives, encryption), the readers (calamine for spreadsheets,
pyarrow for CSV, whole grids for crosstabs and profile samples) and the compact cell columns
they send back. flows.intake.reading.contained_read runs them in a child process with limits.
Imports only core and this package: nothing here loads pandas, Great Expectations or Prefect.
"""
