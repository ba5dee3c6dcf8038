"""The unit registry: domain units, refusals, cached conversion factors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nqi_carbon as nc
from nqi_carbon.errors import DimensionalityMismatchError, UnknownUnitError
from nqi_carbon.units import conversion_factor, parse_unit


@pytest.mark.parametrize(
    ("src", "dst", "k"),
    [
        ("tce", "GJ", 29.3076),
        ("kgce", "MJ", 29.3076),
        ("toe", "GJ", 41.868),
        ("10^4 kWh", "MWh", 10.0),
        ("10^4 Nm3", "Nm3", 1e4),
        ("10^4 t", "t", 1e4),
        ("kt", "t", 1000.0),
        ("Gg", "t", 1000.0),
        ("TJ/Gg", "GJ/t", 1.0),
        ("kg/TJ", "t/GJ", 1e-6),
        ("GJ/(10^4 Nm3)", "GJ/Nm3", 1e-4),
        ("t*km", "tkm", 1.0),
        ("passenger*km", "pkm", 1.0),
        ("MWh", "GJ", 3.6),
        ("tC", "t", 1.0),
        ("kgCO2e" if False else "kg", "t", 1e-3),
        ("m3", "L", 1000.0),
    ],
)
def test_domain_conversions(src, dst, k):
    assert conversion_factor(src, dst) == pytest.approx(k, rel=1e-12)


def test_registry_is_one_object():
    assert nc.ureg is nc.ureg
    from nqi_carbon.units import registry

    assert registry() is nc.ureg
    assert str(nc.ureg.Quantity(1, "tce").to("GJ").magnitude) == "29.3076"


@pytest.mark.parametrize(
    "text", ["kg R-410A", "R-410A", "tCO2e", "kgCO2/kWh", "kg HFC-134a", "t CH4", "PFCs"]
)
def test_gas_names_are_never_units(text):
    with pytest.raises(UnknownUnitError, match="not a unit"):
        parse_unit(text)


@pytest.mark.parametrize("text", ["ton", "tons", "MBtu", "10 MBtu"])
def test_ambiguous_ton_is_refused(text):
    with pytest.raises(UnknownUnitError, match="ambiguous"):
        parse_unit(text)


def test_unknown_unit_names_it():
    with pytest.raises(UnknownUnitError, match="unknown unit 'furlongs_per_fortnightx'"):
        parse_unit("furlongs_per_fortnightx")


@pytest.mark.parametrize(("a", "b"), [("kg", "MWh"), ("Nm3", "m3"), ("CNY", "USD"), ("t", "tkm")])
def test_dimension_mismatch_raises(a, b):
    with pytest.raises(DimensionalityMismatchError, match="dimensions differ"):
        conversion_factor(a, b)


def test_normal_volume_is_not_actual_volume():
    # Nm3 needs temperature and pressure to become m3: never converted silently.
    with pytest.raises(DimensionalityMismatchError):
        conversion_factor("Nm3", "m3")


def test_currencies_are_separate_dimensions():
    assert conversion_factor("kCNY", "CNY") == 1000.0
    with pytest.raises(DimensionalityMismatchError):
        conversion_factor("EUR", "CNY")


@given(
    st.floats(min_value=1e-6, max_value=1e12, allow_nan=False),
    st.sampled_from(
        [
            ("t", "kg"),
            ("MWh", "GJ"),
            ("tce", "TJ"),
            ("10^4 Nm3", "Nm3"),
            ("toe", "MWh"),
            ("kt", "Gg"),
        ]
    ),
)
def test_unit_round_trip_is_exact_to_1e12(x, pair):
    a, b = pair
    there = x * conversion_factor(a, b)
    back = there * conversion_factor(b, a)
    assert back == pytest.approx(x, rel=1e-12)
