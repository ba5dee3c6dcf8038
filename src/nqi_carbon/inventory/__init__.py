"""The inventory: the models of an organisation's GHG inventory, and their files.

:mod:`~nqi_carbon.inventory.models` (pydantic, one named validator per rule),
:mod:`~nqi_carbon.inventory.rules` (rules across sections),
:mod:`~nqi_carbon.inventory.periods` (period labels) and
:mod:`~nqi_carbon.inventory.load` (load, validate, save, the JSON Schema).
"""
