"""The JSON contracts: typed models of every document nqi-carbon writes, and their schemas.

:mod:`~nqi_carbon.contracts.models` types ``nqi-carbon/result@1`` (with the inventory
report's ``report`` section), ``verification@1``, ``trajectory@1`` and the validation and
error output of the command line; :mod:`~nqi_carbon.contracts.schemas` gives their JSON
Schemas (draft 2020-12) and the inventory's, generated from the models the loaders and
the tests use; :mod:`~nqi_carbon.contracts.documents` reads and writes saved results.
The reference pages are ``docs/reference/result.md``, ``verification.md`` and
``trajectory.md``.
"""
