"""The unit registry: domain units, refusals, cached conversion factors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nqi_carbon as nc
from nqi_carbon.errors import DimensionalityMismatchError, UnknownUnitError
from nqi_carbon.units import conversion_factor, parse_unit, registry


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


# -- the unit grammar (issue 12) ----------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _units_in(node, out):
    """Every string under a key ``unit``, ``activity_unit`` or ``*_unit`` of parsed data."""
    if isinstance(node, dict):
        for key, value in node.items():
            named = isinstance(key, str) and (key == "unit" or key.endswith("_unit"))
            if named and isinstance(value, str):
                out.add(value)
            _units_in(value, out)
    elif isinstance(node, list):
        for value in node:
            _units_in(value, out)


def _bundled_and_example_units():
    import csv
    import io
    import json
    import re

    import yaml

    found: set[str] = set()
    files = [
        *(ROOT / "emission_factors").glob("*.yaml"),
        *(ROOT / "examples").rglob("*.yaml"),
        *(ROOT / "tests" / "data").rglob("*.yaml"),
    ]
    for path in files:
        if path.name.startswith("broken_"):
            continue  # broken packs (object tags, alias bombs) are refused on reading
        _units_in(yaml.safe_load(path.read_text(encoding="utf-8")), found)
    for path in (ROOT / "examples").rglob("*.json"):
        _units_in(json.loads(path.read_text(encoding="utf-8")), found)
    for path in [*(ROOT / "docs").rglob("*.md"), ROOT / "README.md"]:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```ya?ml\n(.*?)```", text, re.S):
            try:
                _units_in(yaml.safe_load(block), found)
            except yaml.YAMLError:
                continue  # an excerpt, not a document
    for path in (ROOT / "examples").rglob("*.csv"):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # an export as downloaded (office-factory: cp1252, as its spec says)
            text = raw.decode("cp1252")
        rows = list(csv.reader(io.StringIO(text)))
        found |= {m for h in rows[0] for m in re.findall(r"\[(.+?)\]", h)}  # emissions [10^4 t]
        if "unit" in rows[0]:
            found |= {r[rows[0].index("unit")] for r in rows[1:]}
    return found


def test_every_unit_of_the_packs_examples_and_docs_parses_as_pint_read_it():
    units = _bundled_and_example_units()
    assert {"GJ/(10^4 Nm3)", "10^4 Nm3", "10^4 t", "percent", "kg/TJ", "TJ/Gg"} <= units
    assert len(units) >= 30
    ureg = registry()
    for unit in sorted(units):
        ours, pints = parse_unit(unit), ureg.parse_expression(unit)  # trusted text only
        assert ours.units == pints.units, unit
        assert ours.magnitude == pints.magnitude, unit
        assert type(ours.magnitude) is type(pints.magnitude), unit


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("t", "metric_ton"),
        ("10^4 Nm3", "10**4 * normal_cubic_metre"),
        ("10**4 t", "10000 * metric_ton"),
        ("10^8 kWh", "1e8 * kilowatt_hour"),
        ("GJ/(10^4 Nm3)", "1e-4 * gigajoule / normal_cubic_metre"),
        ("GJ / ( 10^4 Nm3 )", "1e-4 * gigajoule / normal_cubic_metre"),
        ("  MWh ", "megawatt_hour"),
        ("t km", "metric_ton * kilometer"),
        ("t·km", "metric_ton * kilometer"),
        ("t⋅km", "metric_ton * kilometer"),
        ("kg/t/km", "kilogram / metric_ton / kilometer"),
        ("m²", "meter ** 2"),
        ("m^2", "meter ** 2"),
        ("m**2", "meter ** 2"),
        ("s⁻¹", "1 / second"),
        ("m^-2", "1 / meter ** 2"),
        ("m^(-2)", "1 / meter ** 2"),
        ("kWh/m²", "kilowatt_hour / meter ** 2"),
        ("µg", "microgram"),
        ("μg", "microgram"),
        ("1", "dimensionless"),
        ("1/h", "1 / hour"),
        ("%", "percent"),
        ("percent", "0.01 * dimensionless"),
        ("((((t))))", "metric_ton"),
        ("10^4 CNY", "10000 * yuan_renminbi"),
        ("kgce", "29.3076 * megajoule"),
    ],
)
def test_unit_forms_the_grammar_accepts(text, same_as):
    q, ref = parse_unit(text), registry().parse_expression(same_as)  # a trusted reference
    assert q.dimensionality == ref.dimensionality
    assert float((q / ref).to("dimensionless").magnitude) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("text", ["Nm³", "Nm^3"])
def test_the_declared_aliases_of_the_normal_cubic_metre_are_normal_cubic_metres(text):
    # pint's own parser read them as 'Nm' (number_meter) cubed: [length]^3 / [mass]^3
    assert conversion_factor(text, "Nm3") == 1.0


def test_an_unknown_unit_name_gets_did_you_mean():
    with pytest.raises(UnknownUnitError, match="did you mean 'kWh'"):
        parse_unit("kwh")
    with pytest.raises(UnknownUnitError, match="did you mean 'Nm3'"):
        parse_unit("GJ/(10^4 NM3)")


def test_per_builds_the_target_without_a_longer_unit_string():
    assert conversion_factor("kg/TJ", "t", per="GJ") == pytest.approx(1e-6)
    long_unit = "(" * 4 + "GJ" + ")" * 4  # at the depth limit: 't/(...)' would exceed it
    assert conversion_factor("kg/GJ", "t", per=long_unit) == pytest.approx(1e-3)
    with pytest.raises(DimensionalityMismatchError, match=r"'t/\(MWh\)'"):
        conversion_factor("kg", "t", per="MWh")


# ---- issue 16: units as accountants write them -------------------------------------------
@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("kwh", r"did you mean 'kWh'\?$"),
        ("KWH", r"did you mean 'kWh'\?$"),
        ("mwh", r"did you mean 'MWh'\?$"),
        ("mmbtu", r"did you mean 'MMBtu'\?$"),
        ("GWH", r"did you mean 'GWh'\?$"),
    ],
)
def test_a_unit_in_the_wrong_letter_case_gets_the_one_right_spelling(text, match):
    with pytest.raises(UnknownUnitError, match=match):
        parse_unit(text)


@pytest.mark.parametrize(
    ("text", "read_as", "meant"),
    [
        ("nm3", "nanocubic metre", "Nm3"),  # 1e-27 m3
        ("mWh", "milliwatt hour", "MWh"),  # 1e-9 MWh
        ("Tj", "jute", "TJ"),  # pint's textile unit
        ("T", "tesla", "t"),
        ("pJ", "picojoule", "PJ"),
    ],
)
def test_a_real_unit_that_is_a_case_slip_of_a_common_one_is_refused(text, read_as, meant):
    with pytest.raises(UnknownUnitError, match=f"would be read as {read_as},.*did you mean '{meant}'"):
        parse_unit(text)


@pytest.mark.parametrize(("text", "same_as"), [("l", "L"), ("mmBtu", "MMBtu")])
def test_two_spellings_of_one_unit_are_not_a_slip(text, same_as):
    assert conversion_factor(text, same_as) == 1.0


@pytest.mark.parametrize("text", ["tonne", "tonnes", "metric_ton"])
def test_tonne_in_words_is_the_metric_tonne(text):
    # 'tonne' is the metric spelling in every English usage; the ambiguity lies with 'ton'
    assert conversion_factor(text, "kg") == 1000.0


@pytest.mark.parametrize(
    ("text", "choices"),
    [
        ("gal", "'gal_US' .* or 'gal_imp'"),
        ("gallon", "'gal_US' .* or 'gal_imp'"),
        ("gallons", "'gal_US' .* or 'gal_imp'"),
        ("kg/gal", "'gal_US' .* or 'gal_imp'"),
        ("bbl", "'oil_barrel'"),
        ("barrel", "'oil_barrel'"),
        ("Gcal", "'cal_it'.* or 'cal_th'"),
        ("kcal", "'cal_it'.* or 'cal_th'"),
        ("mt", "write 't' \\(tonne\\), 'kt' or 'Mt'"),
        ("MT", "write 't' \\(tonne\\), 'kt' or 'Mt'"),
    ],
)
def test_ambiguous_units_are_refused_with_the_choices(text, choices):
    with pytest.raises(UnknownUnitError, match=f"ambiguous: .*{choices}"):
        parse_unit(text)


@pytest.mark.parametrize(
    ("src", "dst", "k"),
    [
        ("gal_US", "L", 3.785411784),  # NIST SP 811: US liquid gallon = 231 in^3
        ("US_gallon", "L", 3.785411784),
        ("gal_imp", "L", 4.54609),  # UK Weights and Measures Act 1985: 4.54609 dm^3
        ("oil_barrel", "gal_US", 42.0),
        ("therm", "kWh", 105505600 / 3.6e6),  # pint's therm = 10^5 Btu_IT
        ("Gcal_it", "GJ", 4.1868),
        ("tonnes", "t", 1.0),
    ],
)
def test_billed_volume_and_energy_units_convert_exactly(src, dst, k):
    assert conversion_factor(src, dst) == pytest.approx(k, rel=1e-12)


def test_a_standard_cubic_foot_is_not_a_normal_or_an_actual_volume():
    # reference conditions differ (60 F / 14.7 psia against 0 C / 101.325 kPa): never silent
    for other in ("Nm3", "m3", "ft**3"):
        with pytest.raises(DimensionalityMismatchError):
            conversion_factor("scf", other)
    assert conversion_factor("10^3 scf", "scf") == 1000.0


def test_room_night_is_a_counted_unit_of_its_own():
    # hotel stays (DESNZ 'Room per night'): 'night' and plural forms name the same unit,
    # which converts to nothing else - not to time, not to a dimensionless count
    assert conversion_factor("night", "room_night") == 1.0
    assert conversion_factor("nights", "room_night") == 1.0
    for other in ("h", "day", "1", "passenger"):
        with pytest.raises(DimensionalityMismatchError):
            conversion_factor("room_night", other)
    with pytest.raises(UnknownUnitError, match="'-' is not a unit operator"):
        parse_unit("room-night")
