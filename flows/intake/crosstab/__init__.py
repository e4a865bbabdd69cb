"""Crosstab partner files: force areas by months, melted into counts rows.

The reading child sends back each chosen sheet's grid (flows.intake.reading.grid_reading);
headings finds the months and force areas, body the figures and the partner's Totals, melt puts
a sheet together, melted_file a whole file, shapes and draft tell a sample's shape.
"""
