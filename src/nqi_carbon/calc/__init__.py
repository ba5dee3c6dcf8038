"""The calculation: from an inventory and its activity data to a result.

Consolidation is applied per line; biogenic CO2 and removals are kept apart; Scope 2 is
given location- and market-based side by side.

The pipeline is a chain of plain functions a notebook user can call one by one:

1. :func:`~nqi_carbon.calc.plan.plan_sources` resolves every source's factor (or fuel parameters) once and
   turns it into per-gas coefficients [t gas per base unit of activity] with GWPs,
   consolidation share and the uncertain parameters it depends on;
2. :func:`~nqi_carbon.calc.ingest.activity_columns` gathers the activity records (inline and/or a table) into
   integer-coded columns, validated with vectorised checks;
3. :func:`~nqi_carbon.calc.kernel.source_statistics` converts each record to its source's base unit (one scale
   per distinct (source, unit) pair) and sums per source exactly and order-independently
   (A = Σx, Q = Σ(x·u)², B = Σx per instrument);
4. :func:`~nqi_carbon.calc.kernel.build_lines` multiplies the sums by the coefficients: one line per source × gas.

:func:`~nqi_carbon.calc.pipeline.calculate` chains them and adds uncertainty (see :mod:`nqi_carbon.calc.uncertainty`);
each of its steps (``prepare``, ``source_sums``, ``result_lines``, ``result_findings``,
``approach1_uncertainty``, ``monte_carlo_uncertainty``) is a function of
:mod:`nqi_carbon.calc.pipeline` that can be called alone.
No pint Quantity or pydantic model is created per record.

Beside the chain: :mod:`~nqi_carbon.calc.gaps` (data gaps, never filled implicitly),
:mod:`~nqi_carbon.calc.cems` (continuous monitoring), :mod:`~nqi_carbon.calc.quality`
(data-quality scores), :mod:`~nqi_carbon.calc.findings` and
:mod:`~nqi_carbon.calc.result` (the ``result@1`` contract).
"""
