"""Reading and writing files safely.

Every input file is opened through :mod:`~nqi_carbon._io.files` (confined to its folder,
a regular file, bounded in bytes); YAML (:mod:`~nqi_carbon._io.yaml`), JSON and YAML
documents (:mod:`~nqi_carbon._io.structured`) and activity tables
(:mod:`~nqi_carbon._io.tables`: CSV, Excel, Parquet) are parsed strictly within
:class:`~nqi_carbon.Limits`; :mod:`~nqi_carbon._io.atomic` writes a file or a set of
files as one unit.
"""
