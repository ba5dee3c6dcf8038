"""The vectorised roll-ups and what is kept between calls give what the plain way gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nqi_carbon as nc
from nqi_carbon.calc import exact

PACK = str(Path(__file__).resolve().parent / "data" / "packs" / "testpack.yaml")
GAS = "testpack/stationary/natural_gas"


def _mapping(facilities: list[dict], factor: str, **extra: object) -> dict:
    """Four sources on *factor*, alternately at the first and the second facility."""
    return {
        "schema": "nqi-carbon/inventory@1",
        "organization": {"name": "T", "id": "t", "consolidation": "equity_share"},
        "period": {"start": "2024-01-01", "end": "2025-01-01"},
        "gwp": "AR5",
        "factor_packs": [PACK],
        "facilities": facilities,
        "sources": [
            {"id": f"s{i}", "facility": facilities[i % 2]["id"], "category": 1, "factor": factor}
            for i in range(4)
        ],
        **extra,
    }


def _inventory() -> nc.Inventory:
    shares = [{"id": "f1", "equity_share": 1.0}, {"id": "f2", "equity_share": 0.5}]
    return nc.validate_inventory(_mapping(shares, GAS))


def _table(uncertainty: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["s0", "s1", "s2", "s3", "s0"],
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0],
            "unit": ["TJ"] * 5,
            "uncertainty": uncertainty,
        }
    )


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 127, 128, 129, 1000, 4099])
def test_row_sums_are_numpys_sums_of_the_dense_rows(n):
    rng = np.random.default_rng(n)
    dense = rng.random((5, n)) * np.exp2(rng.integers(-60, 60, (5, n)))
    dense[rng.random((5, n)) < 0.8] = 0.0
    row, pos = np.nonzero(dense)
    got = exact.row_sums(row.astype(np.intp), pos.astype(np.intp), dense[row, pos], 5, n)
    want = dense.sum(axis=1)
    assert got.tobytes() == want.tobytes()


def test_row_sums_in_blocks_of_rows(monkeypatch):
    monkeypatch.setattr(exact, "_ROW_BLOCK", 64)  # a block of one row or two
    rng = np.random.default_rng(3)
    dense = rng.random((9, 300))
    dense[rng.random((9, 300)) < 0.5] = 0.0
    row, pos = np.nonzero(dense)
    got = exact.row_sums(row.astype(np.intp), pos.astype(np.intp), dense[row, pos], 9, 300)
    assert got.tobytes() == dense.sum(axis=1).tobytes()


def test_findings_of_a_second_call_are_those_of_a_fresh_inventory():
    # the same (source, unit) pairs, so the plans and their sorted findings are reused;
    # s1's rows lose their uncertainty: its finding is put in its place
    inv = _inventory()
    nc.calculate(inv, activity=_table([0.01] * 5), uncertainty="analytical")
    table = _table([0.01, np.nan, 0.01, 0.01, 0.01])
    again = nc.calculate(inv, activity=table, uncertainty="analytical")
    fresh = nc.calculate(_inventory(), activity=table, uncertainty="analytical")
    assert again.findings == fresh.findings
    missing = [f for f in again.findings if f.code == "activity_uncertainty_missing"]
    assert [f.subject for f in missing] == ["s1"]


def test_group_masks_are_kept_but_each_result_has_its_own_mapping():
    inv = _inventory()
    first = nc.calculate(inv, activity=_table([0.01] * 5), uncertainty="analytical")
    second = nc.calculate(inv, activity=_table([0.02] * 5), uncertainty="analytical")
    assert first.group_masks is not second.group_masks
    assert list(first.group_masks) == list(second.group_masks)
    # s0 and s2 at f1 (share 1), s1 and s3 at f2: three gases a source
    assert (
        first.group_masks["facility:f1"].tolist()
        == [True] * 3 + [False] * 3 + [True] * 3 + [False] * 3
    )
    with pytest.raises(ValueError, match="read-only"):
        first.group_masks["total"][0] = False
    second.group_masks["mine"] = second.group_masks["total"]
    assert "mine" not in first.group_masks


def test_approach1_of_every_group_at_once_is_one_group_at_a_time():
    # the same additions in the same order as group_variance_terms group by group
    import math

    from nqi_carbon.calc.uncertainty import Sensitivities, group_variance_terms

    res = nc.calculate(
        _inventory(), activity=_table([0.01, 0.02, 0.05, 0.01, 0.03]), uncertainty="analytical"
    )
    sens = Sensitivities.of(res.table, res._stats)
    u_par = np.array([p.u95 for p in res.params], dtype=float)
    for name, mask in res.group_masks.items():
        act, ins, par = group_variance_terms(sens, res._stats, u_par, res._ins_u95, mask)
        half = math.sqrt(max(float(act.sum() + ins.sum() + par.sum()), 0.0))
        assert res.group_uncertainty[name].half95 == half, name
        assert res.group_uncertainty[name].value == math.fsum(res.table.co2e[mask].tolist())


def test_sources_of_one_kind_share_a_plan_and_each_gets_its_own_findings():
    # four sources on one regional factor, in GJ (its NCV basis assumed: a finding each);
    # the factor is for CN-SH: the facility in CN-JS is named, the one in CN-SH is not
    from nqi_carbon.calc.plan import plan_sources

    inline = {
        "id": "sup/x",
        "name": "gas, Shanghai",
        "activity_unit": "TJ",
        "basis": "NCV",
        "gases": {"CO2": {"value": 56.1, "unit": "t/TJ"}},
        "reference": "supplier sheet 2024, table 1",
        "region": "CN-SH",
    }
    facilities = [
        {"id": "js", "equity_share": 1.0, "region": "CN-JS"},
        {"id": "sh", "equity_share": 0.5, "region": "CN-SH"},
    ]
    data = _mapping(facilities, "sup/x", factors=[inline])
    inv = nc.validate_inventory(data)
    plans, _, findings, _ = plan_sources(inv, {f"s{i}": ["GJ"] for i in range(4)})
    assert [p.source.id for p in plans] == ["s0", "s1", "s2", "s3"]
    assert [p.share for p in plans] == [1.0, 0.5, 1.0, 0.5]
    assert all(p.terms == plans[0].terms for p in plans)
    assert [p.chain_unit_scale["GJ"] for p in plans] == [1e-3] * 4
    region = sorted(f.subject for f in findings if f.code == "factor_region")
    assert region == ["s0", "s2"]
    assert all("facility js is in CN-JS" in f.message for f in findings if f.code == "factor_region")
    basis = sorted(f.subject for f in findings if f.code == "energy_basis_assumed")
    assert basis == ["s0", "s1", "s2", "s3"]
    # the same as each source planned on its own
    for i, p in enumerate(plans):
        (alone,), _, own, _ = plan_sources(
            nc.validate_inventory({**data, "sources": [data["sources"][i]]}), {f"s{i}": ["GJ"]}
        )
        assert (alone.terms, alone.chain_unit_scale, alone.share) == (p.terms, p.chain_unit_scale, p.share)
        mine = [f for f in findings if f.subject == f"s{i}"]
        assert sorted((f for f in own if f.subject == f"s{i}"), key=str) == sorted(mine, key=str)


@pytest.mark.parametrize("example", sorted(p.parent.name for p in Path("examples").glob("*/inventory.yaml")))
def test_lines_laid_out_by_term_sets_are_those_laid_out_row_by_row(example):
    from nqi_carbon.calc import kernel

    plans = nc.calculate(nc.load_inventory(Path("examples") / example / "inventory.yaml")).plans
    fast = kernel._rows_by_term_sets(plans)
    if fast is None:  # scope-2 market terms or contracts: laid out row by row only
        assert any(p.market_terms is not None or p.contracts for p in plans)
        return
    slow = kernel._rows_one_by_one(plans)
    for name in ("src", "coef", "gwp", "share", "biogenic", "category", "basis", "group", "facility"):
        a, b = getattr(fast, name), getattr(slow, name)
        assert a.dtype == b.dtype and a.tolist() == b.tolist(), name
    for name in ("p_idx", "l_idx", "chain", "scope3"):
        assert getattr(fast, name).tolist() == getattr(slow, name).tolist(), name
    assert (fast.gas, fast.ref, fast.contracts) == (slow.gas, slow.ref, slow.contracts)
    assert all(a is b for a, b in zip(fast.row_plan, slow.row_plan, strict=True))


def test_carbon_content_and_gas_mass_sources_of_one_kind_plan_as_each_alone():
    from nqi_carbon.calc.plan import plan_sources

    facilities = [{"id": "a", "equity_share": 1.0}, {"id": "b", "equity_share": 0.35}]
    sources = [
        *(
            {"id": f"c{i}", "facility": "ab"[i], "category": 1, "method": "carbon_content",
             "carbon": {"fuel": "cn-mee/fuel/anthracite"}}
            for i in range(2)
        ),
        *(
            {"id": f"r{i}", "facility": "ab"[i], "category": 1, "method": "release", "gas": "R-410A"}
            for i in range(2)
        ),
    ]  # fmt: skip
    data = {**_mapping(facilities, GAS, gwp="AR6"), "factor_packs": ["cn-mee"], "sources": sources}
    units = {"c0": ["t"], "c1": ["t"], "r0": ["kg"], "r1": ["kg"]}
    plans, _, findings, _ = plan_sources(nc.validate_inventory(data), units)
    assert [p.share for p in plans] == [1.0, 0.35, 1.0, 0.35]
    for i, p in enumerate(plans):
        (alone,), _, own, _ = plan_sources(
            nc.validate_inventory({**data, "sources": [sources[i]]}), {p.source.id: units[p.source.id]}
        )
        for name in ("method", "base_unit", "factor_ref", "terms", "chain_unit_scale", "chain_units"):
            assert getattr(alone, name) == getattr(p, name), (p.source.id, name)
        mine = [f for f in findings if f.subject == p.source.id]
        assert sorted((f for f in own if f.subject == p.source.id), key=str) == sorted(mine, key=str)
