"""The uk-desnz-2025 pack: it loads, its values are the publisher's, each total is the
sum of the publisher's per-gas columns, and a small UK inventory gives the hand total.

Figures typed below are rows of the publisher's workbook (DESNZ, UK Government GHG
Conversion Factors for Company Reporting 2025, flat file, version 1, sheet "Factors by
Category"; ID, then kg CO2e total and kg CO2e of CO2 / CH4 / N2O per unit)."""

from __future__ import annotations

from pathlib import Path

import pytest

import nqi_carbon as nc
from nqi_carbon.data.factors import bundled_factor_pack_ids, default_registry, load_pack
from nqi_carbon.errors import NqiCarbonError

ROOT = Path(__file__).resolve().parents[1]
PACK_FILE = ROOT / "emission_factors" / "uk-desnz-2025.yaml"
REG = default_registry()
P = "uk-desnz-2025/"

# factor id: (DESNZ ID, kg CO2e, (kg CO2e of CO2, of CH4, of N2O) or None)
PUBLISHED = {
    "fuels/natural_gas/kwh-gross": ("1_100_1004_6_1", 0.18296, (0.18259, 0.00028, 0.00009)),
    "fuels/natural_gas/kwh-net": ("1_100_1004_7_1", 0.2027, None),
    "fuels/diesel_average_biofuel_blend/litre": ("1_101_1011_8_1", 2.57082, (2.53763, 0.00029, 0.0329)),
    "fuels/diesel_average_biofuel_blend/t": ("1_101_1011_15_1", 3087.94462, None),
    "fuels/coal_industrial/t": ("1_102_1025_15_1", 2395.28994, None),
    "uk-electricity/electricity_generated/electricity_uk/kwh": ("7_400_4000_5_1", 0.177, (0.17489, 0.0009, 0.00122)),
    "transmission-distribution/t_d_uk_electricity/electricity_uk/kwh": ("13_402_4000_5_1", 0.01853, (0.01834, 0.00008, 0.00011)),
    "wtt-uk-electricity/wtt_uk_electricity_generation/electricity_uk/kwh": ("15_917_4000_5_1", 0.0459, None),
    "wtt-fuels/natural_gas/kwh-gross": ("11_100_1004_6_1", 0.03021, None),
    "business-travel-air/flights/long_haul_to_from_uk/business_class/with_rf/pkm": ("21_316_3174_11_1", 0.3394, (0.33652, 0.00002, 0.00285)),
    "business-travel-air/flights/short_haul_to_from_uk/economy_class/without_rf/pkm": ("21_316_3165_11_1", 0.07435, None),
    "business-travel-land/rail/national_rail/pkm": ("25_315_3147_11_1", 0.03546, None),
    "business-travel-land/cars_by_size/medium_car/diesel/vkm": ("25_301_3053_4_1", 0.17174, (0.17006, 0.0000046368, 0.00167)),
    "freighting-goods/hgv_all_diesel/all_hgvs/average_laden/tkm": ("27_304_3140_14_1", 0.10163, (0.10012, 0.00002, 0.00149)),
    "waste-disposal/refuse/commercial_and_industrial_waste/landfill/t": ("20_507_5313_15_1", 520.5327, None),
    "water-supply/m3": ("17_404_4005_1_1", 0.1913, None),
    "hotel-stay/uk/room-night": ("29_600_4000_13_1", 10.4, None),
    "hotel-stay/uk_london/room-night": ("29_600_4001_13_1", 11.5, None),
    "hotel-stay/germany/room-night": ("29_600_4017_13_1", 13.2, None),
    "hotel-stay/united_states/room-night": ("29_600_4053_13_1", 16.1, None),
}  # fmt: skip


def test_pack_loads_through_the_registry():
    lp = load_pack(PACK_FILE, bundled=True)
    assert lp.id == "uk-desnz-2025"
    assert "uk-desnz-2025" in bundled_factor_pack_ids()
    assert len(lp.factors) == 1295  # 1256 + 39 hotel stays (1.1.0)
    assert "Open Government Licence v3.0" in lp.pack.licence
    for f in lp.factors.values():
        e = f.entry
        assert e.gases is None and e.co2e is not None, f.ref
        assert e.co2e.gwp_set == "AR5"
        assert e.co2e.unit == f"kg/{f.activity_unit}"
        assert (e.valid.from_, e.valid.to) == (2025, 2025)
        if f.ref.startswith(P + "hotel-stay/"):
            assert f.activity_unit == "room_night" and len(e.region) == 2, f.ref
        else:
            assert e.region in ("GB", "GLOBAL")
        assert (e.notes or "").startswith("DESNZ ID ")
        # the calorific basis is the one DESNZ states for the row
        if f.ref.endswith("/kwh-gross"):
            assert (f.activity_unit, e.basis) == ("kWh", "GCV")
        elif f.ref.endswith("/kwh-net"):
            assert (f.activity_unit, e.basis) == ("kWh", "NCV")
        else:
            assert e.basis is None, f.ref


