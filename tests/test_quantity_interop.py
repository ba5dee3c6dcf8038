"""pint both ways: amounts given as Quantities (models, activity DataFrames), results as Quantities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pint
import pytest

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError
from nqi_carbon.inventory.models import ActivityRecord, Contract, MeasuredParameter, Removal

PACK = str(Path(__file__).resolve().parent / "data" / "packs" / "testpack.yaml")
Q = nc.ureg.Quantity
QUARTERS = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]


def _inventory(activity=None):
    source = {"id": "grid", "facility": "a", "category": 2, "factor": "testpack/grid/a"}
    if activity is not None:
        source["activity"] = activity
    return nc.validate_inventory(
        {
            "schema": "nqi-carbon/inventory@1",
            "organization": {"name": "Q", "id": "q", "consolidation": "equity_share"},
            "period": {"start": "2024-01-01", "end": "2025-01-01"},
            "gwp": "AR5",
            "factor_packs": [PACK],
            "facilities": [{"id": "a"}],
            "sources": [source],
        }
    )


# -- Quantities in ----------------------------------------------------------------------


def test_a_quantity_amount_is_its_magnitude_and_unit():
    record = ActivityRecord(amount=Q(3200, "t"))
    assert (record.amount, record.unit) == (3200.0, "t")
    # with a unit given too, the Quantity is converted to it: 3.2 t = 3200 kg
    record = ActivityRecord(amount=Q(3.2, "t"), unit="kg")
    assert (record.amount, record.unit) == (pytest.approx(3200.0, rel=1e-15), "kg")
    # a numpy scalar magnitude becomes a Python number
    assert ActivityRecord(amount=Q(np.float64(120000), "kWh")).amount == 120000.0


def test_a_quantity_of_another_registry_is_read_by_its_unit():
    other = pint.UnitRegistry()
    record = ActivityRecord(amount=other.Quantity(120, "MWh"))
    assert (record.amount, record.unit) == (120.0, "MWh")


def test_a_registry_that_redefines_a_unit_is_not_misread():
    other = pint.UnitRegistry()
    other.define("t = 907.18474 kg")  # a short ton under the metric tonne's symbol
    with pytest.raises(InvalidInputError, match="another meaning") as info:
        ActivityRecord(amount=other.Quantity(1, "t"))
    assert info.value.issues[0].code == "unit_known"


def test_a_quantity_that_does_not_fit_its_unit_is_a_typed_error():
    with pytest.raises(InvalidInputError, match="cannot be converted to 'kWh'") as info:
        ActivityRecord(amount=Q(12, "t"), unit="kWh")
    assert info.value.issues[0].code == "quantity_unit_fits"


def test_an_array_quantity_is_refused_as_a_number():
    with pytest.raises(InvalidInputError, match="valid number") as info:
        ActivityRecord(amount=Q([1.0, 2.0], "t"))
    assert info.value.issues[0].field == "amount"


def test_the_other_amount_models_take_quantities():
    assert Removal(id="r", facility="a", amount=Q(2000, "t")).unit == "t"
    contract = Contract(kind="certificate", amount=Q(500, "MWh"), zero_emission=True)
    assert (contract.amount, contract.unit) == (500.0, "MWh")
    param = MeasuredParameter(value=Q(25.8, "TJ/Gg"))
    assert param.value == 25.8
    assert nc.ureg.Quantity(1, param.unit).to("MJ/kg").magnitude == pytest.approx(1.0)


def test_an_inventory_with_a_quantity_calculates_as_with_the_number():
    # 1.2 GWh = 1200 MWh on 0.5703 t/MWh: 684.36 t
    as_number = nc.calculate(_inventory({"amount": 1200, "unit": "MWh"}))
    as_quantity = nc.calculate(_inventory({"amount": Q(1.2, "GWh"), "unit": "MWh"}))
    assert as_quantity.total_co2e == pytest.approx(684.36, rel=1e-12)
    assert as_quantity.total_co2e == pytest.approx(as_number.total_co2e, rel=1e-15)


def test_an_activity_frame_of_quantities_calculates_row_by_row():
    # 500 MWh + 700 000 kWh + 0.1 GWh + 0 = 1300 MWh
    amounts = [Q(500, "MWh"), Q(700_000, "kWh"), Q(0.1, "GWh"), Q(0, "MWh")]
    frame = pd.DataFrame({"source": ["grid"] * 4, "amount": amounts, "period": QUARTERS})
    res = nc.calculate(_inventory(), activity=frame)
    assert res.total_co2e == pytest.approx(1300 * 0.5703, rel=1e-12)


def test_every_bad_quantity_row_is_reported_at_once():
    frame = pd.DataFrame(
        {
            "source": ["grid"] * 3,
            "amount": [Q(12, "t"), Q(1, "MWh"), Q(3, "kg")],
            "unit": ["MWh", None, "MWh"],
            "period": ["2024-01", "2024-02", "2024-03"],
        }
    )
    with pytest.raises(InvalidInputError) as info:
        nc.calculate(_inventory(), activity=frame)
    issues = info.value.issues
    assert [(i.code, i.row, i.field) for i in issues] == [
        ("quantity_unit_fits", 1, "amount"),
        ("quantity_unit_fits", 3, "amount"),
    ]


def test_a_pint_pandas_column_is_converted_once_per_unit():
    pytest.importorskip("pint_pandas")  # in the test extra
    frame = pd.DataFrame(
        {
            "source": ["grid"] * 4,
            "amount": pd.Series([500.0, 0.7, 0.0, 0.0], dtype="pint[MWh]"),
            "unit": [None, "GWh", None, "kWh"],
            "period": QUARTERS,
        }
    )
    res = nc.calculate(_inventory(), activity=frame)
    # 500 MWh + 0.7 MWh restated as 0.0007 GWh: 500.7 MWh in total
    assert res.total_co2e == pytest.approx(500.7 * 0.5703, rel=1e-12)


# -- Quantities out ---------------------------------------------------------------------


def test_results_as_quantities_in_tonnes():
    res = nc.calculate(_inventory({"amount": 1200, "unit": "MWh"}))
    total = res.total_quantity()
    assert total.to("kg").magnitude == pytest.approx(684_360.0, rel=1e-12)
    scopes = res.quantities("scope")
    assert scopes["2_location"].magnitude == pytest.approx(684.36, rel=1e-12)
    assert str(scopes["1"].units) == "metric_ton"
    assert res.total_quantity(market_based=True).magnitude == res.total_co2e_market_based


def test_quantities_by_an_unknown_level_is_a_typed_error():
    res = nc.calculate(_inventory({"amount": 1, "unit": "MWh"}))
    with pytest.raises(InvalidInputError, match="unknown level") as info:
        res.quantities("nope")
    assert info.value.issues[0].code == "by_level_known"
