"""Properties that must hold for any input (hypothesis)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nqi_carbon as nc

PACK = str(Path(__file__).resolve().parents[1] / "data" / "packs" / "testpack.yaml")
DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def inventory(months, *, gwp="AR5", extra_sources=()):
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "P", "id": "p", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": gwp,
            "factor_packs": [PACK],
            "facilities": [{"id": "a", "equity_share": 0.75}],
            "sources": [
                {
                    "id": "gas",
                    "facility": "a",
                    "category": 1,
                    "factor": "testpack/stationary/natural_gas",
                    "activity": months,
                },
                *extra_sources,
            ],
        }
    )


amounts = st.lists(
    st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False),
    min_size=12,
    max_size=12,
)


@given(amounts)
def test_a_year_split_into_months_sums_to_the_year(values):
    months = [
        {"period": f"2024-{m + 1:02d}", "amount": v, "unit": "GJ"} for m, v in enumerate(values)
    ]
    year = [{"amount": sum(values), "unit": "GJ"}]
    a = nc.calculate(inventory(months)).total_co2e
    b = nc.calculate(inventory(year)).total_co2e
    assert a == pytest.approx(b, rel=1e-12, abs=1e-12)


@given(amounts, st.permutations(list(range(12))))
def test_record_order_does_not_change_any_total(values, order):
    months = [
        {"period": f"2024-{m + 1:02d}", "amount": v, "unit": "GJ"} for m, v in enumerate(values)
    ]
    shuffled = [months[i] for i in order]
    assert (
        nc.calculate(inventory(months)).to_dict()["totals"]
        == nc.calculate(inventory(shuffled)).to_dict()["totals"]
    )


@given(
    st.floats(min_value=0, max_value=1e9, allow_nan=False),
    st.sampled_from(["SAR", "AR4", "AR5", "AR6"]),
)
def test_changing_the_gwp_set_rescales_only_non_co2_gases(amount, gwp_set):
    months = [{"amount": amount, "unit": "GJ"}]
    a = nc.calculate(inventory(months, gwp="AR5")).totals()
    b = nc.calculate(inventory(months, gwp=gwp_set)).totals()
    assert a["by_gas_mass_t"] == b["by_gas_mass_t"]  # masses never depend on GWPs
    assert a["by_gas_co2e_t"]["CO2"] == b["by_gas_co2e_t"]["CO2"]
    for gas in ("CH4", "N2O"):
        ratio = nc.gwp(gas, gwp_set, "fossil") / nc.gwp(gas, "AR5")
        assert b["by_gas_co2e_t"][gas] == pytest.approx(
            a["by_gas_co2e_t"][gas] * ratio, rel=1e-12, abs=1e-15
        )


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_adding_a_zero_source_changes_nothing(amount):
    months = [{"amount": amount, "unit": "GJ"}]
    zero = {
        "id": "z",
        "facility": "a",
        "category": 2,
        "factor": "testpack/grid/a",
        "activity": {"amount": 0.0, "unit": "MWh"},
    }
    a = nc.calculate(inventory(months)).totals()
    b = nc.calculate(inventory(months, extra_sources=[zero])).totals()
    assert a == b


def test_results_identical_across_processes_and_hash_seeds():
    code = textwrap.dedent(
        f"""
        import json, nqi_carbon as nc
        inv = nc.load_inventory({str(Path(__file__).resolve().parents[2] / "examples" / "multisite" / "inventory.yaml")!r})
        r = nc.calculate(inv, uncertainty="analytical").to_dict()
        r["provenance"].pop("input_sha256")
        print(json.dumps(r, sort_keys=True))
        """
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        ).stdout
        for seed in ("0", "1", "4242")
    }
    assert len(outs) == 1


@given(st.floats(min_value=1e-12, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_a_single_record_keeps_its_value_exactly(amount):
    # one record per source: the exact-sum grid has 53 bits, so nothing is rounded
    import numpy as np

    from nqi_carbon.calc.exact import group_sum

    assert group_sum(np.zeros(1, dtype=np.intp), np.array([amount]), 1)[0] == amount
