"""PACT v3 exchange (issue 22): exports validate against the official schema, imports feed inputs.

The official schema is ``components/schemas/ProductFootprint`` of the PACT Technical
Specifications v3.0.3 ``openapi.yaml`` (``tests/data/pact/``, see its README); the numbers
expected come from the official examples' text and hand arithmetic.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import nqi_carbon as nc
from nqi_carbon.errors import InvalidInputError
from nqi_carbon.footprint.model import SupplierFootprint
from nqi_carbon.footprint.pact import (
    PACT_SPEC_VERSION,
    read_pact,
    resolve_pact_inputs,
    resolve_pact_reference,
    supplier_footprint,
    to_pact,
    write_pact,
)

PACT = Path(__file__).parent / "data" / "pact"
EXAMPLES = PACT / "examples"


@pytest.fixture(scope="module")
def official() -> Any:
    """A validator of the official v3.0.3 ProductFootprint schema (formats checked)."""
    return official_validator()


def official_validator(schema: str = "ProductFootprint") -> Any:
    """A validator of an official v3.0.3 schema (formats checked): ProductFootprint, Error."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    doc = yaml.safe_load((PACT / "openapi-3.0.3.yaml").read_text(encoding="utf-8"))
    assert doc["info"]["version"] == "3.0.3"
    registry = Registry().with_resource("urn:pact-v3", Resource(doc, DRAFT202012))
    return Draft202012Validator(
        {"$ref": f"urn:pact-v3#/components/schemas/{schema}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _errors(validator: Any, pf: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(pf)]


def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


CEMENT = {
    "company_name": "Example Cement Co., Ltd.",
    "company_ids": ["urn:pact:company:cn:uscc:91340000000000000X"],
    "product_ids": ["urn:pact:product:example:po-42.5"],
    "product_name": "P.O 42.5 cement",
    "product_description": "Ordinary Portland cement, strength class 42.5, bulk",
    "product_category_cpc": "3744",
    "declared_unit": "t",
    "reference_period_start": dt.date(2024, 1, 1),
    "reference_period_end": dt.date(2025, 1, 1),
    "geography_country": "CN",
    "pcf_excluding_biogenic_uptake": 612.5,
    "pcf_including_biogenic_uptake": 612.5,
    "fossil_ghg": 610.0,
    "land_use_change": 0.0,
    "biogenic_removals": 0.0,
    "aircraft": 0.0,
    "fossil_carbon_content": 0,
    "ipcc_characterization_factors": ["AR6"],
    "exempted_emissions_percent": 0.8,
    "primary_data_share": 72.5,
    "dqi": {"technological": 1.2, "geographical": 1.0, "temporal": 1.5},
    "allocation_rules_description": "none: one product",
}


# -- the official examples read ----------------------------------------------------------------


def test_the_vendored_examples_are_valid_under_the_official_schema(official):
    for path in sorted(EXAMPLES.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        inner = doc.get("data", doc)
        for pf in inner if isinstance(inner, list) else [inner]:
            assert _errors(official, pf) == [], path.name


def test_example_1_becomes_a_supplier_footprint_per_kilogram():
    (sf,) = read_pact(EXAMPLES / "example-1.json")
    assert sf["declared_unit"] == "kg"
    # pcfExcludingBiogenicUptake less its biogenic parts (land management 0.004, non-CO2
    # 0.002) and land-management removals (0), per declaredUnitAmount 1
    assert sf["value"] == pytest.approx(0.384 - 0.004 - 0.002, rel=1e-15)
    assert sf["value_including_biogenic"] == -1.23
    assert sf["fossil_ghg"] == 0.35
    assert sf["biogenic_emissions"] == pytest.approx(0.004 + 0.002)  # land management + non-CO2
    assert sf["biogenic_removals"] == -1.61
    assert sf["land_use_change"] == 0.0  # stated 0 is a value, not missing
    assert sf["primary_data_share"] == 12.9
    assert sf["dqr"] == pytest.approx((1.5 + 3.2 + 2.4) / 3)
    # 2024-01-01T00:00:00Z to 2024-12-31T00:00:00Z: the end instant is the exclusive end
    assert sf["reference_period_start"] == dt.date(2024, 1, 1)
    assert sf["reference_period_end"] == dt.date(2024, 12, 31)
    assert sf["source"] == {
        "kind": "pact",
        "id": "12345678-9abc-def0-1234-567812345678",
        "company": "Company 1",
        "product": "Product 1",
        "spec_version": "3.0.0",
    }
    SupplierFootprint.model_validate(sf)  # the footprint model's input, as it is


def test_example_2_is_divided_by_its_declared_amount_of_12_liter():
    (sf,) = read_pact(EXAMPLES / "example-2.json")
    assert sf["declared_unit"] == "l"
    assert sf["value"] == pytest.approx((5.14 - 0.024) / 12, rel=1e-15)  # less biogenic CH4
    assert sf["biogenic_emissions"] == pytest.approx(0.024 / 12, rel=1e-15)
    assert sf["value_including_biogenic"] == pytest.approx(-14.22 / 12, rel=1e-15)
    assert sf["fossil_ghg"] == pytest.approx(4.78 / 12, rel=1e-15)
    assert sf["biogenic_removals"] == pytest.approx((-19.36 + 0) / 12, rel=1e-15)  # + land mgmt
    assert "aircraft" in sf and sf["aircraft"] == 0.0
    SupplierFootprint.model_validate(sf)


def test_a_supplier_rated_beyond_3_is_accepted_up_to_the_pact_limit_of_5():
    # PACT v3.0.3 DataQualityRating: each rating between 1 and 5 (example 2 rates 4.1)
    sf = dict(read_pact(EXAMPLES / "example-2.json")[0], dqr=4.1)
    assert SupplierFootprint.model_validate(sf).dqr == pytest.approx(4.1)
    with pytest.raises(ValueError, match="less than or equal to 5"):
        SupplierFootprint.model_validate(dict(sf, dqr=5.1))


def test_an_api_response_gives_each_footprint_in_order():
    found = read_pact(EXAMPLES / "list-footprints-response.json")
    ids = [f["source"]["id"] for f in found]
    assert ids == [pf["id"] for pf in _example("list-footprints-response")["data"]]
    (one,) = read_pact(EXAMPLES / "get-footprint-response.json")
    assert one["source"]["id"] == _example("get-footprint-response")["data"]["id"]


def test_a_footprint_per_piece_is_refused_with_the_units_allowed():
    with pytest.raises(InvalidInputError, match="cannot convert") as ei:
        read_pact(EXAMPLES / "example-3.json")
    (issue,) = ei.value.issues
    assert issue.code == "pact_declared_unit"
    assert issue.field == "pcf.declaredUnitOfMeasurement"
    assert issue.value == "'piece'"
    assert "kilogram, liter" in (issue.allowed or "")


# -- export ----------------------------------------------------------------------------------


def test_a_cement_footprint_exports_per_kilogram_and_validates(official):
    pf = to_pact(CEMENT, created="2025-03-01T00:00:00Z")
    assert _errors(official, pf) == []
    pcf = pf["pcf"]
    assert pf["specVersion"] == PACT_SPEC_VERSION == "3.0.3"
    assert pf["productClassifications"] == ["urn:pact:productclassification:un-cpc:3744"]
    assert (pcf["declaredUnitOfMeasurement"], pcf["declaredUnitAmount"]) == ("kilogram", "1")
    assert pcf["productMassPerDeclaredUnit"] == "1"  # 1 t = 1000 kg per 1000 kg
    assert pcf["pcfExcludingBiogenicUptake"] == "0.6125"  # 612.5 kg CO2e/t / 1000
    assert pcf["fossilGhgEmissions"] == "0.61"
    assert pcf["biogenicCO2Uptake"] == "0"
    assert pcf["referencePeriodStart"] == "2024-01-01T00:00:00Z"
    assert pcf["referencePeriodEnd"] == "2025-01-01T00:00:00Z"  # the exclusive end instant
    assert pcf["crossSectoralStandards"] == ["ISO14067"]
    assert pcf["primaryDataShare"] == "72.5"
    assert pcf["dqi"] == {"technologicalDQR": "1.2", "geographicalDQR": "1", "temporalDQR": "1.5"}


def test_an_export_reads_back_as_the_same_footprint_per_kilogram(tmp_path):
    path = write_pact(to_pact(CEMENT), tmp_path / "cement.json")
    (sf,) = read_pact(path)
    assert sf["declared_unit"] == "kg"
    assert sf["value"] == 0.6125
    assert sf["fossil_ghg"] == 0.61
    assert sf["primary_data_share"] == 72.5
    assert sf["dqr"] == pytest.approx((1.2 + 1.0 + 1.5) / 3)
    assert (sf["reference_period_start"], sf["reference_period_end"]) == (
        dt.date(2024, 1, 1),
        dt.date(2025, 1, 1),
    )


def test_the_id_is_a_uuid_of_the_content_and_created_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01T00:00:00Z
    a, b = to_pact(CEMENT), to_pact(CEMENT)
    assert a == b
    assert a["created"] == "2025-01-01T00:00:00Z"
    assert to_pact({**CEMENT, "fossil_ghg": 611.0})["id"] != a["id"]
    assert to_pact(CEMENT, id="f4b1225a-bd44-4c8e-861d-079e4e1dfd69")["id"].startswith("f4b1")


def test_write_pact_is_byte_identical_under_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    one = write_pact(to_pact(CEMENT), tmp_path / "a.json").read_bytes()
    two = write_pact(to_pact(CEMENT), tmp_path / "b.json").read_bytes()
    assert one == two and one.endswith(b"}\n")


def test_every_required_field_left_unknown_is_refused_at_once():
    with pytest.raises(InvalidInputError, match="PACT requires companyName") as ei:
        to_pact({"declared_unit": "t"})
    issues = ei.value.issues
    assert {i.code for i in issues} == {"pact_field_unknown"}
    assert {i.field for i in issues} == {
        "company_name", "company_ids", "product_ids", "product_name", "product_description",
        "reference_period_start", "reference_period_end", "pcf_excluding_biogenic_uptake",
        "pcf_including_biogenic_uptake", "fossil_ghg", "fossil_carbon_content",
        "ipcc_characterization_factors", "exempted_emissions_percent",
    }  # fmt: skip


def test_a_product_in_litres_needs_its_mass_and_energy_does_not(official):
    with pytest.raises(InvalidInputError, match="productMassPerDeclaredUnit") as ei:
        to_pact({**CEMENT, "declared_unit": "l"})
    assert ei.value.issues[0].field == "product_mass_per_declared_unit"
    pf = to_pact({**CEMENT, "declared_unit": "l", "product_mass_per_declared_unit": 0.879})
    assert pf["pcf"]["productMassPerDeclaredUnit"] == "0.879"
    assert _errors(official, pf) == []
    kwh = to_pact({**CEMENT, "declared_unit": "MWh"})
    assert kwh["pcf"]["declaredUnitOfMeasurement"] == "kilowatt hour"
    assert kwh["pcf"]["productMassPerDeclaredUnit"] == "0"
    assert _errors(official, kwh) == []


def test_unknown_units_and_unfinite_numbers_are_refused():
    with pytest.raises(InvalidInputError) as ei:
        to_pact({**CEMENT, "declared_unit": "piece", "fossil_ghg": float("nan")})
    by_code = {i.code: i for i in ei.value.issues}
    assert by_code["pact_declared_unit"].value == "'piece'"
    assert "kg, g, t" in (by_code["pact_declared_unit"].allowed or "")
    assert by_code["finite_number"].field == "fossil_ghg"


def test_figures_of_the_wrong_type_are_refused_by_name_and_nothing_else_raises(tmp_path):
    from nqi_carbon.errors import InvalidArgumentError

    wrong = {"company_ids": "urn:x", "declared_unit": ["t"], "reference_period_start": 5.5,
             "created": "yesterday", "primary_data_share": "72", "dqi": {"technological": 1}}  # fmt: skip
    with pytest.raises(InvalidInputError) as ei:
        to_pact({**CEMENT, **wrong})
    fields = {i.field for i in ei.value.issues}
    assert {"company_ids", "declared_unit", "primary_data_share", "dqi.geographical"} <= fields
    assert any(f and f.startswith("reference_period_start") for f in fields)
    assert any(f and f.startswith("created") for f in fields)
    with pytest.raises(InvalidArgumentError, match="FootprintResult or a mapping"):
        to_pact(42)
    with pytest.raises(InvalidArgumentError):
        to_pact(CEMENT, defaults=[1])
    with pytest.raises(InvalidArgumentError):
        write_pact(to_pact(CEMENT), 5)
    with pytest.raises(InvalidInputError):
        write_pact({**to_pact(CEMENT), "id": "x"}, tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()  # nothing invalid is written
    with pytest.raises(InvalidArgumentError):
        read_pact(None)


def test_a_removal_written_positive_is_refused_by_the_v3_data_model():
    with pytest.raises(InvalidInputError, match="<= 0") as ei:
        to_pact({**CEMENT, "biogenic_removals": 5.0})
    (issue,) = ei.value.issues
    assert (issue.code, issue.field) == ("pact_decimal_range", "pcf.biogenicCO2Uptake")


# -- reading hostile and wrong files ---------------------------------------------------------


def _write(tmp_path: Path, doc: Any, name: str = "pact.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_every_problem_of_every_footprint_is_listed_with_its_path(tmp_path):
    good = _example("example-1")
    bad = copy.deepcopy(good)
    bad["id"] = "not-a-uuid"
    bad["specVersion"] = "2.3.0"
    bad["pcf"]["fossilGhgEmissions"] = 0.35  # v2 wrote numbers; v3 writes text
    bad["pcf"]["primaryDataShare"] = "120"
    bad["pcf"]["referencePeriodEnd"] = "2024-02-30T00:00:00Z"
    del bad["companyIds"]
    doc = {"data": [good, bad, copy.deepcopy(good)]}
    with pytest.raises(InvalidInputError) as ei:
        read_pact(_write(tmp_path, doc))
    got = {(i.code, i.field) for i in ei.value.issues}
    assert got == {
        ("pact_uuid", "data[1].id"),
        ("pact_spec_version", "data[1].specVersion"),
        ("string_type", "data[1].pcf.fossilGhgEmissions"),
        ("pact_decimal_range", "data[1].pcf.primaryDataShare"),
        ("pact_datetime", "data[1].pcf.referencePeriodEnd"),
        ("missing", "data[1].companyIds"),
        ("pact_duplicate_id", "data[2].id"),
    }
    assert all(i.file == str(tmp_path / "pact.json") for i in ei.value.issues)


@pytest.mark.parametrize(
    ("edit", "code", "field"),
    [
        (lambda pf: pf["pcf"].update(geographyCountry="US"), "pact_geography", "pcf"),
        (lambda pf: pf["pcf"].update(declaredUnitAmount="0"), "pact_decimal_range", None),
        (lambda pf: pf["pcf"].update(declaredUnitAmount="1e3"), "pact_decimal", None),
        (lambda pf: pf["pcf"].update(pcfExcludingBiogenicUptake="9" * 65), "pact_decimal", None),
        (lambda pf: pf["pcf"].update(ipccCharacterizationFactors=["6"]), "pact_ipcc_version", None),
        (lambda pf: pf.update(productIds=[]), "pact_empty_list", "productIds"),
        (lambda pf: pf.update(productIds=["urn:a", "urn:a"]), "pact_duplicate_item", None),
        (lambda pf: pf.update(companyIds=["company 1"]), "pact_urn", "companyIds[0]"),
        (lambda pf: pf["pcf"].update(packagingEmissionsIncluded="yes"), "bool_type", None),
        (lambda pf: pf["pcf"]["dqi"].update(temporalDQR="6"), "pact_decimal_range", None),
        (lambda pf: pf.update(status="Retired"), "literal_error", "status"),
    ],
)
def test_what_the_official_schema_refuses_is_refused(tmp_path, official, edit, code, field):
    pf = _example("example-1")
    edit(pf)
    with pytest.raises(InvalidInputError) as ei:
        read_pact(_write(tmp_path, pf))
    issue = ei.value.issues[0]
    assert issue.code == code
    if field is not None:
        assert issue.field == field
    # the official schema refuses the same document, except for the ranges the
    # specification states only in words (percent, DQR 1-5) and its unanchored patterns
    words_only = code == "pact_decimal_range" and issue.field != "pcf.declaredUnitAmount"
    if not words_only and code != "pact_decimal":
        assert _errors(official, pf), code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (b"[]", "pact_document"),
        (b'{"data": []}', "pact_document"),
        (b'{"data": 5}', "pact_document"),
        (b'{"id": NaN}', "json_syntax"),
        (b'{"a": 1, "a": 2}', "json_duplicate_key"),
        (b'{"a":' * 200 + b"1" + b"}" * 200, "input_too_deep"),
        (b"\xff\xfe{}", "encoding"),
    ],
)
def test_a_file_that_is_not_pact_json_is_a_typed_error(tmp_path, text, code):
    path = tmp_path / "p.json"
    path.write_bytes(text)
    with pytest.raises(InvalidInputError) as ei:
        read_pact(path)
    assert ei.value.issues[0].code == code


def test_a_pact_file_larger_than_the_document_limit_is_refused_unread(tmp_path):
    path = _write(tmp_path, _example("example-1"))
    with nc.Limits(max_document_bytes=1000), pytest.raises(InvalidInputError) as ei:
        read_pact(path)
    assert ei.value.issues[0].code == "file_too_large"


# -- a footprint file names a PACT file ------------------------------------------------------


def test_a_reference_picks_the_footprint_by_id_in_either_form(tmp_path):
    doc = {"data": [_example("example-1"), _example("example-2")]}
    _write(tmp_path, doc, "suppliers.json")
    source = str(tmp_path / "footprint.yaml")
    second = doc["data"][1]["id"]
    for wanted in (second, f"urn:uuid:{second.upper()}"):
        sf = resolve_pact_reference(
            {"pact": "suppliers.json", "id": wanted}, source_path=source, field="inputs[0]"
        )
        assert sf["source"]["id"] == second
    with pytest.raises(InvalidInputError, match="several footprints") as ei:
        resolve_pact_reference({"pact": "suppliers.json"}, source_path=source, field="inputs[0]")
    assert ei.value.issues[0].code == "pact_id_required"
    assert second in (ei.value.issues[0].allowed or "")
    with pytest.raises(InvalidInputError, match="has this id") as ei:
        resolve_pact_reference(
            {"pact": "suppliers.json", "id": "00000000-0000-0000-0000-000000000000"},
            source_path=source,
            field="inputs[0]",
        )
    assert (ei.value.issues[0].code, ei.value.issues[0].field) == (
        "pact_id_unknown",
        "inputs[0].id",
    )


def test_a_reference_outside_the_footprint_folder_is_refused(tmp_path):
    outside = _write(tmp_path, _example("example-1"))
    inner = tmp_path / "study"
    inner.mkdir()
    for entry in ("../pact.json", str(outside)):
        with pytest.raises(InvalidInputError) as ei:
            resolve_pact_inputs(
                {"inputs": [{"id": "a", "supplier_footprint": {"pact": entry}}]},
                source_path=str(inner / "footprint.yaml"),
            )
        assert ei.value.issues[0].code == "path_outside_base"


def test_resolving_a_footprint_document_replaces_each_reference(tmp_path):
    _write(tmp_path, _example("example-1"), "ethanol.json")
    data = {
        "inputs": [
            {"id": "ethanol", "supplier_footprint": {"pact": "ethanol.json"}},
            {"id": "power", "factor": "x"},
            {"id": "bad", "supplier_footprint": {"pact": "ethanol.json", "version": 2}},
        ]
    }
    with pytest.raises(InvalidInputError) as ei:
        resolve_pact_inputs(data, source_path=str(tmp_path / "f.yaml"))
    assert [(i.code, i.field) for i in ei.value.issues] == [
        ("pact_reference", "inputs[2].supplier_footprint")
    ]
    del data["inputs"][2]
    out = resolve_pact_inputs(data, source_path=str(tmp_path / "f.yaml"))
    assert out["inputs"][0]["supplier_footprint"] == supplier_footprint(_example("example-1"))
    assert out["inputs"][1] == {"id": "power", "factor": "x"}
    assert data["inputs"][0]["supplier_footprint"] == {"pact": "ethanol.json"}  # not changed


# -- end to end: a supplier's PACT footprint feeds a product, whose footprint exports --------

SUPPLIER = {
    "id": "5f1c2a9e-3b7d-4c1e-9a2b-8d6e4f0a1b2c",
    "specVersion": "3.0.0",
    "created": "2025-02-01T00:00:00Z",
    "status": "Active",
    "companyName": "Supplier Steel Co.",
    "companyIds": ["urn:pact:company:example:supplier-steel"],
    "productDescription": "Hot-rolled coil, per tonne",
    "productIds": ["urn:pact:product:example:hrc"],
    "productNameCompany": "HRC",
    "pcf": {
        "declaredUnitOfMeasurement": "kilogram",
        "declaredUnitAmount": "1000",
        "productMassPerDeclaredUnit": "1000",
        "referencePeriodStart": "2024-01-01T00:00:00Z",
        "referencePeriodEnd": "2025-01-01T00:00:00Z",
        "geographyCountry": "CN",
        "pcfExcludingBiogenicUptake": "1850",
        "pcfIncludingBiogenicUptake": "1450",
        "fossilGhgEmissions": "1700",
        "landUseChangeGhgEmissions": "100",
        "biogenicNonCO2Emissions": "50",
        "biogenicCO2Uptake": "-400",
        "aircraftGhgEmissions": "0",
        "fossilCarbonContent": "0",
        "ipccCharacterizationFactors": ["AR6"],
        "crossSectoralStandards": ["ISO14067", "PACT-3.0"],
        "exemptedEmissionsPercent": "0",
        "primaryDataShare": "60",
        "dqi": {"technologicalDQR": "1", "geographicalDQR": "2", "temporalDQR": "3"},
    },
}

BRACKET = {
    "schema": "nqi-carbon/footprint@1",
    "product": {"id": "bracket", "name": "Steel bracket", "description": "Pressed bracket, bulk"},
    "declared_unit": {"amount": 1.0, "unit": "t"},
    "boundary": "cradle_to_gate",
    "reference_period": {"start": "2024-01-01", "end": "2025-01-01"},
    "inputs": [
        {
            "id": "coil",
            "kind": "material",
            "stage": "raw_material_acquisition",
            "amount": 500.0,
            "unit": "kg",
            "supplier_footprint": {"pact": "supplier.json", "id": f"urn:uuid:{SUPPLIER['id']}"},
        }
    ],
    "cut_off": {"criterion": "inputs below 1 % of mass", "exempted_share": 0.5},
}

COMPANY = {
    "company_name": "Bracket Works",
    "company_ids": ["urn:pact:company:example:bracket-works"],
    "product_ids": ["urn:pact:product:example:bracket"],
    "fossil_carbon_content": 0,
}


def test_a_supplier_footprint_imported_from_pact_feeds_a_product(tmp_path, official):
    assert _errors(official, SUPPLIER) == []
    from nqi_carbon.footprint.calculate import calculate_footprint

    (tmp_path / "supplier.json").write_text(json.dumps(SUPPLIER), encoding="utf-8")
    path = tmp_path / "bracket.yaml"
    path.write_text(yaml.safe_dump(BRACKET), encoding="utf-8")
    r = calculate_footprint(
        resolve_pact_inputs(yaml.safe_load(path.read_text()), source_path=str(path))
    )
    # the footprint file itself names the PACT file: the loader reads it the same way
    assert calculate_footprint(str(path)).pcf_excluding_biogenic == r.pcf_excluding_biogenic
    # per kg of coil: value (1850 - 50 biogenic CH4) / 1000 = 1.8, land use 0.1,
    # biogenic +0.05, uptake -0.4; 500 kg per t of brackets:
    assert r.pcf_excluding_biogenic == pytest.approx(900.0)  # 500 x 1.8
    assert (r.fossil_ghg, r.land_use_change) == pytest.approx((850.0, 50.0))
    assert (r.biogenic_emissions, r.biogenic_removals) == pytest.approx((25.0, -200.0))
    assert r.pcf_including_biogenic == pytest.approx(725.0)  # 900 + 25 - 200
    assert r.primary_data_share == pytest.approx(60.0)
    assert r.dqr == pytest.approx(2.0)  # (1 + 2 + 3) / 3
    assert SUPPLIER["id"] in r.by_input[0]["basis"]  # the PACT id kept for traceability

    pf = to_pact(r, **COMPANY)
    assert _errors(official, pf) == []
    pcf = pf["pcf"]
    assert (pcf["declaredUnitOfMeasurement"], pcf["declaredUnitAmount"]) == ("kilogram", "1")
    assert pcf["pcfExcludingBiogenicUptake"] == "0.925"  # (900 + 25) / 1000
    assert pcf["pcfIncludingBiogenicUptake"] == "0.725"
    assert pcf["fossilGhgEmissions"] == "0.85"
    assert pcf["landUseChangeGhgEmissions"] == "0.05"
    assert pcf["biogenicCO2Uptake"] == "-0.2"
    assert pcf["primaryDataShare"] == "60"
    assert pcf["exemptedEmissionsPercent"] == "0.5"
    assert pcf["ipccCharacterizationFactors"] == ["AR6"]
    assert (
        pcf["boundaryProcessesDescription"]
        == "cradle_to_gate: raw_material_acquisition, production"
    )
    assert pf["productNameCompany"] == "Steel bracket"
    assert pf["productDescription"] == "Pressed bracket, bulk"


def test_a_result_refuses_export_until_its_unknowns_are_stated(tmp_path):
    from nqi_carbon.footprint.calculate import calculate_footprint

    (tmp_path / "supplier.json").write_text(json.dumps(SUPPLIER), encoding="utf-8")
    doc = {k: v for k, v in BRACKET.items() if k != "cut_off"}
    r = calculate_footprint(resolve_pact_inputs(doc, source_path=str(tmp_path / "b.yaml")))
    with pytest.raises(InvalidInputError) as ei:
        to_pact(r)
    assert {i.field for i in ei.value.issues} == {
        "company_name", "company_ids", "product_ids", "fossil_carbon_content",
        "exempted_emissions_percent",
    }  # fmt: skip


# -- the command line ----------------------------------------------------------------------


def test_the_command_line_imports_a_supplier_and_exports_the_product(tmp_path, capsys, official):
    from nqi_carbon.cli import main

    (tmp_path / "supplier.json").write_text(json.dumps(SUPPLIER), encoding="utf-8")
    assert main(["pact", "import", str(tmp_path / "supplier.json"), "--format", "json"]) == 0
    (sf,) = json.loads(capsys.readouterr().out)
    assert sf["value"] == pytest.approx(1.8) and sf["source"]["id"] == SUPPLIER["id"]

    doc = copy.deepcopy(BRACKET)
    doc["inputs"][0]["supplier_footprint"] = sf  # pasted from the import
    (tmp_path / "bracket.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "with.yaml").write_text(yaml.safe_dump(COMPANY), encoding="utf-8")
    out = tmp_path / "bracket.pact.json"
    argv = ["pact", "export", str(tmp_path / "bracket.json"), "--with", str(tmp_path / "with.yaml")]
    assert main([*argv, "--out", str(out)]) == 0
    pf = json.loads(out.read_text(encoding="utf-8"))
    assert _errors(official, pf) == []
    assert pf["pcf"]["pcfExcludingBiogenicUptake"] == "0.925"


def test_the_command_line_refuses_an_unknown_figure_and_an_unknown_id(tmp_path, capsys):
    from nqi_carbon.cli import main

    (tmp_path / "supplier.json").write_text(json.dumps(SUPPLIER), encoding="utf-8")
    assert main(["pact", "import", str(tmp_path / "supplier.json"), "--id", "urn:uuid:x"]) == 1
    assert "[pact_id_unknown]" in capsys.readouterr().err
    (tmp_path / "bracket.json").write_text(
        json.dumps(
            {
                **BRACKET,
                "inputs": [
                    {**BRACKET["inputs"][0], "supplier_footprint": supplier_footprint(SUPPLIER)}
                ],
            },
            default=str,
        ),
        encoding="utf-8",
    )
    (tmp_path / "with.yaml").write_text("company_nme: Bracket Works\n", encoding="utf-8")
    assert (
        main(
            [
                "pact",
                "export",
                str(tmp_path / "bracket.json"),
                "--with",
                str(tmp_path / "with.yaml"),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "did you mean 'company_name'" in err and "[pact_option]" in err


# -- the bundled examples export -------------------------------------------------------------

EXAMPLE_FOOTPRINTS = Path(__file__).parent.parent / "examples"


@pytest.mark.parametrize(
    ("file", "hand_kg_per_t"),
    [
        # anodes 1467.2533 + grid 7642.02 (CO2) + CF4 250.92 + C2F6 42.16 kg CO2e per t
        # (tests/test_footprint.py::test_aluminium_footprint_from_the_smelter_inventory)
        ("footprint-aluminium/aluminium.yaml", 1467.2533 + 7642.02 + 250.92 + 42.16),
        # 0.80 t clinker x (864 802.28995 t / 1 052 300 t x 1000) + gypsum 0.41 + slag 5.25
        # + grinding 21.6714 kg CO2e per t (test_cement_footprint_clinker_share_plus_...)
        (
            "footprint-cement/cement.yaml",
            0.8 * 864_802.28995 / 1_052_300 * 1000 + 0.41 + 5.25 + 21.6714,
        ),
    ],
)
def test_the_example_footprints_export_valid_pact_v3(official, file, hand_kg_per_t):
    from nqi_carbon.footprint.calculate import calculate_footprint

    r = calculate_footprint(EXAMPLE_FOOTPRINTS / file, uncertainty=None)
    pf = to_pact(r, product_description=f"{r.product['name']}, bulk", **COMPANY)
    assert _errors(official, pf) == []
    pcf = pf["pcf"]
    assert (pcf["declaredUnitOfMeasurement"], pcf["declaredUnitAmount"]) == ("kilogram", "1")
    # nothing biogenic in either: PACT's figure is the fossil footprint, per kg
    assert float(pcf["pcfExcludingBiogenicUptake"]) == pytest.approx(
        hand_kg_per_t / 1000, rel=1e-11
    )
    assert pcf["pcfIncludingBiogenicUptake"] == pcf["pcfExcludingBiogenicUptake"]
    assert pcf["ipccCharacterizationFactors"] == ["AR6"]
    assert pf["productNameCompany"] == r.product["name"]


def test_the_footprint_file_schema_accepts_a_pact_reference_and_nothing_more():
    import jsonschema

    from nqi_carbon.footprint.schema import footprint_json_schema

    v = jsonschema.Draft202012Validator(footprint_json_schema())
    assert list(v.iter_errors(BRACKET)) == []
    bad = json.loads(json.dumps(BRACKET))
    bad["inputs"][0]["supplier_footprint"]["version"] = 2
    assert list(v.iter_errors(bad)) != []
