"""The ISO 14064-1 inventory report (:class:`~nqi_carbon.report.inventory.InventoryReport`).

Its clause 9.3.1 checklist (:mod:`~nqi_carbon.report.checklist`) and its Excel workbook
(:mod:`~nqi_carbon.report.excel`).
"""