@pytest.mark.parametrize(("fid", "row"), sorted(PUBLISHED.items()))
def test_values_are_the_publishers(fid, row):
    desnz_id, total, parts = row
    f = REG.resolve(P + fid)
    assert f.entry.co2e.value == total
    assert (f.entry.notes or "").startswith(f"DESNZ ID {desnz_id};")
    if parts is not None:
        # DESNZ's total is the sum of its per-gas columns, to its fifth decimal
        assert sum(parts) == pytest.approx(total, abs=0.000011)


def test_only_the_vehicle_rows_are_per_vehicle_km():
    units = {f.activity_unit for f in REG.pack("uk-desnz-2025").factors.values()}
    assert units == {"t", "L", "kWh", "vkm", "pkm", "tkm", "m3", "room_night"}


@pytest.fixture
def uk_inventory(pack_inventory):
    def build(sources):
        return pack_inventory(["uk-desnz-2025"], sources, region="GB", year=2025)

    return build


def _src(sid, category, fid, amount, unit, **extra):
    return {
        "id": sid,
        "facility": "a",
        "category": category,
        "factor": P + fid,
        "activity": {"amount": amount, "unit": unit},
        **extra,
    }


def test_uk_fleet_and_office_hand_total(uk_inventory):
    inv = uk_inventory(
        [
            _src("fleet", 1, "fuels/diesel_average_biofuel_blend/litre", 10_000, "L"),
            _src("boiler", 1, "fuels/natural_gas/kwh-gross", 50_000, "kWh", energy_basis="GCV"),
            _src("grid", 2, "uk-electricity/electricity_generated/electricity_uk/kwh", 100, "MWh"),
            _src(
                "flights",
                3,
                "business-travel-air/flights/long_haul_to_from_uk/business_class/with_rf/pkm",
                20_000,
                "pkm",
            ),
            _src(
                "freight",
                3,
                "freighting-goods/hgv_all_diesel/all_hgvs/average_laden/tkm",
                150_000,
                "tkm",
            ),
        ]
    )
    res = nc.calculate(inv)
    # 10 000 L x 2.57082 + 50 000 kWh x 0.18296 + 100 000 kWh x 0.177
    # + 20 000 pkm x 0.3394 + 150 000 tkm x 0.10163 kg CO2e
    # = 25 708.2 + 9 148 + 17 700 + 6 788 + 15 244.5 kg = 74.5887 t CO2e (AR5)
    assert res.totals()["gross_co2e_t"] == pytest.approx(74.5887, rel=1e-12)
    assert not [f for f in res.findings if f.code in ("factor_validity", "factor_region")]


def test_net_cv_kwh_is_refused_by_a_gross_cv_factor(uk_inventory):
    inv = uk_inventory(
        [_src("boiler", 1, "fuels/natural_gas/kwh-gross", 50_000, "kWh", energy_basis="NCV")]
    )
    with pytest.raises(NqiCarbonError, match="GCV"):
        nc.calculate(inv)


def test_km_without_vehicles_is_refused_by_a_per_vehicle_km_factor(uk_inventory):
    inv = uk_inventory(
        [_src("car", 3, "business-travel-land/cars_by_size/medium_car/diesel/vkm", 100, "km")]
    )
    with pytest.raises(NqiCarbonError, match="vkm"):
        nc.calculate(inv)


def test_search_finds_diesel_litres():
    refs = {f.ref for f in REG.search("diesel litres")}
    assert P + "fuels/diesel_average_biofuel_blend/litre" in refs


def test_search_finds_a_uk_hotel_night():
    # every ref of the pack holds 'uk' (its id): the rows naming the UK come first
    refs = [f.ref for f in REG.search("UK hotel night")]
    assert refs[:2] == [P + "hotel-stay/uk/room-night", P + "hotel-stay/uk_london/room-night"]
    assert len(refs) == 39 and all(r.startswith(P + "hotel-stay/") for r in refs)
    de = REG.search("hotel", region="DE")
    assert [f.ref for f in de] == [P + "hotel-stay/germany/room-night"]
    assert de[0].entry.region == "DE" and de[0].entry.co2e.value == 13.2


