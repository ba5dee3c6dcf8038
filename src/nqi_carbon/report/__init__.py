"""The ISO 14064-1 inventory report (:class:`~nqi_carbon.report.inventory.InventoryReport`).

Its clause 9.3.1 checklist (:mod:`~nqi_carbon.report.checklist`), its tables
(:mod:`~nqi_carbon.report.tables`), its Excel workbook (:mod:`~nqi_carbon.report.excel`)
and the fixed texts those share with the pages (:mod:`~nqi_carbon.report.texts`).
"""
