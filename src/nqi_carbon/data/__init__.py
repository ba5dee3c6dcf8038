"""Reference data: data packs and what is built from them.

:mod:`~nqi_carbon.data.packs` finds and reads packs (bundled and users'),
:mod:`~nqi_carbon.data.fields` holds the validated field types every pack and inventory
shares (strict numbers, identifiers, text, uncertainty, citations),
:mod:`~nqi_carbon.data.gases` the species and blends, :mod:`~nqi_carbon.data.gwp` the
GWP sets and CO2e, :mod:`~nqi_carbon.data.factor_schema` the factor-pack schema and
:mod:`~nqi_carbon.data.factors` the registry that resolves ``pack/factor-id``.
"""
