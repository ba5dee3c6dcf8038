"""What every page shares: layout, charts, labels, number formats and tables.

The inventory report, the verification report and the trajectory page are written with
these; each page's own content lives with its capability.
"""
