"""Bad input, one row per case: what is given, and the typed error or flagged result it gets.

Every case asserts the error type, the reason code and that the message names the field
(or row) and the offending value. Read this file as the list of what nqi-carbon refuses.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

import nqi_carbon as nc
from nqi_carbon.calc.pipeline import check_references
from nqi_carbon.errors import (
    InvalidInputError,
    NqiCarbonError,
    UnknownSpeciesError,
    UnknownUnitError,
)

PACK = str(Path(__file__).resolve().parents[1] / "data" / "packs" / "testpack.yaml")

BASE = {
    "schema": "nqi-carbon/inventory@1",
    "organization": {"name": "R", "id": "r", "consolidation": "equity_share"},
    "period": {"start": "2024-01-01", "end": "2025-01-01"},
    "gwp": "AR5",
    "factor_packs": [PACK],
    "facilities": [{"id": "a"}],
    "instruments": [{"id": "M", "kind": "meter", "uncertainty": 0.01}],
    "sources": [
        {
            "id": "gas",
            "facility": "a",
            "category": 1,
            "factor": "testpack/stationary/natural_gas",
            "activity": {"amount": 100, "unit": "TJ"},
        },
        {
            "id": "grid",
            "facility": "a",
            "category": 2,
            "factor": "testpack/grid/a",
            "activity": [{"period": "2024-H1", "amount": 1, "unit": "MWh"}],
        },
    ],
}


def case(**edits):
    d = copy.deepcopy(BASE)
    d["sources"][1]["activity"] = [
        {"start": "2024-01-01", "end": "2025-01-01", "amount": 1, "unit": "MWh"}
    ]
    for path, value in edits.items():
        node = d
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        last = keys[-1]
        node[int(last) if last.isdigit() else last] = value
    return d


INVENTORY_CASES = [
    # (what, mapping, reason code, text the message must contain)
    ("negative activity", case(sources__0__activity__amount=-5), "amount_not_negative", "-5"),
    ("NaN amount", case(sources__0__activity__amount=float("nan")), "finite_number", "nan"),
    ("infinite amount", case(sources__0__activity__amount=float("inf")), "finite_number", "inf"),
    ("empty amount", case(sources__0__activity__amount=None), "float_type", "None"),
    ("boolean amount", case(sources__0__activity__amount=True), "float_type", "True"),
    ("'1,000' amount", case(sources__0__activity__amount="1,000"), "float_type", "'1,000'"),
    ("unknown unit", case(sources__0__activity__unit="furlongz"), "unit_known", "furlongz"),
    ("gas as a unit", case(sources__0__activity__unit="kg R-410A"), "unit_known", "R-410A"),
    (
        "ambiguous gas",
        case(sources__0__method="release", sources__0__gas="PFCs"),
        "gas_known",
        "PFCs",
    ),
    (
        "unknown gas",
        case(sources__0__method="release", sources__0__gas="R-9999X"),
        "gas_known",
        "R-9999X",
    ),
    (
        "period end before start",
        case(period={"start": "2024-06-01", "end": "2024-01-01"}),
        "period_end_after_start",
        "2024-01-01",
    ),
    ("duplicate ids", case(facilities=[{"id": "a"}, {"id": "a"}]), "ids_unique", "'a'"),
    ("missing facility", case(sources__0__facility="zz"), "source_facility_exists", "'zz'"),
    (
        "missing instrument",
        case(sources__0__activity__instrument="NOPE"),
        "instrument_referenced_exists",
        "'NOPE'",
    ),
    ("equity share above 1", case(facilities__0__equity_share=1.01), "less_than_equal", "1.01"),
    (
        "equity share below 0",
        case(facilities__0__equity_share=-0.01),
        "greater_than_equal",
        "-0.01",
    ),
    ("category outside 1-6", case(sources__0__category=9), "less_than_equal", "9"),
    ("unknown key", case(sources__0__colour="red"), "extra_forbidden", "colour"),
    ("unknown GWP set", case(gwp="AR9"), "gwp_set_known", "AR9"),
]


@pytest.mark.parametrize(
    ("what", "data", "code", "text"), INVENTORY_CASES, ids=[c[0] for c in INVENTORY_CASES]
)
def test_inventory_input_is_refused_with_code_field_and_value(what, data, code, text):
    with pytest.raises(InvalidInputError) as exc:
        nc.validate_inventory(data, source="inv.yaml")
    issues = [i for i in exc.value.issues if i.code == code]
    assert issues, [i.describe() for i in exc.value.issues]
    assert any(text in i.describe() for i in issues), [i.describe() for i in issues]
    assert all(i.field for i in issues)


def test_overlapping_and_duplicate_periods_are_double_counting():
    d = case()
    d["sources"][1]["activity"] = [
        {"period": "2024", "amount": 1, "unit": "MWh"},
        {"period": "2024-03", "amount": 1, "unit": "MWh"},
    ]
    with pytest.raises(InvalidInputError, match="activity_periods_do_not_overlap"):
        nc.validate_inventory(d)


def test_unit_of_the_wrong_dimension_for_its_factor():
    inv = nc.validate_inventory(
        case(sources__0__activity__unit="MWh")
    )  # MWh is energy: converts to TJ
    assert nc.calculate(inv).total_co2e > 0
    bad = nc.validate_inventory(
        case(sources__1__activity__0__unit="t")
    )  # t of what, for a MWh factor?
    with pytest.raises(InvalidInputError, match="activity_unit_fits_factor"):
        nc.calculate(bad)


def test_missing_factor_is_named_with_suggestions():
    inv = nc.validate_inventory(case(sources__0__factor="testpack/stationary/natural_gass"))
    with pytest.raises(InvalidInputError, match="did you mean 'testpack/stationary/natural_gas'"):
        nc.calculate(inv)


def test_mixed_units_in_one_column_are_converted_not_mixed():
    inv = nc.validate_inventory(case())
    t = pd.DataFrame(
        {
            "source": ["grid", "grid", "grid"],
            "amount": [1.0, 1000.0, 3.6],
            "unit": ["MWh", "kWh", "GJ"],
        }
    )
    res = nc.calculate(inv, activity=t)
    assert res.totals()["by_scope"]["2_location"] == pytest.approx(
        (1 + 1 + 1 + 1) * 0.5703, rel=1e-12
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('schema: !!python/object/apply:os.system ["true"]\n', "yaml_unsafe_tag"),
        (
            "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
            + "".join(
                f"b{i}: &b{i} [{', '.join(['*' + ('a' if i == 0 else f'b{i - 1}')] * 10)}]\n"
                for i in range(8)
            ),
            "yaml_alias_expansion",
        ),
        ("schema: nqi-carbon/inventory@1\nschema: again\n", "yaml_duplicate_key"),
    ],
    ids=["python tag", "alias bomb", "duplicate key"],
)
def test_dangerous_yaml_is_refused(tmp_path, text, code):
    p = tmp_path / "inv.yaml"
    p.write_text(text)
    with pytest.raises(InvalidInputError, match=code):
        nc.load_inventory(p)


def test_oversized_file_is_refused(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("# " + "x" * 5000 + "\n")
    with pytest.raises(InvalidInputError, match="file_too_large"):
        nc.load_inventory(p, max_bytes=1000)


def test_yaml_scalars_keep_their_meaning(tmp_path):
    p = tmp_path / "inv.yaml"
    p.write_text(
        "schema: nqi-carbon/inventory@1\n"
        "organization: {name: NO, id: 0755, consolidation: equity_share}\n"
        "period: {start: 2024-01-01, end: 2025-01-01}\ngwp: AR5\n"
        f"factor_packs: ['{PACK}']\n"
        "facilities: [{id: NO, region: NO}]\n"
        "sources: [{id: s, facility: NO, category: 1, factor: testpack/stationary/natural_gas,\n"
        "           activity: {amount: 1e3, unit: GJ}}]\n"
    )
    inv = nc.load_inventory(p)
    assert inv.organization.name == "NO" and inv.organization.id == "0755"
    assert inv.facilities[0].region == "NO"  # Norway, not False
    assert inv.sources[0].records[0].amount == 1000.0


def test_json_with_nan_is_refused(tmp_path):
    d = case()
    p = tmp_path / "inv.json"
    p.write_text(json.dumps(d).replace('"amount": 100', '"amount": NaN'))
    with pytest.raises(InvalidInputError, match="json_syntax"):
        nc.load_inventory(p)


def test_csv_non_utf8_bom_and_text_numbers(tmp_path):
    bad = tmp_path / "a.csv"
    bad.write_bytes("source,amount,unit\ngrid,1,MWh\ngrid,2,MWh\u00e9\n".encode("latin-1"))
    with pytest.raises(InvalidInputError, match="encoding") as exc:
        nc.read_activity(bad)
    assert exc.value.issues[0].row == 3
    bom = tmp_path / "b.csv"
    bom.write_bytes("\ufeffsource,amount,unit\ngrid,1000,kWh\n".encode())
    df = nc.read_activity(bom)
    assert list(df.columns) == ["source", "amount", "unit"]
    assert nc.calculate(nc.validate_inventory(case()), activity=df).total_co2e > 0
    text = tmp_path / "c.csv"
    text.write_text('source,amount,unit\ngrid,"1,000",MWh\ngrid,,MWh\n')
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(nc.validate_inventory(case()), activity=nc.read_activity(text))
    assert [(i.code, i.row) for i in exc.value.issues] == [("float_type", 1), ("missing", 2)]


def test_truncated_or_corrupted_excel(tmp_path):
    pytest.importorskip("openpyxl")
    good = tmp_path / "a.xlsx"
    pd.DataFrame({"source": ["grid"], "amount": [1.0], "unit": ["MWh"]}).to_excel(good, index=False)
    assert nc.read_activity(good)["amount"].tolist() == [1.0]
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(InvalidInputError, match="file_corrupt"):
        nc.read_activity(cut)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InvalidInputError, match="file_corrupt"):
        nc.read_activity(junk)


def test_gwp_sets_never_mix():
    with pytest.raises(nc.GWPSetMismatchError):
        _ = nc.to_co2e(1, "CH4", "AR4") + nc.to_co2e(1, "CH4", "AR6")


def test_blend_without_composition_is_an_unknown_gas():
    with pytest.raises(UnknownSpeciesError):
        nc.split_blend("R-999Z", 1.0)


def test_every_error_is_ours_and_a_builtin():
    for exc in (InvalidInputError([]), UnknownUnitError("x"), UnknownSpeciesError("x")):
        assert isinstance(exc, NqiCarbonError)
        assert isinstance(exc, ValueError | KeyError)


def test_overflowing_results_are_refused_not_reported_as_inf():
    d = case(sources__0__activity__amount=1e308, sources__0__activity__unit="PJ")
    d["removals"] = [{"id": "r", "facility": "a", "amount": 1e308, "unit": "Mt"}]
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(nc.validate_inventory(d, source="inv.yaml"))
    issues = [i for i in exc.value.issues if i.code == "result_magnitude"]
    assert {i.field for i in issues} == {"sources[gas]", "removals[0].amount"}
    # two huge but finite lines whose sum would overflow are refused too
    d = case(sources__0__activity__amount=1.7e308, sources__0__activity__unit="GJ")
    with pytest.raises(InvalidInputError, match="result_magnitude"):
        nc.calculate(nc.validate_inventory(d), uncertainty="analytical")


def test_invalid_calendar_date_and_json_duplicate_keys(tmp_path):
    p = tmp_path / "inv.yaml"
    p.write_text("schema: nqi-carbon/inventory@1\nperiod: {start: 2024-02-30, end: 2025-01-01}\n")
    with pytest.raises(InvalidInputError) as exc:
        nc.load_inventory(p)
    (issue,) = exc.value.issues
    assert (issue.code, issue.row) == ("yaml_date", 2) and "2024-02-30" in issue.message
    j = tmp_path / "inv.json"
    j.write_text(json.dumps(case())[:-1] + ', "gwp": "AR6"}')  # "gwp" twice: AR5, then AR6
    with pytest.raises(InvalidInputError) as exc:
        nc.load_inventory(j)
    assert [i.code for i in exc.value.issues] == ["json_duplicate_key"]
    assert "'gwp'" in exc.value.issues[0].describe()


def test_non_fossil_measured_co2_is_biogenic_and_origin_contradictions_are_refused():
    d = case(
        sources__0__method="measured",
        sources__0__gas="CO2",
        sources__0__origin="non_fossil",
        sources__0__factor=None,
        sources__0__activity={"amount": 100, "unit": "t"},
    )
    res = nc.calculate(nc.validate_inventory(d))
    assert res.biogenic_co2_t == 100
    assert res.total_co2e == pytest.approx(0.5703, rel=1e-12)  # only the grid line counts
    bad = case(sources__0__origin="fossil", sources__0__factor="testpack/stationary/wood")
    with pytest.raises(InvalidInputError, match="origin_matches_factor"):
        nc.calculate(nc.validate_inventory(bad))


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"uncertainty": "bootstrap"}, "uncertainty_method"),
        ({"uncertainty": "monte_carlo", "iterations": 10}, "iterations_valid"),
        ({"uncertainty": "monte_carlo", "iterations": 1000.0}, "iterations_valid"),
        ({"uncertainty": "monte_carlo", "seed": -1}, "seed_valid"),
        ({"uncertainty": "monte_carlo", "seed": True}, "seed_valid"),
        ({"uncertainty": "monte_carlo", "seed": 1.5}, "seed_valid"),
    ],
)
def test_calculate_arguments_are_checked_before_any_work(kwargs, code):
    inv = nc.validate_inventory(case())
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(inv, **kwargs)
    assert [i.code for i in exc.value.issues] == [code]
    with pytest.raises(TypeError, match="DataFrame"):
        nc.calculate(inv, activity=[{"source": "gas", "amount": 1, "unit": "TJ"}])


def test_an_empty_inventory_is_flagged_and_year_labels_may_be_unquoted(tmp_path):
    d = case()
    d["sources"] = []
    res = nc.calculate(nc.validate_inventory(d))
    assert res.total_co2e == 0
    assert "no_sources" in {f.code for f in res.findings}
    p = tmp_path / "inv.yaml"
    p.write_text(
        "schema: nqi-carbon/inventory@1\n"
        "organization: {name: Y, id: y, consolidation: equity_share}\n"
        "period: {start: 2024-01-01, end: 2025-01-01}\ngwp: AR5\n"
        f"factor_packs: ['{PACK}']\nfacilities: [{{id: a}}]\n"
        "sources: [{id: s, facility: a, category: 2, factor: testpack/grid/a,\n"
        "           activity: {amount: 10, unit: MWh, period: 2024}}]\n"
    )
    assert nc.load_inventory(p).sources[0].records[0].period == "2024"


def test_a_bad_item_is_reported_once_not_also_as_an_empty_list():
    with pytest.raises(InvalidInputError) as exc:
        nc.validate_inventory(case(facilities__0__equity_share=1.5))
    assert [i.code for i in exc.value.issues] == ["less_than_equal"]


def test_contracts_on_a_measured_source_are_refused_not_dropped():
    d = case()
    d["sources"][1] = {
        "id": "grid",
        "facility": "a",
        "category": 2,
        "method": "measured",
        "gas": "CO2",
        "market_factor": "testpack/grid/a",
        "contracts": [{"kind": "certificate", "amount": 30, "zero_emission": True}],
        "activity": {"amount": 50, "unit": "t"},
    }
    with pytest.raises(InvalidInputError) as exc:
        nc.validate_inventory(d)
    assert any(
        i.code == "method_inputs_present" and "method 'factor'" in i.message
        for i in exc.value.issues
    )


@pytest.mark.parametrize("method", ["analytical", "monte_carlo"])
def test_an_absurd_uncertainty_is_refused_not_written_as_inf(method):
    # as a relative number it is refused on validation (at most 1, see test_hostile_units);
    # as normal bounds it is valid input whose propagated uncertainty overflows
    d = case(sources__0__activity__uncertainty=1e300)
    with pytest.raises(InvalidInputError, match="relative_uncertainty_at_most_one"):
        nc.validate_inventory(d)
    spec = {"distribution": "normal", "lower": 0, "upper": 1e300}
    d = case(sources__0__activity__uncertainty=spec)
    with pytest.raises(InvalidInputError) as exc:
        nc.calculate(nc.validate_inventory(d), uncertainty=method, seed=1)
    (issue,) = exc.value.issues
    assert issue.code == "result_magnitude" and "of gas" in issue.message


def test_a_changed_copy_is_validated_and_never_reuses_the_originals_results():
    inv = nc.validate_inventory(case())
    ar5 = nc.calculate(inv).total_co2e  # caches plans on inv
    ar6 = nc.calculate(inv.model_copy(update={"gwp": "AR6"})).total_co2e
    fresh = nc.calculate(nc.validate_inventory(case(gwp="AR6"))).total_co2e
    assert ar6 == fresh != ar5  # 100 TJ of gas: CH4/N2O at AR6 GWPs, not AR5's
    with pytest.raises(InvalidInputError, match="gwp_set_known"):
        inv.model_copy(update={"gwp": "AR9"})
    with pytest.raises(InvalidInputError, match="ids_unique"):
        inv.model_copy(update={"facilities": [{"id": "a"}, {"id": "a"}]})


def test_calculate_and_validate_report_the_same_complete_list():
    # a data gap, an unknown factor and a unit that does not fit: all three at once, from
    # the API and from the CLI's check alike (before, calculate stopped at the gap)
    d = case(sources__0__factor="testpack/stationary/natural_gaz")
    d["sources"][1]["activity"] = [{"period": "2024-Q1", "amount": 1, "unit": "MWh"}]
    d["sources"].append(
        {
            "id": "coal",
            "facility": "a",
            "category": 1,
            "method": "carbon_content",
            "carbon": {
                "carbon_fraction": {"value": 0.7, "unit": "1"},
                "oxidation": {"value": 1, "unit": "1"},
            },
            "activity": {"amount": 5, "unit": "L"},
        }
    )
    inv = nc.validate_inventory(d)
    with pytest.raises(InvalidInputError) as calc:
        nc.calculate(inv)
    with pytest.raises(InvalidInputError) as check:
        check_references(inv)
    codes = sorted(i.code for i in calc.value.issues)
    assert codes == sorted(i.code for i in check.value.issues)
    assert codes == ["activity_unit_fits_factor", "data_gap", "factor_resolves"]
    assert any("density" in i.message for i in calc.value.issues)


def test_a_period_ending_on_31_december_gets_the_exclusive_end_hint():
    d = case(period={"start": "2024-01-01", "end": "2024-12-31"})
    d["sources"][1]["activity"] = [
        {"period": f"2024-Q{q}", "amount": 1, "unit": "MWh"} for q in range(1, 5)
    ]
    with pytest.raises(InvalidInputError) as exc:
        nc.validate_inventory(d)
    (issue,) = [i for i in exc.value.issues if i.code == "activity_within_period"]
    assert "ends at 2025-01-01, not 2024-12-31" in issue.message


def test_a_changed_copy_gets_its_own_input_hash():
    inv = nc.load_inventory(Path(__file__).resolve().parents[2] / "examples" / "office" / "inventory.yaml")
    assert inv.model_copy().input_sha256 == inv.input_sha256  # nothing changed
    changed = inv.model_copy(update={"sources": list(inv.sources[:1])})
    assert changed.input_sha256 != inv.input_sha256


def test_a_csv_row_with_more_fields_than_the_header_is_refused_not_shifted(tmp_path):
    # pandas reads a row with one field more than the header as "the first column is the
    # index": every column moved one place (amount read as the unit...) without a word
    p = tmp_path / "a.csv"
    p.write_text("source,amount,unit\ns,1,TJ,EXTRA\nt,2,TJ\nu,3,TJ,X\n")
    with pytest.raises(nc.InvalidInputError) as exc:
        nc.read_activity(p)
    issues = exc.value.issues
    assert [(i.code, i.row, i.value) for i in issues] == [
        ("csv_extra_fields", 2, "'EXTRA'"),
        ("csv_extra_fields", 4, "'X'"),
    ]
    assert "3 fields per row" in issues[0].allowed


def test_a_csv_row_with_fewer_fields_is_read_with_empty_cells(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("source,amount,unit\ns,1\n")
    df = nc.read_activity(p)
    assert df["source"].tolist() == ["s"] and df["amount"].tolist() == [1.0]
    assert df["unit"].isna().all()
