"""Bulk activity tables: vectorised checks report every bad row; totals are exact and
do not depend on row order or on how the table is split."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError

PACK = str(Path(__file__).resolve().parent / "data" / "packs" / "testpack.yaml")


def _inv():
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "T", "id": "t", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [PACK],
            "facilities": [{"id": "a", "equity_share": 0.7}, {"id": "b"}],
            "instruments": [{"id": "M1", "kind": "meter", "uncertainty": 0.01}],
            "sources": [
                {
                    "id": "gas",
                    "facility": "a",
                    "category": 1,
                    "factor": "testpack/stationary/natural_gas",
                },
                {
                    "id": "coal",
                    "facility": "b",
                    "category": 1,
                    "factor": "testpack/stationary/other_bituminous_coal",
                },
                {"id": "grid", "facility": "b", "category": 2, "factor": "testpack/grid/a"},
            ],
        }
    )


def _table(n=200, seed=0):
    rng = np.random.default_rng(seed)
    src = rng.choice(["gas", "coal", "grid"], n)
    unit = np.where(
        src == "gas",
        rng.choice(["TJ", "GJ", "MWh"], n),
        np.where(src == "coal", rng.choice(["t", "kg"], n), "MWh"),
    )
    return pd.DataFrame(
        {
            "source": src,
            "amount": rng.uniform(0, 1e4, n) * rng.choice([1e-6, 1.0, 1e3], n),
            "unit": unit,
            "uncertainty": rng.choice([0.01, 0.02, np.nan], n),
        }
    )


def test_table_matches_inline_records():
    inv = _inv()
    table = pd.DataFrame(
        {
            "source": ["gas", "coal", "grid"],
            "amount": [100.0, 1000.0, 500.0],
            "unit": ["TJ", "t", "MWh"],
        }
    )
    res = nc.calculate(inv, activity=table)
    expected = 0.7 * 5615.45 + 25.8 * (94600 + 28 + 1.5 * 265) / 1000 + 500 * 0.5703
    assert res.total_co2e == pytest.approx(expected, rel=1e-12)


def test_every_bad_row_is_reported_at_once():
    table = pd.DataFrame(
        {
            "source": ["gas", "nope", "coal", "grid", "grid", "gas"],
            "amount": [1.0, 2.0, np.nan, -5.0, np.inf, 3.0],
            "unit": ["TJ", "TJ", "t", "MWh", "MWh", "kg R-410A"],
        }
    )
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(_inv(), activity=table)
    found = {(i.code, i.row) for i in exc.value.issues}
    assert {
        ("source_exists", 2),
        ("missing", 3),
        ("amount_not_negative", 4),
        ("finite_number", 5),
        ("unit_known", 6),
    } <= found


def test_text_and_booleans_in_amount_are_refused():
    table = pd.DataFrame(
        {"source": ["gas", "gas", "gas"], "amount": [1.0, "1,000", True], "unit": ["TJ"] * 3}
    )
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(_inv(), activity=table)
    assert [(i.code, i.row) for i in exc.value.issues] == [("float_type", 2), ("float_type", 3)]


def test_categorical_and_plain_tables_agree():
    inv = _inv()
    t = _table()
    cat = t.assign(source=t["source"].astype("category"), unit=t["unit"].astype("category"))
    assert nc.calculate(inv, activity=t).total_co2e == nc.calculate(inv, activity=cat).total_co2e


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=7))
def test_totals_invariant_to_row_order_and_splitting(seed, pieces):
    inv = _inv()
    t = _table(150, seed=seed % 17)
    ref = nc.calculate(inv, activity=t, uncertainty="analytical")
    shuffled = t.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    res = nc.calculate(inv, activity=shuffled, uncertainty="analytical")
    assert res.to_dict()["totals"] == ref.to_dict()["totals"]  # bit-identical
    assert res.group_uncertainty["total"].half95 == ref.group_uncertainty["total"].half95
    # splitting the table into pieces and concatenating them again changes nothing
    bounds = np.linspace(0, len(shuffled), pieces + 1).astype(int)
    parts = [shuffled.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    again = nc.calculate(inv, activity=pd.concat(parts[::-1], ignore_index=True))
    assert again.total_co2e == ref.total_co2e


def test_adding_a_zero_line_changes_nothing():
    inv = _inv()
    t = _table()
    z = pd.concat(
        [
            t,
            pd.DataFrame(
                {"source": ["grid"], "amount": [0.0], "unit": ["MWh"], "uncertainty": [0.02]}
            ),
        ],
        ignore_index=True,
    )
    assert (
        nc.calculate(inv, activity=z).to_dict()["totals"]
        == nc.calculate(inv, activity=t).to_dict()["totals"]
    )


def test_table_periods_are_checked_like_inline_records():
    table = pd.DataFrame(
        {
            "source": ["grid", "grid", "grid", "gas", "coal"],
            "amount": [1.0, 1.0, 1.0, 1.0, 1.0],
            "unit": ["MWh", "MWh", "MWh", "TJ", "t"],
            "period": ["2024", "2024", "2019", "banana", None],
        }
    )
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(_inv(), activity=table)
    found = {(i.code, i.row) for i in exc.value.issues}
    assert {
        ("activity_periods_do_not_overlap", 1),
        ("activity_within_period", 3),
        ("record_period_well_formed", 4),
    } <= found
    assert all(i.file == "activity table" for i in exc.value.issues if i.row)


def test_table_source_with_monthly_rows_must_cover_the_period():
    table = pd.DataFrame(
        {
            "source": ["grid"] * 11,
            "amount": [1.0] * 11,
            "unit": ["MWh"] * 11,
            "period": [f"2024-{m:02d}" for m in range(1, 12)],
        }
    )
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(_inv(), activity=table)
    assert [(i.code, i.value) for i in exc.value.issues] == [("data_gap", "2024-12-01..2025-01-01")]
    full = pd.concat(
        [
            table,
            pd.DataFrame(
                {"source": ["grid"], "amount": [1.0], "unit": ["MWh"], "period": ["2024-12"]}
            ),
        ],
        ignore_index=True,
    )
    assert nc.calculate(_inv(), activity=full).total_co2e == pytest.approx(12 * 0.5703, rel=1e-12)


def test_empty_period_cells_change_nothing():
    table = _table(50)
    with_empty = table.assign(period=pd.Series([None] * 25 + [""] * 25, dtype=object))
    a = nc.calculate(_inv(), activity=table).total_co2e
    b = nc.calculate(_inv(), activity=with_empty).total_co2e
    assert a == b


def test_values_are_plain_and_many_rows_are_summarised():
    table = pd.DataFrame({"source": ["grid"] * 30, "amount": [1.0] * 30, "unit": ["bogus"] * 30})
    table.loc[0, "amount"] = -1.0
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(_inv(), activity=table)
    issues = exc.value.issues
    assert [(i.code, i.row, i.value) for i in issues] == [
        ("amount_not_negative", 1, "-1.0"),
        ("unit_known", 1, "'bogus'"),
    ]
    assert "30 rows: 1, 2, 3, 4, 5 ..." in issues[1].message


def test_several_bad_units_of_one_source_are_all_named():
    table = pd.DataFrame(
        {"source": ["coal", "coal", "coal"], "amount": [1.0, 1.0, 1.0], "unit": ["t", "m", "s"]}
    )
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(_inv(), activity=table)
    assert {(i.code, i.row, i.value) for i in exc.value.issues} == {
        ("activity_unit_fits_factor", 2, "'m'"),
        ("activity_unit_fits_factor", 3, "'s'"),
    }


def test_dataframe_rows_close_the_gaps_of_inline_records(one_facility):
    # inline Q1 and Q2, the second half-year in a DataFrame: the year is covered
    inv = one_facility(
        [
            {
                "id": "g",
                "facility": "a",
                "category": 2,
                "factor": "testpack/grid/a",
                "activity": [
                    {"amount": 500, "unit": "MWh", "period": "2024-Q1"},
                    {"amount": 500, "unit": "MWh", "period": "2024-Q2"},
                ],
            }
        ]
    )
    rows = pd.DataFrame(
        {"source": ["g", "g"], "amount": [500.0, 500.0], "unit": ["MWh"] * 2},
    )
    rows["period"] = ["2024-Q3", "2024-Q4"]
    assert nc.calculate(inv, activity=rows).total_co2e == pytest.approx(2000 * 0.5703)
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(inv, activity=rows.iloc[:1])  # Q4 missing
    assert [i.code for i in exc.value.issues] == ["data_gap"]


def test_table_rows_after_the_calibration_due_date_take_the_fallback(one_facility):
    # meter M: U = 1 % at k = 2 while calibrated (due 2024-06-30), ±5 % fallback after
    inv = one_facility(
        [{"id": "g", "facility": "a", "category": 2, "factor": "testpack/grid/a"}],
        instruments=[
            {
                "id": "M",
                "kind": "meter",
                "uncertainty": 0.01,
                "coverage_factor": 2,
                "calibration_due": "2024-06-30",
                "fallback_uncertainty": 0.05,
            }
        ],
    )
    rows = pd.DataFrame(
        {
            "source": ["g"] * 12,
            "amount": [100.0] * 12,
            "unit": ["MWh"] * 12,
            "instrument": ["M"] * 12,
            "period": [f"2024-{m:02d}" for m in range(1, 13)],
        }
    )
    before = rows.copy()
    res = nc.calculate(inv, activity=rows, uncertainty="analytical")
    pd.testing.assert_frame_equal(rows, before)  # the caller's table is not touched
    found = {f.code: f for f in res.findings}
    assert "6 activity-table row(s)" in found["instrument_calibration_expired"].message
    assert "fallback_uncertainty_used" in found
    # January-June: 600 MWh correlated through the meter, U95 = 1 % x 1.96 / 2; July-
    # December: six independent readings of 100 MWh at ±5 %; the grid factor ±2 % on all
    activity = np.sqrt((600 * 0.01 * 1.959963984540054 / 2) ** 2 + 6 * (100 * 0.05) ** 2)
    expected = np.sqrt((activity / 1200) ** 2 + 0.02**2)
    assert res.group_uncertainty["total"].relative_95 == pytest.approx(expected, rel=1e-9)


def test_a_reading_with_its_own_uncertainty_is_read_alike_inline_and_in_a_table(one_facility):
    # the meter's calibration ran out on 30 June; the reading states its own ±2 %, which
    # wins over the ±50 % fallback (that replaces only the meter's calibrated uncertainty)
    meter = {
        "id": "M",
        "kind": "meter",
        "uncertainty": 0.01,
        "calibration_due": "2024-06-30",
        "fallback_uncertainty": 0.5,
    }
    reading = {"amount": 1000.0, "unit": "MWh", "instrument": "M", "uncertainty": 0.02}
    source = {"id": "s", "facility": "a", "category": 2, "factor": "testpack/grid/a"}
    inline = nc.calculate(
        one_facility([dict(source, activity=reading)], instruments=[meter]),
        uncertainty="analytical",
    )
    table = nc.calculate(
        one_facility([source], instruments=[meter]),
        activity=pd.DataFrame([{"source": "s", **reading}]),
        uncertainty="analytical",
    )
    expected = np.sqrt(0.02**2 + 0.02**2)  # the reading ±2 %, the grid factor ±2 %
    for res in (inline, table):
        assert res.group_uncertainty["total"].relative_95 == pytest.approx(expected, rel=1e-12)
        codes = [f.code for f in res.findings]
        assert "instrument_calibration_expired" in codes
        assert "fallback_uncertainty_used" not in codes  # it was not used


@pytest.mark.parametrize("dist", ["uniform", "triangular", "lognormal", "normal"])
def test_a_distribution_reads_alike_inline_and_in_a_table(one_facility, dist):
    record = {
        "amount": 1000.0,
        "unit": "MWh",
        "uncertainty": {"distribution": dist, "lower": 900.0, "upper": 1100.0},
    }
    source = {"id": "g", "facility": "a", "category": 2, "factor": "testpack/grid/a"}
    inline = nc.calculate(one_facility([dict(source, activity=record)]), uncertainty="analytical")
    row = pd.DataFrame(
        [
            {
                "source": "g",
                "amount": 1000.0,
                "unit": "MWh",
                "distribution": dist,
                "lower": 900.0,
                "upper": 1100.0,
            }
        ]
    )
    table = nc.calculate(one_facility([source]), activity=row, uncertainty="analytical")
    a = inline.group_uncertainty["total"].relative_95
    b = table.group_uncertainty["total"].relative_95
    assert b == pytest.approx(a, rel=1e-12)


@pytest.mark.parametrize(
    ("columns", "code"),
    [
        ({"lower": [900.0], "upper": [1100.0]}, "table_columns"),  # bounds, no distribution
        (
            {"distribution": ["normal"], "lower": [900.0], "upper": [1100.0], "uncertainty": [0.5]},
            "uncertainty_one_form",
        ),
        ({"amount": [1000 + 5j]}, "float_type"),
    ],
)
def test_table_inputs_are_never_silently_dropped(one_facility, columns, code):
    source = {"id": "g", "facility": "a", "category": 2, "factor": "testpack/grid/a"}
    table = pd.DataFrame({"source": ["g"], "amount": [1000.0], "unit": ["MWh"], **columns})
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(one_facility([source]), activity=table, uncertainty="analytical")
    assert code in {i.code for i in exc.value.issues}