def test_hotel_nights_give_the_hand_total(uk_inventory):
    # 3 room-nights in Germany x 13.2 kg CO2e (DESNZ 29_600_4017_13_1) = 39.6 kg
    inv = uk_inventory([_src("hotel", 3, "hotel-stay/germany/room-night", 3, "night")])
    assert nc.calculate(inv).totals()["gross_co2e_t"] == pytest.approx(0.0396, rel=1e-12)


# -- the build script, on a small workbook made up here (not the publisher's data) ---------

HEADER = ["ID", "Scope", "Level 1", "Level 2", "Level 3", "Level 4", "Column Text", "UOM", "GHG/Unit",
          "GHG Conversion Factor 2025"]  # fmt: skip


def _workbook(path: Path, rows: list[list[object]], *, ch4_gwp: object = 28) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    front = wb.active
    front.title = "Front page"
    front.append(["Status:", "Final"])
    front.append(["Version:", 1, "Year:", 2025])
    ws = wb.create_sheet("Factors by Category")
    ws.append(["UK Government GHG Conversion Factors for Company Reporting"])
    ws.append(HEADER)
    gwps = {
        "Methane": ch4_gwp,
        "Nitrous oxide": 265,
        "HFC-134a": 1300,
        "Sulphur hexafluoride (SF6)": 23500,
    }
    for i, (gas, gwp) in enumerate(gwps.items()):
        ws.append([f"3_200_{i}_3_1", "Scope 1", "Refrigerant & other", "Kyoto protocol products", gas, None,
                   "Total emissions including non-Kyoto products", "kg", "kg CO2e", gwp])  # fmt: skip
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _fuel(total: float, co2: float, ch4: float, n2o: float) -> list[list[object]]:
    base = ["Scope 1", "Fuels", "Gaseous fuels", "Made-up gas", None, None, "kWh (Gross CV)"]
    return [
        ["9_1_1_6_1", *base, "kg CO2e", total],
        ["9_1_1_6_2", *base, "kg CO2e of CO2 per unit", co2],
        ["9_1_1_6_3", *base, "kg CO2e of CH4 per unit", ch4],
        ["9_1_1_6_4", *base, "kg CO2e of N2O per unit", n2o],
    ]


@pytest.mark.excel
def test_build_script_writes_a_loadable_pack_reproducibly(tmp_path, build_script):
    build = build_script("uk_desnz_2025")
    xlsx = _workbook(tmp_path / "f.xlsx", _fuel(0.2, 0.19, 0.00009, 0.00991))
    out1, out2 = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert build.main([str(xlsx), "--any-file", "-o", str(out1)]) == 0
    assert build.main([str(xlsx), "--any-file", "-o", str(out2)]) == 0
    assert out1.read_bytes() == out2.read_bytes()
    lp = load_pack(out1)
    f = lp.factors["fuels/made_up_gas/kwh-gross"]
    assert (f.entry.co2e.value, f.entry.basis, f.activity_unit) == (0.2, "GCV", "kWh")
    assert "of CH4 0.00009," in (f.entry.notes or "")  # never 9e-05


@pytest.mark.excel
def test_build_script_refuses_an_unverified_file(tmp_path, build_script):
    build = build_script("uk_desnz_2025")
    xlsx = _workbook(tmp_path / "f.xlsx", _fuel(0.2, 0.19, 0.00009, 0.00991))
    with pytest.raises(SystemExit, match="is not the verified workbook"):
        build.main([str(xlsx), "-o", str(tmp_path / "out.yaml")])


@pytest.mark.excel
@pytest.mark.parametrize(
    ("rows", "ch4_gwp", "message"),
    [
        (_fuel(0.2, 0.19, 0.00009, 0.00991), 25, "expected AR5 28"),
        (_fuel(0.2, 0.19, 0.00009, 0.0098), 28, "do not add up"),
    ],
)
def test_build_script_refuses_a_workbook_unlike_the_publishers(
    tmp_path, rows, ch4_gwp, message, build_script
):
    build = build_script("uk_desnz_2025")
    xlsx = _workbook(tmp_path / "f.xlsx", rows, ch4_gwp=ch4_gwp)
    with pytest.raises(SystemExit, match=message):
        build.main([str(xlsx), "--any-file", "-o", str(tmp_path / "out.yaml")])
